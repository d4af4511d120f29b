// Package rules holds the rules of the integration contract that both the
// real-time runtime (package defense) and the simulator (package sim)
// apply, so that each rule is written once. They are the reference
// simulator's (crate maybenot-simulator 2.2.1).
package rules

import "time"

// Takes reports whether a BlockOutgoing that fires, or an UpdateTimer that
// is carried out, sets its blocking or timer to run for d from now, given
// remaining, the time left on the blocking or timer in place (0 when none
// is running). It does when replace is set, or when d outlasts what
// remains. So a zero d without replace starts nothing, and with replace it
// ends what is running at once.
//
// Blocking that is set this way takes the action's bypass flag; blocking
// left as it was keeps its own. Either way the machine hears BlockingBegin.
// A timer that is set this way is reported with TimerBegin; a timer left as
// it was is not.
func Takes(remaining, d time.Duration, replace bool) bool {
	return replace || d > remaining
}

// Bypasses reports whether padding may be sent while outgoing traffic is
// blocked: only when the padding action has bypass and the blocking in
// place is bypassable. When nothing is blocked the question does not
// arise and Bypasses returns false.
func Bypasses(paddingBypass, blocked, bypassable bool) bool {
	return paddingBypass && blocked && bypassable
}
