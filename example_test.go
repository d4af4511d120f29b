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
// back.
func Example() {
	// Defenses normally come as machine strings, one per line. This is the
	// no-op machine: one state that never changes and never acts. Parsing
	// validates the machines.
	machines, err := maybenot.ParseMachines("02eNpjYEAHjOgCAAA0AAI=")
	if err != nil {
		log.Fatal(err)
	}

	// Make one framework per connection; it is cheap. Frameworks never
	// write to their machines, so all connections can share one slice. To
	// change the machines, make a new framework.
	//
	// The two fractions cap padding (of all packets sent) and blocking (of
	// the time since creation) across all machines; 0 leaves them to the
	// machines' own limits. A machine may still pad or block within its
	// AllowedPaddingPackets and AllowedBlockedMicrosec whatever the
	// fractions say. A nil random source selects a ChaCha8 generator seeded
	// from crypto/rand, which is what real traffic needs.
	f, err := maybenot.NewFramework(machines, 0, 0, time.Now(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("machines:", f.NumMachines())

	// The integration keeps two timers per machine, indexed by MachineID
	// (0 to NumMachines()-1): the action timer, holding the pending
	// padding or blocking, and the internal timer, which only the machine
	// itself uses. Blocking is kept once for the whole connection, with
	// a flag saying whether it lets bypass padding through.
	//
	// Events as a connection produces them. A packet that arrives is
	// reported as TunnelRecv right away, still encrypted, and as
	// NormalRecv or PaddingRecv once decrypted. A packet to send is
	// reported as NormalSent or PaddingSent when it is queued, and as
	// TunnelSent when it is written to the network.
	batches := [][]maybenot.TriggerEvent{
		{{Event: maybenot.TunnelRecv}, {Event: maybenot.NormalRecv}},
		{{Event: maybenot.NormalSent}},
		{{Event: maybenot.TunnelSent}},
	}
	actions := 0
	for _, events := range batches {
		// A real loop waits here for the next events, for example on a
		// channel, and passes all that have piled up in one call. If some
		// must be dropped under load, drop the oldest.
		//
		// The call returns at most one action per machine, in machine
		// order. The slice belongs to the framework until the next call.
		for _, a := range f.TriggerEvents(events, time.Now()) {
			actions++
			switch a.Kind {
			case maybenot.ActionCancel:
				// Stop machine a.Machine's action timer, internal timer or
				// both, as a.Timer says. Nothing is triggered.

			case maybenot.ActionSendPadding:
				// Set the action timer to fire after a.Timeout, replacing
				// whatever it held. When it fires, queue one padding
				// packet and trigger PaddingSent for a.Machine (then
				// TunnelSent once it is written).
				//
				// While outgoing traffic is blocked, the padding may skip
				// the block only if a.Bypass is set and the blocking was
				// itself started with bypass; otherwise it waits like any
				// other packet. If a.Replace is set, a packet already
				// waiting to be sent, or normal data ready to go, may take
				// its place; trigger PaddingSent all the same, and also
				// NormalSent if new normal data went instead.

			case maybenot.ActionBlockOutgoing:
				// Set the action timer to fire after a.Timeout, replacing
				// whatever it held. When it fires: if nothing is blocked,
				// block all outgoing traffic of the connection for
				// a.Duration; if blocking is already on, make a.Duration
				// its remaining time when a.Replace is set, else keep the
				// longer of the two. In every case trigger BlockingBegin
				// for a.Machine. If a.Bypass is set and the blocking was
				// started, extended or replaced, mark it as letting bypass
				// padding through. When blocking ends, trigger
				// BlockingEnd.

			case maybenot.ActionUpdateTimer:
				// Set the internal timer to a.Duration if a.Replace is
				// set or no timer runs, else to the longer of its
				// remaining time and a.Duration, then trigger TimerBegin
				// for a.Machine. When the timer expires (not when it is
				// cancelled), trigger TimerEnd.
			}
		}
	}
	fmt.Println("actions:", actions)

	// Once every machine has ended the framework does nothing more; let
	// the pending timers run out before dropping it.
	fmt.Println("ended:", f.AllMachinesEnded())

	// Output:
	// machines: 1
	// actions: 0
	// ended: false
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
