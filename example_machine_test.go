package maybenot_test

import (
	"encoding/json"
	"fmt"
	"log"
	"reflect"

	"github.com/maybenot-go/maybenot"
)

func ExampleParseMachine() {
	// The no-op machine: one state that does nothing and never leaves.
	m, err := maybenot.ParseMachine("02eNpjYEAHjOgCAAA0AAI=")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(m.States), "state")
	fmt.Println(m.States[0].Action == nil)
	// Output:
	// 1 state
	// true
}

func ExampleNewMachine() {
	// A machine that waits in state 0 for a normal packet to be sent, then
	// moves to state 1, which sends a padding packet 20 ms (20,000 µs)
	// later.
	var wait, pad maybenot.State
	wait.Transitions[maybenot.NormalSent] = []maybenot.Trans{{State: 1, Probability: 1}}
	pad.Action = maybenot.SendPadding{
		Timeout: maybenot.Dist{Type: maybenot.Uniform{Low: 0, High: 0}, Start: 20_000},
	}
	// After the padding is sent, go back to waiting half the time, and
	// end the other half.
	pad.Transitions[maybenot.PaddingSent] = []maybenot.Trans{
		{State: 0, Probability: 0.5},
		{State: maybenot.StateEnd, Probability: 0.5},
	}
	m, err := maybenot.NewMachine(100, 0.5, 0, 0, []maybenot.State{wait, pad})
	if err != nil {
		log.Fatal(err)
	}

	s := m.Serialize()
	back, err := maybenot.ParseMachine(s)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s[:2], len(back.States), reflect.DeepEqual(back, m))

	// A machine that breaks a rule does not come into being.
	broken := pad
	broken.Transitions[maybenot.PaddingSent] = []maybenot.Trans{{State: 2, Probability: 1}}
	_, err = maybenot.NewMachine(100, 0.5, 0, 0, []maybenot.State{wait, broken})
	fmt.Println(err)
	// Output:
	// 02 2 true
	// maybenot: invalid machine: state 1: PaddingSent: transition to state 2, but the last state is 1
}

func ExampleMachine_MarshalJSON() {
	var s maybenot.State
	s.Action = maybenot.UpdateTimer{
		Replace:  true,
		Duration: maybenot.Dist{Type: maybenot.Normal{Mean: 1000, Stdev: 0.5}, Max: 5000},
	}
	s.CounterA = &maybenot.Counter{Operation: maybenot.CounterIncrement}
	s.Transitions[maybenot.TimerEnd] = []maybenot.Trans{{State: 0, Probability: 0.9}}
	m := maybenot.Machine{MaxBlockingFrac: 0.25, States: []maybenot.State{s}}

	b, err := json.Marshal(m)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))

	// The JSON form unmarshals back; Validate checks it is usable.
	var back maybenot.Machine
	if err := json.Unmarshal(b, &back); err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Validate() == nil, reflect.DeepEqual(back, m))
	// Output:
	// {"allowed_padding_packets":0,"max_padding_frac":0.0,"allowed_blocked_microsec":0,"max_blocking_frac":0.25,"states":[{"action":{"UpdateTimer":{"replace":true,"duration":{"dist":{"Normal":{"mean":1000.0,"stdev":0.5}},"start":0.0,"max":5000.0},"limit":null}},"counter":[{"operation":"Increment","dist":null,"copy":false},null],"transitions":[null,null,null,null,null,null,null,null,null,null,null,[[0,0.9]],null]}]}
	// true true
}
