package wgdefense

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/defense"
)

// once returns a machine that, on the first event e, asks for action a,
// and ends on event done.
func once(t testing.TB, e maybenot.Event, a maybenot.Action, done maybenot.Event) maybenot.Machine {
	t.Helper()
	var wait, act maybenot.State
	wait.Transitions[e] = always(1)
	act.Action = a
	act.Transitions[done] = always(maybenot.StateEnd)
	return machine(t, wait, act)
}

// available returns the packets the wrapped TUN would hand over now,
// without waiting when there are none.
func (r *rig) available() [][]byte {
	r.t.Helper()
	r.d.mu.Lock()
	ready := r.d.urgent.len() > 0 || !r.d.blocked && r.d.fifo.len() > 0
	r.d.mu.Unlock()
	if !ready {
		return nil
	}
	return r.read()
}

func seqs(t testing.TB, pkts [][]byte) []uint32 {
	t.Helper()
	var s []uint32
	for _, p := range pkts {
		if isPadding(p) {
			s = append(s, 1<<32-1)
			continue
		}
		s = append(s, seqOf(p))
	}
	return s
}

func wantSeqs(t testing.TB, got [][]byte, want ...uint32) {
	t.Helper()
	g := seqs(t, got)
	if len(g) != len(want) {
		t.Fatalf("got packets %v, want %v", g, want)
	}
	for i := range g {
		if g[i] != want[i] {
			t.Fatalf("got packets %v, want %v", g, want)
		}
	}
}

const pad = 1<<32 - 1 // stands for a padding packet in wantSeqs

func TestReadPassesPacketsInOrder(t *testing.T) {
	for _, tc := range []struct {
		batch    int
		machines []maybenot.Machine
	}{{1, nil}, {4, nil}, {128, nil}, {1, noMachines}, {4, noMachines}} {
		batch := tc.batch
		r := newRig(t, Config{Machines: tc.machines}, batch)
		var want [][]byte
		for i := range 300 {
			p := ipv4Packet(24+i%1000, uint32(i))
			want = append(want, p)
		}
		r.fake.put(want...)
		got := r.readN(len(want))
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("batch %d: packet %d differs", batch, i)
			}
		}
		if s := r.d.Stats(); s.NormalSent != uint64(len(want)) || s.PaddingSent != 0 {
			t.Fatalf("batch %d: %+v", batch, s)
		}
	}
}

func TestBlockingHoldsUntilItEnds(t *testing.T) {
	block := once(t, maybenot.NormalSent, maybenot.BlockOutgoing{Timeout: exactly(0), Duration: exactly(10 * time.Millisecond)}, maybenot.BlockingBegin)
	r := newRig(t, Config{Machines: []maybenot.Machine{block}}, 1)
	r.fake.put(ipv4Packet(100, 0))
	wantSeqs(t, r.readN(1), 0)
	r.clock.Advance(0) // the blocking starts
	for i := uint32(1); i <= 5; i++ {
		r.fake.put(ipv4Packet(100, i))
	}
	r.settle()
	if got := r.available(); got != nil {
		t.Fatalf("blocking let %v through", seqs(t, got))
	}
	if fifo, _ := r.waiting(); fifo != 5 {
		t.Fatalf("%d packets held, want 5", fifo)
	}
	r.clock.Advance(9 * time.Millisecond)
	if got := r.available(); got != nil {
		t.Fatalf("blocking let %v through before its end", seqs(t, got))
	}
	r.clock.Advance(time.Millisecond)
	wantSeqs(t, r.readN(5), 1, 2, 3, 4, 5)
	s := r.d.Stats()
	if s.Blockings != 1 || s.Held != 5 || s.BlockedTime != 10*time.Millisecond || s.NormalSent != 6 {
		t.Fatalf("%+v", s)
	}
}

// TestHeldBound: at MaxHeld the wrapped TUN stops reading and ends the
// blocking early; the machines hear BlockingEnd; nothing is lost or
// reordered.
func TestHeldBound(t *testing.T) {
	for _, tc := range []struct {
		batch, maxHeld, held int
	}{
		{1, 8, 8},
		{4, 8, 8},
		{3, 8, 6},   // a third batch would pass 8
		{16, 8, 16}, // one batch is more than MaxHeld
		{1, 0, DefaultMaxHeld},
	} {
		// The blocking would last an hour. 1 ms after it ends, the
		// machine pads, showing that it heard BlockingEnd.
		var wait, block, blocked, padding maybenot.State
		wait.Transitions[maybenot.NormalSent] = always(1)
		block.Action = maybenot.BlockOutgoing{Timeout: exactly(0), Duration: exactly(time.Hour)}
		block.Transitions[maybenot.BlockingBegin] = always(2)
		blocked.Transitions[maybenot.BlockingEnd] = always(3)
		padding.Action = maybenot.SendPadding{Timeout: exactly(time.Millisecond)}
		padding.Transitions[maybenot.PaddingSent] = always(maybenot.StateEnd)
		m := machine(t, wait, block, blocked, padding)
		r := newRig(t, Config{Machines: []maybenot.Machine{m}, MaxHeld: tc.maxHeld}, tc.batch)
		r.makeLive()
		r.fake.put(ipv4Packet(100, 0))
		wantSeqs(t, r.readN(1), 0)
		r.clock.Advance(0)
		total := tc.held + 50
		var pkts [][]byte
		for i := 1; i <= total; i++ {
			pkts = append(pkts, ipv4Packet(100, uint32(i)))
		}
		r.fake.put(pkts...) // at once, so that the pump reads whole batches
		r.settle()
		if fifo, _ := r.waiting(); fifo != tc.held {
			t.Fatalf("%+v: %d packets held", tc, fifo)
		}
		if left := r.fake.queued(); left != total-tc.held {
			t.Fatalf("%+v: %d packets left in the TUN, want %d", tc, left, total-tc.held)
		}
		if s := r.d.Stats(); s.EarlyEnds != 1 {
			t.Fatalf("%+v: %+v", tc, s)
		}
		if blocked, _ := r.d.def.Blocked(); !blocked {
			t.Fatalf("%+v: blocking ended before the clock ran", tc)
		}
		r.clock.Advance(0) // EndBlocking takes effect
		if blocked, _ := r.d.def.Blocked(); blocked {
			t.Fatalf("%+v: still blocked", tc)
		}
		want := make([]uint32, total)
		for i := range want {
			want[i] = uint32(i + 1)
		}
		wantSeqs(t, r.readN(total), want...)
		r.clock.Advance(time.Millisecond) // the machine's padding
		wantSeqs(t, r.readN(1), pad)
		if s := r.d.Stats(); s.Dropped != 0 || s.NormalSent != uint64(total+1) {
			t.Fatalf("%+v: %+v", tc, s)
		}
	}
}

// TestPaddingRules drives the wrapped TUN's side of defense.Padding: what
// goes out when, for each kind of blocking and padding.
func TestPaddingRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		blocked  bool
		waiting  int // packets held (blocked) or queued before the padding
		p        defense.Padding
		now      []uint32 // handed over at once
		replaced uint64
		after    []uint32 // handed over when the blocking ends
	}{
		{name: "unblocked", p: defense.Padding{}, now: []uint32{pad}},
		{name: "unblocked/replace", p: defense.Padding{Replace: true}, now: []uint32{pad}},
		{name: "blocked", blocked: true, waiting: 2, p: defense.Padding{}, after: []uint32{1, 2, pad}},
		{name: "blocked/replace", blocked: true, waiting: 2, p: defense.Padding{Replace: true}, replaced: 1, after: []uint32{1, 2}},
		{name: "blocked/replace/none waiting", blocked: true, p: defense.Padding{Replace: true}, after: []uint32{pad}},
		{name: "bypass", blocked: true, waiting: 2, p: defense.Padding{Bypass: true}, now: []uint32{pad}, after: []uint32{1, 2}},
		{name: "bypass/replace", blocked: true, waiting: 2, p: defense.Padding{Bypass: true, Replace: true}, now: []uint32{1}, replaced: 1, after: []uint32{2}},
		{name: "bypass/replace/none waiting", blocked: true, p: defense.Padding{Bypass: true, Replace: true}, now: []uint32{pad}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Config{}, 1)
			r.makeLive()
			if tc.blocked {
				r.d.blockingChanged(true)
			}
			for i := 1; i <= tc.waiting; i++ {
				r.fake.put(ipv4Packet(100, uint32(i)))
			}
			r.settle()
			r.d.sendPadding(tc.p)
			wantSeqs(t, r.available(), tc.now...)
			if tc.blocked {
				r.d.blockingChanged(false)
			}
			wantSeqs(t, r.available(), tc.after...)
			if s := r.d.Stats(); s.PaddingReplaced != tc.replaced {
				t.Fatalf("%+v", s)
			}
		})
	}
}

// TestBypassMachine: padding with Bypass passes bypassable blocking, as
// package defense decides it.
func TestBypassMachine(t *testing.T) {
	block := once(t, maybenot.NormalSent, maybenot.BlockOutgoing{Bypass: true, Timeout: exactly(0), Duration: exactly(time.Hour)}, maybenot.BlockingBegin)
	padder := once(t, maybenot.BlockingBegin, maybenot.SendPadding{Bypass: true, Timeout: exactly(time.Millisecond)}, maybenot.PaddingSent)
	r := newRig(t, Config{Machines: []maybenot.Machine{block, padder}}, 1)
	r.makeLive()
	r.fake.put(ipv4Packet(100, 0))
	wantSeqs(t, r.readN(1), 0)
	r.clock.Advance(0)
	r.fake.put(ipv4Packet(100, 1))
	r.settle()
	r.clock.Advance(time.Millisecond)
	wantSeqs(t, r.available(), pad)
	if fifo, _ := r.waiting(); fifo != 1 {
		t.Fatalf("%d held, want 1", fifo)
	}
}

func TestCloseReleasesHeld(t *testing.T) {
	block := once(t, maybenot.NormalSent, maybenot.BlockOutgoing{Timeout: exactly(0), Duration: exactly(time.Hour)}, maybenot.BlockingBegin)
	r := newRig(t, Config{Machines: []maybenot.Machine{block}, ConstantSize: true}, 1)
	r.fake.put(ipv4Packet(100, 0))
	if got := r.readN(1); len(got[0]) != 1420 {
		t.Fatalf("ConstantSize: %d bytes", len(got[0]))
	}
	r.clock.Advance(0)
	for i := uint32(1); i <= 5; i++ {
		r.fake.put(ipv4Packet(100, i))
	}
	r.settle()
	if got := r.available(); got != nil {
		t.Fatalf("blocking let %v through", seqs(t, got))
	}
	if err := r.d.Close(); err != nil {
		t.Fatal(err)
	}
	got := r.readN(5)
	wantSeqs(t, got, 1, 2, 3, 4, 5)
	// Undefended now: no ConstantSize, and the pump stops after its read
	// in progress, leaving Read to the TUN.
	for i := uint32(6); i <= 8; i++ {
		r.fake.put(ipv4Packet(100, i))
	}
	got = r.readN(3)
	wantSeqs(t, got, 6, 7, 8)
	for _, p := range got {
		if len(p) != 100 {
			t.Fatalf("after Close: %d bytes, want 100", len(p))
		}
	}
	r.d.mu.Lock()
	state := r.d.tun.pump
	r.d.mu.Unlock()
	if state != pumpDone {
		t.Fatalf("pump state %d after Close", state)
	}
	if err := r.d.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCloseTUNWhileFull: closing the wrapped TUN while the held queue is
// full and the pump waits for room ends Read and the pump.
func TestCloseTUNWhileFull(t *testing.T) {
	block := once(t, maybenot.NormalSent, maybenot.BlockOutgoing{Timeout: exactly(0), Duration: exactly(time.Hour)}, maybenot.BlockingBegin)
	r := newRig(t, Config{Machines: []maybenot.Machine{block}, MaxHeld: 4}, 1)
	r.fake.put(ipv4Packet(100, 0))
	r.readN(1)
	r.clock.Advance(0)
	for i := uint32(1); i <= 10; i++ {
		r.fake.put(ipv4Packet(100, i))
	}
	r.settle()
	errc := make(chan error, 1)
	go func() {
		_, err := r.tun.Read(r.bufs, r.sizes, rigOffset)
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := r.tun.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("Read after Close returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read did not return after Close")
	}
	if s := r.d.Stats(); s.Dropped != 4 {
		t.Fatalf("%+v", s)
	}
	if err := r.d.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLiveness(t *testing.T) {
	r := newRig(t, Config{}, 1)
	r.d.sendPadding(defense.Padding{})
	if s := r.d.Stats(); s.PaddingSkipped != 1 {
		t.Fatalf("padding before the peer was heard from: %+v", s)
	}
	// A datagram for another device does not make the peer live.
	r.handshake(7)
	r.receive(transport(8, 100))
	r.d.sendPadding(defense.Padding{})
	if s := r.d.Stats(); s.PaddingSkipped != 2 {
		t.Fatalf("%+v", s)
	}
	r.receive(transport(7, 0)) // a keepalive for this device
	r.d.sendPadding(defense.Padding{})
	wantSeqs(t, r.available(), pad)
	r.clock.Advance(LiveTimeout)
	r.d.sendPadding(defense.Padding{})
	wantSeqs(t, r.available(), pad)
	r.clock.Advance(time.Nanosecond)
	r.d.sendPadding(defense.Padding{})
	if s := r.d.Stats(); s.PaddingSkipped != 3 || s.PaddingSent != 2 {
		t.Fatalf("%+v", s)
	}
}

func TestConstantSizeAndMTU(t *testing.T) {
	t.Run("idle machine", func(t *testing.T) { testConstantSizeAndMTU(t, nil) })
	t.Run("no machines", func(t *testing.T) { testConstantSizeAndMTU(t, noMachines) })
}

func testConstantSizeAndMTU(t *testing.T, machines []maybenot.Machine) {
	r := newRig(t, Config{Machines: machines, ConstantSize: true}, 4)
	r.makeLive()
	r.fake.put(ipv4Packet(60, 0), ipv4Packet(1420, 1), ipv4Packet(1400, 2))
	got := r.readN(3)
	// Padding, when there are machines to ask for it.
	withPadding := machines == nil
	if withPadding {
		r.d.sendPadding(defense.Padding{})
		got = append(got, r.available()...)
	}
	for i, p := range got {
		if len(p) != 1420 {
			t.Fatalf("packet %d: %d bytes, want 1420", i, len(p))
		}
	}
	if ipLen(got[0]) != 60 || !bytes.Equal(got[0][60:], make([]byte, 1420-60)) {
		t.Fatal("packet 0 not padded with zeros")
	}
	if withPadding && (!isPadding(got[3]) || ipLen(got[3]) != 1420) {
		t.Fatal("padding packet not of the MTU")
	}
	// wireguard-go asks for the MTU at tun.EventMTUUpdate.
	for _, mtu := range []int{1280, 9000} {
		r.fake.setMTU(mtu)
		if m, err := r.tun.MTU(); err != nil || m != mtu {
			t.Fatalf("MTU() = %d, %v", m, err)
		}
		r.fake.put(ipv4Packet(60, 3), ipv4Packet(1280, 4))
		got := r.readN(2)
		if withPadding {
			r.d.sendPadding(defense.Padding{})
			got = append(got, r.available()...)
		}
		for i, p := range got {
			if len(p) != mtu {
				t.Fatalf("MTU %d: packet %d: %d bytes", mtu, i, len(p))
			}
		}
		if mtu == 9000 {
			// The buffers grew with the MTU.
			big := ipv4Packet(8000, 5)
			r.fake.put(big)
			if got := r.readN(1); !bytes.Equal(got[0][:8000], big) {
				t.Fatal("packet of 8000 bytes cut")
			}
		}
	}
}

func TestPaddingSizeWithoutConstantSize(t *testing.T) {
	r := newRig(t, Config{}, 1)
	r.makeLive()
	r.fake.put(ipv4Packet(60, 0))
	if got := r.readN(1); len(got[0]) != 60 {
		t.Fatalf("%d bytes", len(got[0]))
	}
	r.d.sendPadding(defense.Padding{})
	got := r.available()
	if len(got) != 1 || len(got[0]) != 1420 || !isPadding(got[0]) {
		t.Fatalf("padding %v", got)
	}
}

// TestWriteFilters: padding is counted and dropped, normal packets are
// trimmed to their IP length and passed on in one batch, in their own
// buffers, at wireguard-go's offset.
func TestWriteFilters(t *testing.T) {
	r := newRig(t, Config{}, 1)
	const off = 16
	mk := func(p []byte, extra int) []byte {
		b := make([]byte, off+len(p)+extra, 1<<16-1)
		copy(b[off:], p)
		return b
	}
	pad4 := make([]byte, 1420)
	buildPadding(pad4, 1420, testPeer, testLocal)
	pad6 := make([]byte, 1280)
	buildPadding(pad6, 1280, netip.MustParseAddr("fd00::2"), netip.MustParseAddr("fd00::1"))
	n1, n2 := ipv4Packet(100, 1), ipv4Packet(200, 2)
	bufs := [][]byte{mk(n1, 0), mk(pad4, 0), mk(n2, 1220), mk(pad6, 0)}
	if n, err := r.tun.Write(bufs, off); err != nil || n != 4 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if len(r.fake.calls) != 1 || len(r.fake.calls[0]) != 2 {
		t.Fatalf("calls %d", len(r.fake.calls))
	}
	if !bytes.Equal(r.fake.written[0], n1) || !bytes.Equal(r.fake.written[1], n2) {
		t.Fatal("normal packets changed")
	}
	for i, j := range []int{0, 2} {
		got := r.fake.calls[0][i]
		if &got[0] != &bufs[j][0] || cap(got) != cap(bufs[j]) {
			t.Fatalf("packet %d not passed in its own buffer", i)
		}
	}
	if s := r.d.Stats(); s.NormalReceived != 2 || s.PaddingReceived != 2 {
		t.Fatalf("%+v", s)
	}
	// Nothing to filter: the batch is passed on as it is.
	plain := [][]byte{mk(n1, 0), mk(n2, 0)}
	r.tun.Write(plain, off)
	if got := r.fake.calls[1]; len(got) != 2 || &got[0][0] != &plain[0][0] {
		t.Fatal("batch not passed on as it is")
	}
	// Padding alone reaches nothing.
	r.tun.Write([][]byte{mk(pad4, 0)}, off)
	if len(r.fake.calls) != 2 {
		t.Fatal("padding alone written")
	}
}

// TestReadBatchesAhead: from a TUN that hands over one packet a read, the
// wrapped TUN reads ahead (readAhead packets) while wireguard-go is busy,
// and hands them over in one batch.
func TestReadBatchesAhead(t *testing.T) {
	r := newRig(t, Config{}, 1)
	var pkts [][]byte
	for i := range 100 {
		pkts = append(pkts, ipv4Packet(100, uint32(i)))
	}
	r.fake.put(pkts...)
	r.settle()
	got := r.read()
	if len(got) != readAhead {
		t.Fatalf("one Read handed over %d packets, want %d", len(got), readAhead)
	}
	got = append(got, r.readN(100-readAhead)...)
	for i, p := range got {
		if seqOf(p) != uint32(i) {
			t.Fatalf("packet %d is %d", i, seqOf(p))
		}
	}
}
