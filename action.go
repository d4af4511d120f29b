package maybenot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Action is what a state asks for when a machine transitions to it: one of
// the value types Cancel, SendPadding, BlockOutgoing or UpdateTimer (not
// pointers). The set is closed; its order is the wire format's.
//
// All actions but Cancel may carry a limit: a distribution sampled each time
// the machine enters the state, giving how many times the action may be
// taken before the machine must leave the state (see the LimitReached
// event). Without a limit the action may be taken any number of times.
type Action interface {
	// actionKind is the action's ActionKind.
	actionKind() ActionKind
}

// Cancel cancels one or both of the machine's timers.
type Cancel struct {
	Timer Timer
}

// SendPadding schedules one padding packet after a sampled timeout,
// replacing any pending action timer (SendPadding or BlockOutgoing) of the
// machine.
type SendPadding struct {
	// Bypass: the padding is sent even while outgoing traffic is blocked,
	// provided that blocking was itself started with Bypass.
	Bypass bool
	// Replace: the padding may be replaced by a packet already queued to
	// be sent, or by normal data about to be sent.
	Replace bool
	// Timeout is sampled in microseconds.
	Timeout Dist
	// Limit, if not nil, bounds how often the action is taken in a row.
	Limit *Dist
}

// BlockOutgoing schedules blocking of all outgoing traffic after a sampled
// timeout, for a sampled duration, replacing any pending action timer
// (SendPadding or BlockOutgoing) of the machine.
type BlockOutgoing struct {
	// Bypass: padding with its own Bypass flag may be sent during this
	// blocking.
	Bypass bool
	// Replace: the duration replaces the remaining time of blocking that is
	// already active, instead of keeping the longer of the two. A machine
	// may always replace active blocking, whatever its blocking budget.
	Replace bool
	// Timeout and Duration are sampled in microseconds.
	Timeout, Duration Dist
	// Limit, if not nil, bounds how often the action is taken in a row.
	Limit *Dist
}

// UpdateTimer sets the machine's internal timer to a sampled duration.
type UpdateTimer struct {
	// Replace: the new duration replaces the remaining time of a running
	// timer; otherwise the longer of the two is kept.
	Replace bool
	// Duration is sampled in microseconds.
	Duration Dist
	// Limit, if not nil, bounds how often the action is taken in a row.
	Limit *Dist
}

func (Cancel) actionKind() ActionKind        { return ActionCancel }
func (SendPadding) actionKind() ActionKind   { return ActionSendPadding }
func (BlockOutgoing) actionKind() ActionKind { return ActionBlockOutgoing }
func (UpdateTimer) actionKind() ActionKind   { return ActionUpdateTimer }

// checkAction validates the distributions of a (nil is no action), naming
// the one at fault. The order of the checks is the reference's.
func checkAction(a Action) error {
	switch a := a.(type) {
	case nil:
		return nil
	case Cancel:
		if a.Timer > TimerAll {
			return fmt.Errorf("Cancel: unknown timer %d", a.Timer)
		}
		return nil
	case SendPadding:
		return firstErr(
			checkDist("SendPadding timeout", &a.Timeout),
			checkDist("SendPadding limit", a.Limit))
	case BlockOutgoing:
		return firstErr(
			checkDist("BlockOutgoing timeout", &a.Timeout),
			checkDist("BlockOutgoing duration", &a.Duration),
			checkDist("BlockOutgoing limit", a.Limit))
	case UpdateTimer:
		return firstErr(
			checkDist("UpdateTimer duration", &a.Duration),
			checkDist("UpdateTimer limit", a.Limit))
	}
	return fmt.Errorf("unsupported action type %T", a)
}

// checkDist checks d, if not nil, and says where it sits.
func checkDist(where string, d *Dist) error {
	if d == nil {
		return nil
	}
	if err := d.check(); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// actionLimit returns the limit distribution of a, nil when it has none.
func actionLimit(a Action) *Dist {
	switch a := a.(type) {
	case SendPadding:
		return a.Limit
	case BlockOutgoing:
		return a.Limit
	case UpdateTimer:
		return a.Limit
	}
	return nil
}

// actionDetail is one line of an action's description in Machine.String,
// such as its timeout.
type actionDetail struct{ label, value string }

// describeAction describes a for Machine.String: a headline with the kind
// of action and its flags, such as "SendPadding (bypass, replace)", and a
// line for each of its distributions. Timeouts and durations are in
// microseconds; a limit is how many times the action may be taken before
// the machine gets LimitReached.
func describeAction(a Action) (head string, details []actionDetail) {
	micros := func(label string, d Dist) actionDetail { return actionDetail{label, d.String() + " µs"} }
	withLimit := func(details []actionDetail, limit *Dist) []actionDetail {
		if limit == nil {
			return details
		}
		return append(details, actionDetail{"limit", limit.String() + ", then LimitReached"})
	}
	switch a := a.(type) {
	case nil:
		return "none", nil
	case Cancel:
		switch a.Timer {
		case TimerAction:
			return "Cancel the action timer", nil
		case TimerInternal:
			return "Cancel the internal timer", nil
		case TimerAll:
			return "Cancel both timers", nil
		}
		return "Cancel " + a.Timer.String(), nil
	case SendPadding:
		return "SendPadding" + flagList(a.Bypass, a.Replace),
			withLimit([]actionDetail{micros("timeout", a.Timeout)}, a.Limit)
	case BlockOutgoing:
		return "BlockOutgoing" + flagList(a.Bypass, a.Replace),
			withLimit([]actionDetail{micros("timeout", a.Timeout), micros("duration", a.Duration)}, a.Limit)
	case UpdateTimer:
		return "UpdateTimer" + flagList(false, a.Replace),
			withLimit([]actionDetail{micros("duration", a.Duration)}, a.Limit)
	}
	return fmt.Sprintf("%T", a), nil
}

// flagList returns the set flags of an action in parentheses, such as
// " (bypass, replace)", or "" when none is set.
func flagList(bypass, replace bool) string {
	var flags []string
	if bypass {
		flags = append(flags, "bypass")
	}
	if replace {
		flags = append(flags, "replace")
	}
	if flags == nil {
		return ""
	}
	return " (" + strings.Join(flags, ", ") + ")"
}

// Timer names one or both of a machine's timers.
type Timer uint8

// The timers a Cancel action may name.
const (
	// TimerAction is the timer of the pending SendPadding or BlockOutgoing
	// action.
	TimerAction Timer = iota
	// TimerInternal is the machine's internal timer, set by UpdateTimer.
	TimerInternal
	// TimerAll is both timers.
	TimerAll
)

// timerNames are the timers' names, as the reference spells its variants.
var timerNames = []string{"Action", "Internal", "All"}

// String returns "Action", "Internal" or "All", or "Timer(n)" for an unknown
// value.
func (t Timer) String() string {
	if int(t) < len(timerNames) {
		return timerNames[t]
	}
	return "Timer(" + strconv.Itoa(int(t)) + ")"
}

// ActionKind says which action a TriggerAction carries.
type ActionKind uint8

// The kinds of TriggerAction. The zero ActionKind is not a valid kind.
const (
	// ActionCancel: cancel the machine's timer named by Timer (action,
	// internal or both). Cancelling triggers no event; in particular a
	// cancelled internal timer does not cause TimerEnd.
	ActionCancel ActionKind = iota + 1
	// ActionSendPadding: (re)set the machine's action timer to Timeout,
	// replacing any pending SendPadding or BlockOutgoing of that machine.
	// When it fires, queue one padding packet and trigger PaddingSent for
	// the machine, then TunnelSent when it is written.
	//
	// While outgoing traffic is blocked, the padding goes out only if
	// Bypass is set and the active blocking was set with Bypass too;
	// otherwise it waits in the queue like any other packet. If Replace is
	// set, a packet already queued (padding or normal) or normal data about
	// to be sent may take the padding's place; PaddingSent is triggered
	// either way (and NormalSent as well if new normal data went instead).
	ActionSendPadding
	// ActionBlockOutgoing: (re)set the machine's action timer to Timeout,
	// replacing any pending SendPadding or BlockOutgoing of that machine.
	// When it fires: if no blocking is active, block all outgoing traffic
	// (of the whole framework) for Duration; if blocking is active, set its
	// remaining time to Duration when Replace is set, else to the longer of
	// the remaining time and Duration. Then, whatever happened, trigger
	// BlockingBegin for the machine. The blocking takes this action's
	// Bypass flag when it was started, replaced or extended. When blocking
	// ends, trigger BlockingEnd.
	ActionBlockOutgoing
	// ActionUpdateTimer: set the machine's internal timer to Duration if
	// Replace is set or no timer runs, else to the longer of the remaining
	// time and Duration; then trigger TimerBegin for the machine. When the
	// timer expires (not when it is cancelled) trigger TimerEnd.
	ActionUpdateTimer
)

// String returns the kind's name, such as "SendPadding".
func (k ActionKind) String() string {
	switch k {
	case ActionCancel:
		return "Cancel"
	case ActionSendPadding:
		return "SendPadding"
	case ActionBlockOutgoing:
		return "BlockOutgoing"
	case ActionUpdateTimer:
		return "UpdateTimer"
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// TriggerAction is an action the integrator must carry out for one machine,
// as returned by Framework.TriggerEvents. Kind says which fields matter; the
// others are zero. See the ActionKind constants for what to do with each.
type TriggerAction struct {
	Kind     ActionKind
	Machine  MachineID
	Timer    Timer         // ActionCancel
	Timeout  time.Duration // ActionSendPadding, ActionBlockOutgoing
	Duration time.Duration // ActionBlockOutgoing, ActionUpdateTimer
	Bypass   bool          // ActionSendPadding, ActionBlockOutgoing
	Replace  bool          // ActionSendPadding, ActionBlockOutgoing, ActionUpdateTimer
}

// String describes the action, such as
// "SendPadding(machine 0, timeout 10µs, replace)".
func (a TriggerAction) String() string {
	var b strings.Builder
	b.WriteString(a.Kind.String())
	b.WriteString("(machine ")
	b.WriteString(strconv.Itoa(int(a.Machine)))
	switch a.Kind {
	case ActionCancel:
		b.WriteString(", timer " + a.Timer.String())
	case ActionSendPadding:
		b.WriteString(", timeout " + a.Timeout.String())
	case ActionBlockOutgoing:
		b.WriteString(", timeout " + a.Timeout.String() + ", duration " + a.Duration.String())
	case ActionUpdateTimer:
		b.WriteString(", duration " + a.Duration.String())
	}
	if a.Bypass {
		b.WriteString(", bypass")
	}
	if a.Replace {
		b.WriteString(", replace")
	}
	b.WriteString(")")
	return b.String()
}
