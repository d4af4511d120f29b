package maybenot

import (
	"math"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

func TestValidateAction(t *testing.T) {
	valid := uniformConst(10)
	limit := Dist{Type: Normal{Mean: 50, Stdev: 10}}
	for _, tc := range []struct {
		name   string
		action Action
		want   string // in the error; "" for a valid action
	}{
		{"no action", nil, ""},
		{"cancel action timer", Cancel{Timer: TimerAction}, ""},
		{"cancel internal timer", Cancel{Timer: TimerInternal}, ""},
		{"cancel all timers", Cancel{Timer: TimerAll}, ""},
		{"cancel unknown timer", Cancel{Timer: 3}, "Cancel: unknown timer 3"},

		{"padding", SendPadding{Timeout: valid, Limit: &limit}, ""},
		{"padding bad timeout", SendPadding{Timeout: lowAboveHigh, Limit: &limit}, "SendPadding timeout: Uniform distribution: low 2 > high 1"},
		{"padding bad limit", SendPadding{Timeout: valid, Limit: &lowAboveHigh}, "SendPadding limit: Uniform distribution"},

		{"blocking", BlockOutgoing{Timeout: valid, Duration: valid, Limit: &limit}, ""},
		{"blocking bad timeout", BlockOutgoing{Timeout: lowAboveHigh, Duration: valid, Limit: &limit}, "BlockOutgoing timeout: Uniform"},
		{"blocking bad duration", BlockOutgoing{Timeout: valid, Duration: lowAboveHigh, Limit: &limit}, "BlockOutgoing duration: Uniform"},
		{"blocking bad limit", BlockOutgoing{Timeout: valid, Duration: valid, Limit: &lowAboveHigh}, "BlockOutgoing limit: Uniform"},

		{"timer", UpdateTimer{Replace: true, Duration: valid, Limit: &limit}, ""},
		{"timer bad duration", UpdateTimer{Replace: true, Duration: lowAboveHigh, Limit: &limit}, "UpdateTimer duration: Uniform"},
		{"timer bad limit", UpdateTimer{Replace: true, Duration: valid, Limit: &lowAboveHigh}, "UpdateTimer limit: Uniform"},
		{"timer missing dist type", UpdateTimer{}, "UpdateTimer duration: distribution has no type"},
	} {
		checkValidation(t, tc.name, checkAction(tc.action), tc.want)
	}
}

func TestActionLimit(t *testing.T) {
	limit := uniformConst(3)
	for _, tc := range []struct {
		action Action
		want   *Dist
	}{
		{nil, nil},
		{Cancel{Timer: TimerAll}, nil},
		{SendPadding{}, nil},
		{SendPadding{Limit: &limit}, &limit},
		{BlockOutgoing{Limit: &limit}, &limit},
		{UpdateTimer{Limit: &limit}, &limit},
	} {
		if got := actionLimit(tc.action); got != tc.want {
			t.Errorf("actionLimit(%#v) = %v, want %v", tc.action, got, tc.want)
		}
	}
}

func TestSampleMicros(t *testing.T) {
	// Timeouts and durations are capped at a day, then rounded half away
	// from zero; Dist.Sample has already clamped them at 0.
	for _, tc := range []struct {
		v    float64
		want uint64
	}{
		{0, 0},
		{-5, 0},
		{1.4999, 1},
		{1.5, 2},
		{2.5, 3},
		{86_400e6 - 0.5, 86_400_000_000},
		{86_400e6, 86_400_000_000},
		{1e300, 86_400_000_000},
	} {
		if got := sampleMicros(uniformConst(tc.v), splitmix.New(0)); got != tc.want {
			t.Errorf("sampleMicros(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

func TestSampleLimit(t *testing.T) {
	// A limit is rounded half away from zero and saturates; no limit at all
	// is 2^64-1.
	if got := sampleLimit(nil, splitmix.New(0)); got != math.MaxUint64 {
		t.Errorf("sampleLimit(nil) = %d, want 2^64-1", got)
	}
	for _, tc := range []struct {
		v    float64
		want uint64
	}{
		{0, 0},
		{0.5, 1},
		{3.49, 3},
		{1e19, 10_000_000_000_000_000_000},
		{1e30, math.MaxUint64},
	} {
		d := uniformConst(tc.v)
		if got := sampleLimit(&d, splitmix.New(0)); got != tc.want {
			t.Errorf("sampleLimit(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

func TestTimerString(t *testing.T) {
	// Timer(3) names no timer.
	for i, want := range []string{"Action", "Internal", "All", "Timer(3)"} {
		if got := Timer(i).String(); got != want {
			t.Errorf("Timer(%d).String() = %q, want %q", i, got, want)
		}
	}
}

func TestTriggerActionString(t *testing.T) {
	for _, tc := range []struct {
		a    TriggerAction
		want string
	}{
		{TriggerAction{Kind: ActionCancel, Machine: 1, Timer: TimerAll}, "Cancel(machine 1, timer All)"},
		{TriggerAction{Kind: ActionSendPadding, Timeout: 10 * time.Microsecond, Replace: true}, "SendPadding(machine 0, timeout 10µs, replace)"},
		{TriggerAction{Kind: ActionBlockOutgoing, Machine: 2, Timeout: time.Millisecond, Duration: time.Second, Bypass: true},
			"BlockOutgoing(machine 2, timeout 1ms, duration 1s, bypass)"},
		{TriggerAction{Kind: ActionUpdateTimer, Machine: 3, Duration: 5 * time.Microsecond}, "UpdateTimer(machine 3, duration 5µs)"},
		{TriggerAction{}, "ActionKind(0)(machine 0)"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
