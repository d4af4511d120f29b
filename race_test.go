//go:build race

package maybenot

// raceEnabled is set when the tests run under the race detector, which
// changes how much some code allocates (sync.Pool drops some of what it is
// given back).
const raceEnabled = true
