package maybenot

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// runCase is one line of run.jsonl: machines run by the reference over a
// sequence of steps, with the actions each step returned.
type runCase struct {
	Case struct {
		Machines        []string
		MaxPaddingFrac  float64 `json:"max_padding_frac"`
		MaxBlockingFrac float64 `json:"max_blocking_frac"`
		Seed            uint64
		Steps           []struct {
			T      uint64 // microseconds since the start
			Events []jsonEvent
		}
	}
	Expect struct {
		Steps [][]jsonAction
		Ended bool
	}
}

// jsonEvent decodes the reference's JSON form of a TriggerEvent: a bare
// name, or {"Name": machine}.
type jsonEvent TriggerEvent

func (e *jsonEvent) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		return e.set(name, 0)
	}
	var tagged map[string]int
	if err := json.Unmarshal(b, &tagged); err != nil || len(tagged) != 1 {
		return fmt.Errorf("bad event %s", b)
	}
	for name, m := range tagged {
		return e.set(name, m)
	}
	return nil
}

func (e *jsonEvent) set(name string, m int) error {
	for i, n := range eventNames {
		if n == name {
			*e = jsonEvent{Event: Event(i), Machine: MachineID(m)}
			return nil
		}
	}
	return fmt.Errorf("unknown event %q", name)
}

// jsonAction decodes the reference's JSON form of a TriggerAction.
type jsonAction TriggerAction

func (a *jsonAction) UnmarshalJSON(b []byte) error {
	var tagged map[string]struct {
		Machine    int
		Timer      string
		TimeoutUS  uint64 `json:"timeout_us"`
		DurationUS uint64 `json:"duration_us"`
		Bypass     bool
		Replace    bool
	}
	if err := json.Unmarshal(b, &tagged); err != nil || len(tagged) != 1 {
		return fmt.Errorf("bad action %s", b)
	}
	for kind, v := range tagged {
		*a = jsonAction{
			Machine:  MachineID(v.Machine),
			Timeout:  time.Duration(v.TimeoutUS) * time.Microsecond,
			Duration: time.Duration(v.DurationUS) * time.Microsecond,
			Bypass:   v.Bypass,
			Replace:  v.Replace,
		}
		for k := ActionCancel; k <= ActionUpdateTimer; k++ {
			if k.String() == kind {
				a.Kind = k
			}
		}
		if a.Kind == 0 {
			return fmt.Errorf("unknown action %q", kind)
		}
		for t := TimerAction; t <= TimerAll; t++ {
			if t.String() == v.Timer {
				a.Timer = t
			}
		}
	}
	return nil
}

// TestConformanceRun replays every run of run.jsonl with the reference's
// random source and requires identical actions at every step.
func TestConformanceRun(t *testing.T) { replayRuns(t, "run.jsonl") }

// replayRuns replays every run of the named conformance file (run.jsonl's
// format) and requires identical actions at every step.
func replayRuns(t *testing.T, name string) {
	lines := conformanceLines(t, name)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps, actions := 0, 0
	for n, line := range lines {
		var c runCase
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		ms, err := ParseMachines(joinLines(c.Case.Machines))
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		f, err := NewFramework(ms, c.Case.MaxPaddingFrac, c.Case.MaxBlockingFrac, t0, splitmix.New(c.Case.Seed))
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		if len(c.Expect.Steps) != len(c.Case.Steps) {
			t.Fatalf("case %d: %d steps but %d expectations", n, len(c.Case.Steps), len(c.Expect.Steps))
		}
		for s, step := range c.Case.Steps {
			events := make([]TriggerEvent, len(step.Events))
			for i, e := range step.Events {
				events[i] = TriggerEvent(e)
			}
			got := f.TriggerEvents(events, t0.Add(time.Duration(step.T)*time.Microsecond))
			want := c.Expect.Steps[s]
			if !sameActions(got, want) {
				t.Fatalf("case %d step %d (t=%dµs, events %v):\ngot  %v\nwant %v", n, s, step.T, events, got, want)
			}
			steps++
			actions += len(want)
		}
		if got := f.AllMachinesEnded(); got != c.Expect.Ended {
			t.Fatalf("case %d: AllMachinesEnded = %v, want %v", n, got, c.Expect.Ended)
		}
	}
	t.Logf("%d runs, %d steps, %d actions identical to the reference", len(lines), steps, actions)
}

func sameActions(got []TriggerAction, want []jsonAction) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != TriggerAction(want[i]) {
			return false
		}
	}
	return true
}

func joinLines(ss []string) string {
	var s string
	for _, x := range ss {
		s += x + "\n"
	}
	return s
}
