package machines_test

import (
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/machines"
)

// Example builds the client side of Tamaraw and runs it in a Framework:
// the first normal packet queued makes the padding machine block outgoing
// traffic, and once blocking begins it sends a packet every 40 ms.
func Example() {
	ms, err := machines.Tamaraw(0.04, 3_000_000)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	f, err := maybenot.NewFramework(ms, 0, 0, start, nil)
	if err != nil {
		log.Fatal(err)
	}
	// A normal packet is queued: block.
	for _, a := range f.TriggerEvents([]maybenot.TriggerEvent{{Event: maybenot.NormalSent}}, start) {
		fmt.Println(a)
	}
	// The integration carried out the blocking: both machines see it begin.
	for _, a := range f.TriggerEvents([]maybenot.TriggerEvent{{Event: maybenot.BlockingBegin, Machine: 0}}, start) {
		fmt.Println(a)
	}
	// Output:
	// BlockOutgoing(machine 0, timeout 0s, duration 24h0m0s, bypass, replace)
	// SendPadding(machine 0, timeout 40ms, bypass, replace)
}

// ExampleFront draws a FRONT machine. A deterministic source gives the
// same machine every time (the reference's, for the same source); real
// traffic needs a fresh one per connection, from a nil source.
func ExampleFront() {
	ms, err := machines.Front(1700, 1e6, 14e6, 5, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ms), "machine of", len(ms[0].States), "states")

	f, err := maybenot.NewFramework(ms, 0, 0, time.Now(), nil)
	if err != nil {
		log.Fatal(err)
	}
	// The first normal packet starts the padding.
	actions := f.TriggerEvents([]maybenot.TriggerEvent{{Event: maybenot.NormalSent}}, time.Now())
	fmt.Println(actions[0].Kind)
	// Output:
	// 1 machine of 6 states
	// SendPadding
}

// ExampleBuild turns specs, as a configuration file would hold them, into
// the machines of a defense.
func ExampleBuild() {
	var specs []machines.Spec
	for _, s := range []string{"regulator_client 3.95 1.77", "netflow"} {
		spec, err := machines.ParseSpec(s)
		if err != nil {
			log.Fatal(err)
		}
		specs = append(specs, spec)
	}
	ms, err := machines.Build(specs, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ms), "machines")
	// Output: 4 machines
}

// ExampleSpec_UnmarshalJSON reads specs in the reference's JSON form.
func ExampleSpec_UnmarshalJSON() {
	var specs []machines.Spec
	err := json.Unmarshal([]byte(`["InterspaceClient", {"Tamaraw": {"p": 0.04, "stop_window": 3000000.0}}]`), &specs)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(specs)
	// Output: [interspace_client tamaraw 0.04 3000000]
}
