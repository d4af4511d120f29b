package maybenot_test

import (
	"fmt"
	"log"
	"math"
	"time"

	"github.com/maybenot-go/maybenot"
)

// Example shows the loop that connects a Framework to a connection: report
// what happens to packets as events, and carry out the actions that come
// back. Here the connection is simulated on a virtual clock, which jumps
// from one thing that happens to the next instead of waiting.
func Example() {
	// Defenses come as machine strings, one per line. This machine pads:
	// 5 ms after a normal packet is sent it sends a padding packet, unless
	// another normal packet goes first, which starts the 5 ms again.
	// Parsing validates the machines.
	machines, err := maybenot.ParseMachines("02eNpkzDsRwCAARMG9GEvERAglfjBIAzN8trnq3u/0AEkorykBqO3b9jKuibXQBwANFgWk")
	if err != nil {
		log.Fatal(err)
	}

	// One framework per connection; frameworks never write to their
	// machines, so all connections can share one slice. The two fractions
	// (0 for none) cap padding and blocking across all machines. A nil random
	// source selects a ChaCha8 generator seeded from crypto/rand, which is
	// what real traffic needs.
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f, err := maybenot.NewFramework(machines, 0, 0, start, nil)
	if err != nil {
		log.Fatal(err)
	}

	// The connection sends normal packets at these times. The integration
	// keeps two timers per machine, indexed by MachineID: the action
	// timer, for the pending padding or blocking, and the internal timer.
	// This machine only uses the action timer of machine 0.
	sends := []time.Duration{0, 2 * time.Millisecond, 20 * time.Millisecond}
	padding := time.Duration(-1) // when the action timer fires; -1 when unset
	for len(sends) > 0 || padding >= 0 {
		// Move the clock to whatever comes next: a packet to send or the
		// timer. A packet is reported as NormalSent or PaddingSent when
		// it is queued, and as TunnelSent when it leaves; received
		// packets are reported as TunnelRecv, then NormalRecv or
		// PaddingRecv.
		var now time.Duration
		var events []maybenot.TriggerEvent
		if padding >= 0 && (len(sends) == 0 || padding < sends[0]) {
			now, padding = padding, -1
			events = []maybenot.TriggerEvent{{Event: maybenot.PaddingSent, Machine: 0}, {Event: maybenot.TunnelSent}}
			fmt.Printf("%5v: padding sent\n", now)
		} else {
			now, sends = sends[0], sends[1:]
			events = []maybenot.TriggerEvent{{Event: maybenot.NormalSent}, {Event: maybenot.TunnelSent}}
			fmt.Printf("%5v: normal packet sent\n", now)
		}

		// At most one action per machine comes back; the ActionKind
		// constants say how to carry out each kind. The slice belongs to
		// the framework until the next call.
		for _, a := range f.TriggerEvents(events, start.Add(now)) {
			fmt.Printf("%5v: %v\n", now, a)
			if a.Kind == maybenot.ActionSendPadding {
				padding = now + a.Timeout // replaces whatever the timer held
			}
		}
	}

	// Output:
	//    0s: normal packet sent
	//    0s: SendPadding(machine 0, timeout 5ms)
	//   2ms: normal packet sent
	//   2ms: SendPadding(machine 0, timeout 5ms)
	//   7ms: padding sent
	//  20ms: normal packet sent
	//  20ms: SendPadding(machine 0, timeout 5ms)
	//  25ms: padding sent
}

// ExampleRateLimitedFramework caps how many actions per second reach the
// integration, here for a machine that would otherwise pad after every
// packet sent.
func ExampleRateLimitedFramework() {
	var s maybenot.State
	s.Action = maybenot.SendPadding{Timeout: maybenot.Dist{Type: maybenot.Uniform{Low: 0, High: 0}}}
	s.Transitions[maybenot.NormalSent] = []maybenot.Trans{{State: 0, Probability: 1}}
	m, err := maybenot.NewMachine(math.MaxUint64, 0, 0, 0, []maybenot.State{s})
	if err != nil {
		log.Fatal(err)
	}

	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f, err := maybenot.NewFramework([]maybenot.Machine{*m}, 0, 0, start, nil)
	if err != nil {
		log.Fatal(err)
	}
	r := maybenot.NewRateLimitedFramework(f)

	// A packet is sent every 100ms, and at most 5 actions per second are
	// handed out. Events always reach the machines; only actions beyond
	// the rate are withheld. The 5 actions of the first second still
	// count in the next, in proportion to how much of the first second
	// lies within the last second: at 1.3s the estimate is 5*0.7 + 1 =
	// 4.5, below the maximum.
	sent := []maybenot.TriggerEvent{{Event: maybenot.NormalSent}}
	for ms := 0; ms <= 1500; ms += 100 {
		now := start.Add(time.Duration(ms) * time.Millisecond)
		actions := r.TriggerEvents(sent, 5, now)
		fmt.Printf("at %4dms: %d action(s)\n", ms, len(actions))
	}

	// Output:
	// at    0ms: 1 action(s)
	// at  100ms: 1 action(s)
	// at  200ms: 1 action(s)
	// at  300ms: 1 action(s)
	// at  400ms: 1 action(s)
	// at  500ms: 0 action(s)
	// at  600ms: 0 action(s)
	// at  700ms: 0 action(s)
	// at  800ms: 0 action(s)
	// at  900ms: 0 action(s)
	// at 1000ms: 1 action(s)
	// at 1100ms: 0 action(s)
	// at 1200ms: 0 action(s)
	// at 1300ms: 1 action(s)
	// at 1400ms: 0 action(s)
	// at 1500ms: 1 action(s)
}
