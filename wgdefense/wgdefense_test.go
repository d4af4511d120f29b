package wgdefense

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/maybenot-go/maybenot"
)

func TestNewErrors(t *testing.T) {
	v4, v6 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1")
	mapped := netip.MustParseAddr("::ffff:10.0.0.2")
	bad := maybenot.Machine{States: []maybenot.State{{}}, MaxPaddingFrac: 2}
	for _, tc := range []struct {
		name string
		c    Config
		is   error // nil: any error; ok: none
		ok   bool
	}{
		{name: "ok", c: Config{LocalAddr: v4, PeerAddr: v4}, ok: true},
		{name: "IPv4-mapped", c: Config{LocalAddr: v4, PeerAddr: mapped}, ok: true},
		{name: "no addresses", c: Config{}},
		{name: "no peer", c: Config{LocalAddr: v4}},
		{name: "families", c: Config{LocalAddr: v4, PeerAddr: v6}},
		{name: "MaxHeld negative", c: Config{LocalAddr: v4, PeerAddr: v4, MaxHeld: -1}},
		{name: "MaxHeld too large", c: Config{LocalAddr: v4, PeerAddr: v4, MaxHeld: MaxHeldLimit + 1}},
		{name: "MaxHeld largest", c: Config{LocalAddr: v4, PeerAddr: v4, MaxHeld: MaxHeldLimit}, ok: true},
		{name: "invalid machine", c: Config{LocalAddr: v4, PeerAddr: v4, Machines: []maybenot.Machine{bad}}, is: maybenot.ErrInvalidMachine},
		{name: "padding fraction", c: Config{LocalAddr: v6, PeerAddr: v6, MaxPaddingFrac: 1.5}, is: maybenot.ErrPaddingLimit},
		{name: "blocking fraction", c: Config{LocalAddr: v6, PeerAddr: v6, MaxBlockingFrac: -1}, is: maybenot.ErrBlockingLimit},
		{name: "actions per second", c: Config{LocalAddr: v6, PeerAddr: v6, MaxActionsPerSecond: -1}},
	} {
		d, err := New(tc.c)
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if err := d.Close(); err != nil {
				t.Errorf("%s: Close: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v is not %v", tc.name, err, tc.is)
		}
	}
}

func TestWrapOnce(t *testing.T) {
	d, err := New(Config{LocalAddr: testLocal, PeerAddr: testPeer})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f := newFakeTUN(1, 1420)
	if w := d.WrapTUN(f); w == f {
		t.Fatal("first WrapTUN did not wrap")
	}
	g := newFakeTUN(1, 1420)
	if w := d.WrapTUN(g); w != g {
		t.Fatal("second WrapTUN wrapped")
	}
}

// TestBuffers: the wrapped TUN reads into buffers of the MTU and 16 bytes,
// and holds no more of them than the queue's bound and one batch.
func TestBuffers(t *testing.T) {
	const batch, maxHeld = 4, 32
	var wait, block maybenot.State
	wait.Transitions[maybenot.NormalSent] = always(1)
	block.Action = maybenot.BlockOutgoing{Timeout: exactly(0), Duration: exactly(1 << 40)}
	r := newRig(t, Config{Machines: []maybenot.Machine{machine(t, wait, block)}, MaxHeld: maxHeld}, batch)
	r.fake.put(ipv4Packet(100, 0))
	r.readN(1)
	r.clock.Advance(0)
	var pkts [][]byte
	for i := range 200 {
		pkts = append(pkts, ipv4Packet(1420, uint32(i)))
	}
	r.fake.put(pkts...)
	r.settle()
	r.d.mu.Lock()
	tn := r.d.tun
	count, largest := len(tn.free), 0
	for _, b := range tn.free {
		largest = max(largest, cap(b))
	}
	for _, ring := range []*ring{&r.d.fifo, &r.d.urgent} {
		for i := range ring.n {
			if b := ring.e[(ring.head+i)%len(ring.e)].buf; b != nil {
				count++
				largest = max(largest, cap(b))
			}
		}
	}
	for _, b := range tn.rbufs {
		if b != nil {
			count++
			largest = max(largest, cap(b))
		}
	}
	r.d.mu.Unlock()
	if largest != readOffset+1420 {
		t.Errorf("largest buffer %d bytes, want %d", largest, readOffset+1420)
	}
	if count > maxHeld+batch {
		t.Errorf("%d buffers, want at most %d", count, maxHeld+batch)
	}
}
