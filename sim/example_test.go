package sim_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/sim"
)

// The reference simulator's example: the first ten packets of a visit to a
// web site, from the client's side, and a machine at the client that sends
// one padding packet 20 ms after the first packet sent.
func Example() {
	// One line per packet: the time in nanoseconds since the start, and s
	// for sent or r for received.
	const raw = `0,s
19714282,r
183976147,s
243699564,r
1696037773,s
2047985926,s
2055955094,r
9401039609,s
9401094589,s
9420892765,r`

	// The network between client and server: 10 ms each way.
	network := sim.Network{Delay: 10 * time.Millisecond}

	// Turn the trace into the simulator's queue. Packets received by the
	// client were sent by the server 10 ms earlier, so that without a
	// defense the client sees the trace as it is.
	trace, err := sim.ParseTrace(strings.NewReader(raw), network, nil, nil)
	if err != nil {
		log.Fatal(err)
	}

	m, err := maybenot.ParseMachine("02eNp1ibEJAEAIA5Nf7B3N0v1cSESwEL0m5A6YvBqSgP7WeXfM5UoBW7ICYg==")
	if err != nil {
		log.Fatal(err)
	}

	// Simulate, returning up to 100 events (both sides together), only
	// packets sent and received.
	events, err := sim.Run([]maybenot.Machine{*m}, nil, trace, sim.Options{
		Network:             network,
		MaxTraceLength:      100,
		OnlyNetworkActivity: true,
	})
	if err != nil {
		log.Fatal(err)
	}

	start := events[0].Time
	for _, e := range events {
		if !e.Client {
			continue
		}
		kind := "normal"
		if e.Padding {
			kind = "padding"
		}
		dir := "sent"
		if e.Event == maybenot.TunnelRecv {
			dir = "received"
		}
		fmt.Printf("%s a %s packet at %d ms\n", dir, kind, (e.Time - start).Milliseconds())
	}
	// Output:
	// sent a normal packet at 0 ms
	// received a normal packet at 19 ms
	// sent a padding packet at 20 ms
	// sent a normal packet at 183 ms
	// received a normal packet at 243 ms
	// sent a normal packet at 1696 ms
	// sent a normal packet at 2047 ms
	// received a normal packet at 2055 ms
	// sent a normal packet at 9401 ms
	// sent a normal packet at 9401 ms
	// received a normal packet at 9420 ms
}
