package wgdefense

import (
	"os"
	"runtime"
	"testing"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"
)

// genTUN is a TUN that always has a packet to read, a copy of pkt, and
// discards what is written: a source and sink that allocate nothing.
type genTUN struct {
	pkt []byte
}

func (g *genTUN) File() *os.File           { return nil }
func (g *genTUN) Name() (string, error)    { return "gen", nil }
func (g *genTUN) Events() <-chan tun.Event { return nil }
func (g *genTUN) BatchSize() int           { return 1 }
func (g *genTUN) MTU() (int, error)        { return 1420, nil }
func (g *genTUN) Close() error             { return nil }
func (g *genTUN) Write(bufs [][]byte, offset int) (int, error) {
	return len(bufs), nil
}
func (g *genTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	sizes[0] = copy(bufs[0][offset:], g.pkt)
	return 1, nil
}

// genBind is a Bind whose receive function always returns msg.
type genBind struct {
	fakeBind
	msg []byte
}

func (b *genBind) Open(uint16) ([]conn.ReceiveFunc, uint16, error) {
	fn := func(packets [][]byte, sizes []int, _ []conn.Endpoint) (int, error) {
		sizes[0] = copy(packets[0], b.msg)
		return 1, nil
	}
	return []conn.ReceiveFunc{fn}, 51820, nil
}

func (b *genBind) Send([][]byte, conn.Endpoint) error { return nil }

// TestSteadyStateAllocations: once running, the wrappers allocate nothing
// per packet, sent or received, padding included, with the deployed
// machines on real time and ConstantSize.
func TestSteadyStateAllocations(t *testing.T) {
	d, err := New(Config{Machines: deployed(t), ConstantSize: true, LocalAddr: testLocal, PeerAddr: testPeer})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tn := d.WrapTUN(&genTUN{pkt: ipv4Packet(1200, 0)})
	defer tn.Close()
	b := d.WrapBind(&genBind{msg: transport(3, 1200)})
	fns, _, err := b.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	init := make([]byte, initiationLen)
	init[0] = msgInitiation
	init[senderIndexOffset] = 3
	b.Send([][]byte{init}, nil)

	const batch = 128
	bufs, wbufs := make([][]byte, batch), make([][]byte, batch)
	for i := range bufs {
		bufs[i] = make([]byte, 1<<16-1)
	}
	sizes, eps := make([]int, batch), make([]conn.Endpoint, batch)
	rbufs := [][]byte{make([]byte, 2048)}
	sent := [][]byte{transport(9, 1420)}
	packets := 0
	step := func() {
		n, err := tn.Read(bufs, sizes, 16)
		if err != nil {
			t.Fatal(err)
		}
		packets += n
		for i := range n {
			wbufs[i] = bufs[i][:16+sizes[i]]
		}
		// What was read comes back, padding and all, as from the peer.
		tn.Write(wbufs[:n], 16)
		for range n {
			b.Send(sent, nil)
			fns[0](rbufs, sizes, eps)
		}
	}
	for range 5000 {
		step()
	}
	if s := d.Stats(); s.PaddingSent == 0 || s.PaddingReceived == 0 {
		t.Fatalf("no padding during warm-up: %+v", s)
	}
	// testing.AllocsPerRun rounds down; count every allocation instead.
	// The runtime allocates a little when the timers' goroutines reach a
	// new high (a goroutine, a waiter on a mutex): a few dozen over the
	// run at most, nothing per packet. The bound, one per 1000 packets,
	// fails on any allocation per packet or per batch.
	var before, after runtime.MemStats
	packets = 0
	runtime.ReadMemStats(&before)
	const steps = 5000
	for range steps {
		step()
	}
	runtime.ReadMemStats(&after)
	allocs := after.Mallocs - before.Mallocs
	t.Logf("%d allocations in %d steps, %d packets", allocs, steps, packets)
	if allocs > uint64(packets)/1000 {
		t.Fatalf("%d allocations for %d packets", allocs, packets)
	}
}
