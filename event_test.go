package maybenot

import "testing"

func TestEventString(t *testing.T) {
	// The names and their order are the reference's (its v1_events and
	// v2_events tests check the names): the wire format indexes
	// transitions by event number.
	want := []string{
		"NormalRecv", "PaddingRecv", "TunnelRecv", "NormalSent", "PaddingSent",
		"TunnelSent", "BlockingBegin", "BlockingEnd", "LimitReached",
		"CounterZero", "TimerBegin", "TimerEnd", "Signal",
	}
	if len(want) != NumEvents {
		t.Fatalf("%d names for %d events", len(want), NumEvents)
	}
	for e, name := range want {
		if got := Event(e).String(); got != name {
			t.Errorf("Event(%d).String() = %q, want %q", e, got, name)
		}
	}
	if got := Event(NumEvents).String(); got != "Event(13)" {
		t.Errorf("Event(13).String() = %q, want %q", got, "Event(13)")
	}
}

func TestTriggerEventString(t *testing.T) {
	for _, tc := range []struct {
		e    TriggerEvent
		want string
	}{
		{TriggerEvent{Event: NormalSent, Machine: 4}, "NormalSent"},
		{TriggerEvent{Event: PaddingSent, Machine: 2}, "PaddingSent(2)"},
		{TriggerEvent{Event: BlockingBegin}, "BlockingBegin(0)"},
		{TriggerEvent{Event: TimerBegin, Machine: -1}, "TimerBegin(-1)"},
		{TriggerEvent{Event: TimerEnd, Machine: 7}, "TimerEnd(7)"},
		{TriggerEvent{Event: BlockingEnd, Machine: 7}, "BlockingEnd"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
