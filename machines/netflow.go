package machines

import "github.com/maybenot-go/maybenot"

// SimpleNetFlow returns a machine that keeps NetFlow records coarse, after
// Tor's connection-level padding ("Tor spec: Connection-level padding", the
// Tor Project): routers that log traffic in NetFlow records start a new
// record after a connection has been idle for a while, so a connection that
// is never idle for long leaves few records, which reveal little of when it
// was used.
//
// From the first packet sent or received, the machine sends a padding
// packet whenever no packet has been sent for a time drawn uniformly from
// 1.5 to 9.5 seconds (plus 1 µs), as Tor does. It has no limits on its
// padding.
//
// The machine is fixed; the error is always nil.
func SimpleNetFlow() (maybenot.Machine, error) {
	const lowMs, highMs = 1500, 9500
	states := []maybenot.State{
		{Transitions: transitions{
			maybenot.TunnelSent: to(1),
			maybenot.TunnelRecv: to(1),
		}},
		{
			Action: maybenot.SendPadding{
				// Start 1 so that a timer is always set, even for a
				// draw of 0.
				Timeout: maybenot.Dist{Type: maybenot.Uniform{Low: lowMs * 1000, High: highMs * 1000}, Start: 1},
			},
			Transitions: transitions{maybenot.TunnelSent: to(1)},
		},
	}
	return machine("netflow", unlimited, 0, 0, 0, states)
}
