package wgdefense

import (
	"encoding/binary"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/defense"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"
)

// fakeTUN is a TUN for unit tests: Read returns the packets queued with
// put, at most BatchSize at a time (waiting while none are queued), and
// Write records what it is given.
type fakeTUN struct {
	batch int

	mu      sync.Mutex
	cond    *sync.Cond
	in      [][]byte
	closed  bool
	reads   int
	readers int // Reads waiting for packets
	mtu     int
	written [][]byte // copies of the packets written, without offset
	calls   [][][]byte
	events  chan tun.Event
}

func newFakeTUN(batch, mtu int) *fakeTUN {
	f := &fakeTUN{batch: batch, mtu: mtu, events: make(chan tun.Event, 1)}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *fakeTUN) put(pkts ...[]byte) {
	f.mu.Lock()
	f.in = append(f.in, pkts...)
	f.cond.Broadcast()
	f.mu.Unlock()
}

// queued returns how many packets put has queued that Read has not taken.
func (f *fakeTUN) queued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.in)
}

func (f *fakeTUN) File() *os.File           { return nil }
func (f *fakeTUN) Name() (string, error)    { return "fake", nil }
func (f *fakeTUN) Events() <-chan tun.Event { return f.events }
func (f *fakeTUN) BatchSize() int           { return f.batch }

func (f *fakeTUN) MTU() (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mtu, nil
}

func (f *fakeTUN) setMTU(m int) {
	f.mu.Lock()
	f.mtu = m
	f.mu.Unlock()
}

func (f *fakeTUN) Close() error {
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		close(f.events)
	}
	f.cond.Broadcast()
	f.mu.Unlock()
	return nil
}

func (f *fakeTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.in) == 0 && !f.closed {
		f.readers++
		f.cond.Wait()
		f.readers--
	}
	if f.closed {
		return 0, os.ErrClosed
	}
	f.reads++
	n := 0
	for n < len(bufs) && n < f.batch && len(f.in) > 0 {
		sizes[n] = copy(bufs[n][offset:], f.in[0])
		f.in = f.in[1:]
		n++
	}
	return n, nil
}

func (f *fakeTUN) Write(bufs [][]byte, offset int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, append([][]byte(nil), bufs...))
	for _, b := range bufs {
		f.written = append(f.written, append([]byte(nil), b[offset:]...))
	}
	return len(bufs), nil
}

// ipv4Packet returns a minimal IPv4 packet of n bytes (n >= 20) from src
// to dst, with protocol 17 and its sequence number seq in the first
// payload bytes (when there is room).
func ipv4Packet(n int, seq uint32) []byte {
	p := make([]byte, n)
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(n))
	p[8] = 64
	p[9] = 17
	copy(p[12:], []byte{10, 0, 0, 1})
	copy(p[16:], []byte{10, 0, 0, 2})
	binary.BigEndian.PutUint16(p[10:], ^headerSum(p[:20]))
	if n >= 24 {
		binary.BigEndian.PutUint32(p[20:], seq)
	}
	return p
}

// seqOf returns the sequence number of a packet made by ipv4Packet.
func seqOf(p []byte) uint32 { return binary.BigEndian.Uint32(p[20:]) }

var (
	testLocal = netip.MustParseAddr("10.0.0.1")
	testPeer  = netip.MustParseAddr("10.0.0.2")
)

// noMachines is a Config.Machines with no machine at all, so that the
// wrappers report nothing. (newRig gives a Config whose Machines is nil a
// machine that never acts.)
var noMachines = []maybenot.Machine{}

// idleMachine never acts.
func idleMachine(t testing.TB) maybenot.Machine {
	return machine(t, maybenot.State{})
}

// rig is a Defense on a virtual clock with a fake TUN and a fake Bind,
// wrapped, for unit tests of the wrappers.
type rig struct {
	t     *testing.T
	clock *defense.VirtualClock
	d     *Defense
	fake  *fakeTUN
	tun   tun.Device
	bind  *fakeBind
	wbind conn.Bind
	recv  conn.ReceiveFunc
	// bufs, sizes are wireguard-go's side of the wrapped TUN.
	bufs  [][]byte
	sizes []int
}

const rigOffset = 16

func newRig(t *testing.T, c Config, batch int) *rig {
	t.Helper()
	r := &rig{t: t, clock: defense.NewVirtualClock(time.Unix(1000, 0))}
	if !c.LocalAddr.IsValid() {
		c.LocalAddr, c.PeerAddr = testLocal, testPeer
	}
	if c.Machines == nil {
		c.Machines = []maybenot.Machine{idleMachine(t)}
	}
	var err error
	r.d, err = newDefense(c, r.clock)
	if err != nil {
		t.Fatal(err)
	}
	r.fake = newFakeTUN(batch, 1420)
	r.tun = r.d.WrapTUN(r.fake)
	r.bind = &fakeBind{}
	r.wbind = r.d.WrapBind(r.bind)
	fns, _, err := r.wbind.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	r.recv = fns[0]
	r.d.mu.Lock()
	r.d.tun.startPump()
	r.d.mu.Unlock()
	r.bufs = make([][]byte, 128)
	for i := range r.bufs {
		r.bufs[i] = make([]byte, 1<<16-1)
	}
	r.sizes = make([]int, 128)
	t.Cleanup(func() {
		r.tun.Close()
		r.d.Close()
	})
	return r
}

// read calls the wrapped TUN's Read with wireguard-go's buffers and returns
// copies of the packets it returned.
func (r *rig) read() [][]byte {
	r.t.Helper()
	n, err := r.tun.Read(r.bufs, r.sizes, rigOffset)
	if err != nil {
		r.t.Fatalf("Read: %v", err)
	}
	out := make([][]byte, n)
	for i := range n {
		out[i] = append([]byte(nil), r.bufs[i][rigOffset:rigOffset+r.sizes[i]]...)
	}
	return out
}

// readN reads until it has n packets, failing after a few seconds.
func (r *rig) readN(n int) [][]byte {
	r.t.Helper()
	var out [][]byte
	done := make(chan struct{})
	timer := time.AfterFunc(5*time.Second, func() {
		select {
		case <-done:
		default:
			r.t.Errorf("read %d packets of %d", len(out), n)
			r.tun.Close()
		}
	})
	defer timer.Stop()
	for len(out) < n {
		out = append(out, r.read()...)
	}
	close(done)
	return out
}

// settle waits until the pump has taken from the fake TUN every packet it
// may take and queued them: until it waits inside the fake TUN's Read for
// more, or waits for room.
func (r *rig) settle() {
	r.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		r.fake.mu.Lock()
		inRead := r.fake.readers > 0 && len(r.fake.in) == 0
		r.fake.mu.Unlock()
		r.d.mu.Lock()
		waiting := r.d.tun.pumpWaiting || r.d.tun.pump == pumpDone
		r.d.mu.Unlock()
		if inRead || waiting {
			return
		}
	}
	r.t.Fatal("the pump did not settle")
}

// waiting returns how many entries wait in the Defense's queues.
func (r *rig) waiting() (fifo, urgent int) {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	return r.d.fifo.len(), r.d.urgent.len()
}

// makeLive lets a transport message for this device arrive from the peer.
func (r *rig) makeLive() {
	r.t.Helper()
	r.handshake(0x11223344)
	r.receive(transport(0x11223344, 100))
}

// handshake lets the wrapped Bind send a handshake initiation with sender
// index idx.
func (r *rig) handshake(idx uint32) {
	r.t.Helper()
	m := make([]byte, initiationLen)
	m[0] = msgInitiation
	binary.LittleEndian.PutUint32(m[senderIndexOffset:], idx)
	if err := r.wbind.Send([][]byte{m}, nil); err != nil {
		r.t.Fatal(err)
	}
}

// receive lets the wrapped receive function return datagrams.
func (r *rig) receive(dgrams ...[]byte) {
	r.t.Helper()
	r.bind.mu.Lock()
	r.bind.next = append(r.bind.next, dgrams...)
	r.bind.mu.Unlock()
	packets := make([][]byte, len(dgrams))
	for i := range packets {
		packets[i] = make([]byte, 2048)
	}
	sizes := make([]int, len(dgrams))
	if _, err := r.recv(packets, sizes, make([]conn.Endpoint, len(dgrams))); err != nil {
		r.t.Fatal(err)
	}
}

// transport returns a transport data message to receiver idx with n bytes
// of content (0: a keepalive).
func transport(idx uint32, n int) []byte {
	m := make([]byte, keepaliveLen+n)
	m[0] = msgTransport
	binary.LittleEndian.PutUint32(m[receiverIndexOffset:], idx)
	return m
}

// fakeBind is a Bind whose receive function returns the datagrams queued
// in next, and whose Send records what it sends.
type fakeBind struct {
	mu   sync.Mutex
	next [][]byte
	sent [][]byte
	err  error
}

func (b *fakeBind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	fn := func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		n := 0
		for n < len(packets) && len(b.next) > 0 {
			sizes[n] = copy(packets[n], b.next[0])
			b.next = b.next[1:]
			n++
		}
		return n, nil
	}
	return []conn.ReceiveFunc{fn}, 51820, nil
}

func (b *fakeBind) Close() error         { return nil }
func (b *fakeBind) SetMark(uint32) error { return nil }
func (b *fakeBind) BatchSize() int       { return 128 }
func (b *fakeBind) ParseEndpoint(string) (conn.Endpoint, error) {
	return nil, nil
}

func (b *fakeBind) Send(bufs [][]byte, _ conn.Endpoint) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, x := range bufs {
		b.sent = append(b.sent, append([]byte(nil), x...))
	}
	return b.err
}

// exactly is a distribution that always gives d.
func exactly(d time.Duration) maybenot.Dist {
	us := float64(d / time.Microsecond)
	return maybenot.Dist{Type: maybenot.Uniform{Low: us, High: us}}
}

func always(to uint32) []maybenot.Trans { return []maybenot.Trans{{State: to, Probability: 1}} }

// machine builds a machine with no limits from states.
func machine(t testing.TB, states ...maybenot.State) maybenot.Machine {
	t.Helper()
	m, err := maybenot.NewMachine(1<<62, 0, 1<<62, 0, states)
	if err != nil {
		t.Fatal(err)
	}
	return *m
}
