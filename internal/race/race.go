//go:build race

// Package race tells tests whether they run under the race detector, which
// changes how much some code allocates: its sync.Pool drops some of what
// it is given back, so bounds on allocation do not hold there.
package race

// Enabled is true when the race detector is on.
const Enabled = true
