package wgdefense

import (
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"golang.zx2c4.com/wireguard/device"
)

// transferSize is what each end sends in the tunnel tests: 8 MiB, or 1 MiB
// with -short.
func transferSize() int64 {
	if testing.Short() {
		return 1 << 20
	}
	return 8 << 20
}

// TestTunnelDeployed moves data both ways through two wireguard-go devices
// defended by the deployed machines, and checks that padding went out, was
// recognised and dropped by the peer, and that nothing else was lost.
func TestTunnelDeployed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		constant bool
		v6       bool
	}{
		{"IPv4", false, false},
		{"IPv4/ConstantSize", true, false},
		{"IPv6", false, true},
		{"IPv6/ConstantSize", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &Config{Machines: deployed(t), ConstantSize: tc.constant}
			a, b := newTunnel(t, tunnelConfig{a: cfg, b: cfg, v6: tc.v6})
			transfer(t, a, b, transferSize(), nil)
			sa, sb := settled(a, b)
			t.Logf("a: %+v", sa)
			t.Logf("b: %+v", sb)
			for _, c := range []struct {
				name     string
				from, to Stats
			}{{"a to b", sa, sb}, {"b to a", sb, sa}} {
				if c.from.PaddingSent == 0 {
					t.Errorf("%s: no padding sent", c.name)
				}
				// Loopback UDP loses next to nothing.
				if c.to.PaddingReceived < c.from.PaddingSent/2 || c.to.PaddingReceived > c.from.PaddingSent {
					t.Errorf("%s: %d padding packets received of %d sent", c.name, c.to.PaddingReceived, c.from.PaddingSent)
				}
				if c.to.NormalReceived > c.from.NormalSent {
					t.Errorf("%s: %d normal packets received of %d sent", c.name, c.to.NormalReceived, c.from.NormalSent)
				}
			}
			// With ConstantSize every data message on the wire has one
			// length: the MTU, a 16-byte header and a 16-byte tag.
			for _, e := range []*end{a, b} {
				lengths := e.bind.dataLengths()
				if tc.constant && (len(lengths) != 1 || lengths[0] != device.DefaultMTU+32) {
					t.Errorf("%v: ConstantSize: data messages of lengths %v", e.addr, lengths)
				}
				if !tc.constant && len(lengths) < 3 {
					t.Errorf("%v: data messages of lengths %v only", e.addr, lengths)
				}
			}
		})
	}
}

// TestUnmodifiedPeerDropsPadding defends one end only: its padding reaches
// the other end's stack, which drops it without a word (no ICMP error comes
// back), and the data arrives intact. The padding machine pads on every
// packet received, so that there is plenty.
func TestUnmodifiedPeerDropsPadding(t *testing.T) {
	var wait, padding maybenot.State
	wait.Transitions[maybenot.NormalRecv] = always(1)
	padding.Action = maybenot.SendPadding{Timeout: exactly(0)}
	padding.Transitions[maybenot.PaddingSent] = always(0)
	m := machine(t, wait, padding)
	for _, v6 := range []bool{false, true} {
		cfg := &Config{Machines: []maybenot.Machine{m}}
		a, b := newTunnel(t, tunnelConfig{a: cfg, v6: v6})
		transfer(t, a, b, transferSize()/8, nil)
		time.Sleep(100 * time.Millisecond) // for any ICMP to come back
		sent := a.d.Stats().PaddingSent
		got, _ := b.spy.counts()
		_, icmp := a.spy.counts()
		t.Logf("v6 %v: %d padding packets sent, %d reached the peer's stack, %d ICMP messages came back", v6, sent, got, icmp)
		if sent == 0 || got == 0 || uint64(got) > sent {
			t.Errorf("v6 %v: %d padding packets sent, %d reached the peer's stack", v6, sent, got)
		}
		if icmp != 0 {
			t.Errorf("v6 %v: the peer's stack answered padding with %d ICMP messages", v6, icmp)
		}
	}
}

// settled waits for the padding in flight between a and b to arrive, up
// to a few seconds, and returns their Stats.
func settled(a, b *end) (sa, sb Stats) {
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		sa, sb = a.d.Stats(), b.d.Stats()
		if sa.PaddingSent == sb.PaddingReceived && sb.PaddingSent == sa.PaddingReceived || time.Now().After(deadline) {
			return sa, sb
		}
	}
}

// blocker is a machine that blocks outgoing traffic for 20 ms, 5 ms after
// a normal packet is sent, again and again.
func blocker(t testing.TB, bypass bool) maybenot.Machine {
	t.Helper()
	exactly := func(us float64) maybenot.Dist { return maybenot.Dist{Type: maybenot.Uniform{Low: us, High: us}} }
	var wait, block maybenot.State
	wait.Transitions[maybenot.NormalSent] = []maybenot.Trans{{State: 1, Probability: 1}}
	block.Action = maybenot.BlockOutgoing{Bypass: bypass, Timeout: exactly(5000), Duration: exactly(20000)}
	block.Transitions[maybenot.BlockingEnd] = []maybenot.Trans{{State: 0, Probability: 1}}
	m, err := maybenot.NewMachine(0, 0, 1<<62, 0, []maybenot.State{wait, block})
	if err != nil {
		t.Fatal(err)
	}
	return *m
}

// TestTunnelBlocking runs a machine that keeps blocking outgoing traffic,
// at both ends: the data is delayed but arrives whole. A small MaxHeld
// makes the held queue fill, so blocking also ends early.
func TestTunnelBlocking(t *testing.T) {
	for _, tc := range []struct {
		name    string
		maxHeld int
	}{{"default", 0}, {"MaxHeld=8", 8}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &Config{Machines: []maybenot.Machine{blocker(t, false)}, MaxHeld: tc.maxHeld}
			a, b := newTunnel(t, tunnelConfig{a: cfg, b: cfg})
			// 2 MiB each way, -short or not: enough for several blockings.
			transfer(t, a, b, 2<<20, nil)
			for _, e := range []*end{a, b} {
				s := e.d.Stats()
				t.Logf("%v: %+v", e.addr, s)
				if s.Blockings == 0 || s.Held == 0 || s.BlockedTime == 0 {
					t.Errorf("%v: no blocking: %+v", e.addr, s)
				}
				if tc.maxHeld > 0 && s.EarlyEnds == 0 {
					t.Errorf("%v: MaxHeld %d never ended a blocking early: %+v", e.addr, tc.maxHeld, s)
				}
				if s.Dropped != 0 {
					t.Errorf("%v: %d packets dropped", e.addr, s.Dropped)
				}
			}
		})
	}
}

// TestTunnelCloseMidTransfer closes both Defenses halfway through a
// transfer: it completes undefended. Then the devices are closed.
func TestTunnelCloseMidTransfer(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("transfer", func(t *testing.T) {
		cfg := &Config{Machines: append(deployed(t), blocker(t, false))}
		a, b := newTunnel(t, tunnelConfig{a: cfg, b: cfg})
		transfer(t, a, b, transferSize()/2, func() {
			a.d.Close()
			b.d.Close()
		})
		for _, e := range []*end{a, b} {
			if err := e.d.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		}
	})
	// The subtest's cleanup closed the devices.
	noGoroutinesLeft(t, before)
}

// TestDeviceCloseMidTransfer closes the devices, not the Defenses, in the
// middle of a transfer, while a machine keeps blocking: the held packets
// are dropped, the transfer fails, and Close returns nil afterwards.
func TestDeviceCloseMidTransfer(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("transfer", func(t *testing.T) {
		cfg := &Config{Machines: append(deployed(t), blocker(t, false))}
		a, b := newTunnel(t, tunnelConfig{a: cfg, b: cfg})
		ca, cb := connect(t, a, b)
		deadline := time.Now().Add(30 * time.Second)
		ca.SetDeadline(deadline)
		cb.SetDeadline(deadline)
		go io.Copy(io.Discard, cb)
		go io.Copy(cb, stream(3, 1<<30))
		go io.Copy(io.Discard, ca)
		go io.Copy(ca, stream(4, 1<<30))
		// Close while data flows and blocking holds packets back.
		for time.Now().Before(deadline) {
			sa, sb := a.d.Stats(), b.d.Stats()
			if sa.Held > 0 && sb.Held > 0 && sa.NormalReceived > 100 && sb.NormalReceived > 100 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		a.dev.Close()
		b.dev.Close()
		ca.Close()
		cb.Close()
		for _, e := range []*end{a, b} {
			if err := e.d.Close(); err != nil {
				t.Errorf("Close after the device's: %v", err)
			}
			if s := e.d.Stats(); s.Held == 0 {
				t.Errorf("nothing held: %+v", s)
			}
		}
	})
	noGoroutinesLeft(t, before)
}

// noGoroutinesLeft fails unless the goroutines go back to before within a
// few seconds, and then lists those of the wrappers, the Defenses and the
// devices.
func noGoroutinesLeft(t *testing.T, before int) {
	t.Helper()
	var after int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	var ours []string
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "wgdefense") || strings.Contains(g, "wireguard") || strings.Contains(g, "defense.") {
			ours = append(ours, g)
		}
	}
	t.Fatalf("%d goroutines before, %d after; left:\n%s", before, after, strings.Join(ours, "\n\n"))
}
