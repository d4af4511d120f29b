package rules

import "time"

// A TakesCase is one case of the rule of Takes, in the form the tests of
// both runtimes replay: a blocking (or timer) with Remaining left, hit by
// an action of duration D.
type TakesCase struct {
	Name      string
	Remaining time.Duration // 0: none running
	D         time.Duration
	Replace   bool
	Takes     bool
}

// TakesCases are the cases the defense and sim tests share.
var TakesCases = []TakesCase{
	{"none running, starts", 0, 100 * time.Millisecond, false, true},
	{"none running, zero starts nothing", 0, 0, false, false},
	{"none running, zero with replace", 0, 0, true, true},
	{"shorter kept", 80 * time.Millisecond, 50 * time.Millisecond, false, false},
	{"equal kept", 80 * time.Millisecond, 80 * time.Millisecond, false, false},
	{"longer extends", 80 * time.Millisecond, 150 * time.Millisecond, false, true},
	{"replaced shorter", 80 * time.Millisecond, 50 * time.Millisecond, true, true},
	{"replaced longer", 80 * time.Millisecond, 150 * time.Millisecond, true, true},
	{"replaced with zero", 80 * time.Millisecond, 0, true, true},
}
