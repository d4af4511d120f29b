package defense

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// The real-time tests never assume how fast the scheduler is: they wait
// for what they expect for up to patience, and check only what holds
// under any load. Packets never go out before they are due: early is the
// margin for the granularity of the clocks compared.
const (
	early    = 2 * time.Millisecond
	patience = 30 * time.Second
)

// eventually waits up to patience for cond to hold, and fails t if it
// does not.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, patience)
		}
		time.Sleep(time.Millisecond)
	}
}

// noopMachine is the reference's no-op machine.
const noopMachine = "02eNpjYEAHjOgCAAA0AAI="

// udpTunnel is a small real integrator: it writes packets to a loopback UDP
// socket, holding them back while outgoing traffic is blocked, and follows
// the rules of Padding. Packets are one byte: 'N' normal, '0'+m padding
// of machine m.
type udpTunnel struct {
	t    *testing.T
	d    *Defense
	conn *net.UDPConn

	mu      sync.Mutex
	blocked bool
	waiting [][]byte

	blockChanges chan bool
}

// arrival is a packet as received, with the time since the start.
type arrival struct {
	kind byte
	at   time.Duration
}

// newUDPTunnel starts a Defense for machines with a tunnel over loopback
// UDP, and a receiver that reports every arrival on the returned channel,
// timed from the returned start.
func newUDPTunnel(t *testing.T, machines []maybenot.Machine) (*udpTunnel, <-chan arrival, time.Time) {
	rx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		rx.Close()
		t.Fatal(err)
	}
	tun := &udpTunnel{t: t, conn: tx, blockChanges: make(chan bool, 16)}
	tun.d, err = New(Config{
		Machines:        machines,
		SendPadding:     tun.padding,
		BlockingChanged: tun.blocking,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	arrivals := make(chan arrival, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 16)
		for {
			n, err := rx.Read(buf)
			if err != nil {
				return
			}
			if n == 1 {
				arrivals <- arrival{buf[0], time.Since(start)}
			}
		}
	}()
	t.Cleanup(func() {
		tun.d.Close()
		tx.Close()
		rx.Close()
		<-done
	})
	return tun, arrivals, start
}

// write writes pkt and reports it, with tun.mu held: reporting never calls
// back, so holding the integrator's lock is fine.
func (tun *udpTunnel) write(pkt []byte) {
	if _, err := tun.conn.Write(pkt); err != nil && !errors.Is(err, net.ErrClosed) {
		tun.t.Error(err)
	}
	tun.d.PacketSent()
}

func (tun *udpTunnel) sendNormal() {
	tun.mu.Lock()
	defer tun.mu.Unlock()
	tun.d.NormalQueued()
	if tun.blocked {
		tun.waiting = append(tun.waiting, []byte{'N'})
		return
	}
	tun.write([]byte{'N'})
}

func (tun *udpTunnel) padding(p Padding) {
	tun.mu.Lock()
	defer tun.mu.Unlock()
	if p.Replace && len(tun.waiting) > 0 {
		if p.Bypass {
			tun.write(tun.waiting[0])
			tun.waiting = tun.waiting[1:]
		}
		return
	}
	pkt := []byte{'0' + byte(p.Machine)}
	if p.Bypass || !tun.blocked {
		tun.write(pkt)
		return
	}
	tun.waiting = append(tun.waiting, pkt)
}

func (tun *udpTunnel) blocking(blocked bool) {
	tun.mu.Lock()
	tun.blocked = blocked
	if !blocked {
		for _, pkt := range tun.waiting {
			tun.write(pkt)
		}
		tun.waiting = nil
	}
	tun.mu.Unlock()
	select {
	case tun.blockChanges <- blocked:
	default:
		tun.t.Error("more changes of blocking than the test expects")
	}
}

// notBefore fails t if what happened at, before from (less early).
func notBefore(t *testing.T, what string, at, from time.Duration) {
	t.Helper()
	if at < from-early {
		t.Errorf("%s at %v, before %v", what, at, from-early)
	}
}

// receive returns the next n arrivals; they must come within patience.
func receive(t *testing.T, arrivals <-chan arrival, n int) []arrival {
	t.Helper()
	var got []arrival
	timeout := time.After(patience)
	for len(got) < n {
		select {
		case a := <-arrivals:
			got = append(got, a)
		case <-timeout:
			t.Fatalf("received %v, want %d packets", got, n)
		}
	}
	return got
}

// kinds returns the kinds of arrivals as a string.
func kinds(arrivals []arrival) string {
	var b []byte
	for _, a := range arrivals {
		b = append(b, a.kind)
	}
	return string(b)
}

func parseNoop(t *testing.T) maybenot.Machine {
	m, err := maybenot.ParseMachine(noopMachine)
	if err != nil {
		t.Fatal(err)
	}
	return *m
}

func TestRealTimePadding(t *testing.T) {
	// Machine 1 pads 40ms after the first normal packet and then 40ms
	// after each padding, three times in all (its state limit).
	three := exactly(3 * time.Microsecond)
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(maybenot.SendPadding{Timeout: exactly(40 * ms), Limit: &three}, on(maybenot.PaddingSent, 1)),
	)
	tun, arrivals, start := newUDPTunnel(t, []maybenot.Machine{parseNoop(t), padder})
	// The times at which the framework heard of each padding.
	var mu sync.Mutex
	var paddingSent []time.Time
	tun.d.mu.Lock()
	tun.d.observe = func(now time.Time, events []maybenot.TriggerEvent, _ []maybenot.TriggerAction) {
		for _, e := range events {
			if e.Event == maybenot.PaddingSent {
				mu.Lock()
				paddingSent = append(paddingSent, now)
				mu.Unlock()
			}
		}
	}
	tun.d.mu.Unlock()
	queued := time.Now()
	tun.sendNormal()
	got := receive(t, arrivals, 4)
	if kinds(got) != "N111" {
		t.Fatalf("received %q, want \"N111\"", kinds(got))
	}
	// Each padding is due 40ms after the one before, so the i-th no
	// earlier than i*40ms after the normal packet.
	for i := 1; i <= 3; i++ {
		notBefore(t, fmt.Sprintf("padding %d", i), got[i].at, queued.Sub(start)+time.Duration(i)*40*ms)
	}
	mu.Lock()
	sent := paddingSent
	mu.Unlock()
	if len(sent) != 3 {
		t.Fatalf("the framework heard of %d paddings, want 3", len(sent))
	}
	for i := 1; i < 3; i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < 40*ms {
			t.Errorf("padding %d was sent %v after the one before, want at least 40ms", i+1, gap)
		}
	}
	select {
	case a := <-arrivals:
		t.Fatalf("packet %q at %v: the limit allows three paddings", a.kind, a.at)
	case <-time.After(100 * ms):
	}
}

func TestRealTimeBlocking(t *testing.T) {
	// Machine 1 blocks at once for 120ms, bypassably. Machine 2 pads at
	// 40ms with bypass, machine 3 at 40ms without. A normal packet sent
	// during the blocking is held back with the second padding until it
	// ends; the bypass padding goes out on time.
	blocker := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(0, 120*ms, true, false)),
	)
	bypassPadder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(40*ms, true, false)),
	)
	plainPadder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(40*ms, false, false)),
	)
	tun, arrivals, start := newUDPTunnel(t, []maybenot.Machine{parseNoop(t), blocker, bypassPadder, plainPadder})
	queued := time.Since(start)
	tun.sendNormal() // written before the blocking begins
	first := receive(t, arrivals, 1)[0]
	if first.kind != 'N' {
		t.Fatalf("received %q first, want 'N'", first.kind)
	}
	select {
	case b := <-tun.blockChanges:
		if !b {
			t.Fatal("BlockingChanged(false) before BlockingChanged(true)")
		}
	case <-time.After(patience):
		t.Fatal("blocking did not begin")
	}
	tun.sendNormal() // held back, unless the blocking is already over

	// Whatever the load, the padding timers are handled after the
	// blocking began and before it ends, as their deadlines fall between.
	got := receive(t, arrivals, 3)
	if got[0].kind != '2' {
		t.Fatalf("received %q after the blocking began, want the bypass padding '2' first", kinds(got))
	}
	notBefore(t, "bypass padding", got[0].at, queued+40*ms)
	if k := kinds(got[1:]); k != "N3" && k != "3N" {
		t.Fatalf("received %q after the blocking began, want a bypass padding then 'N' and '3'", kinds(got))
	}
	for _, a := range got[1:] {
		notBefore(t, "held packet "+string(a.kind), a.at, queued+120*ms)
	}
	select {
	case b := <-tun.blockChanges:
		if b {
			t.Fatal("BlockingChanged(true) twice")
		}
	case <-time.After(patience):
		t.Fatal("blocking did not end")
	}
}

func TestRealTimeConcurrent(t *testing.T) {
	// Several goroutines report packets while timers fire and callbacks
	// call back into the Defense; run with -race. BlockingChanged must
	// alternate, starting with true, and every reported event must reach
	// the framework.
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(200*time.Microsecond, false, true), on(maybenot.NormalSent, 1), on(maybenot.PaddingSent, 1)),
	)
	blocker := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(time.Millisecond, 500*time.Microsecond, true, false),
			on(maybenot.BlockingEnd, 1), on(maybenot.TunnelRecv, 2)),
		state(nil, on(maybenot.TunnelRecv, 1)),
	)
	var (
		d        *Defense
		mu       sync.Mutex
		blocked  bool
		changes  int
		pads     atomic.Int64
		observed [maybenot.NumEvents]int
	)
	d, err := New(Config{
		Machines: []maybenot.Machine{padder, blocker},
		SendPadding: func(p Padding) {
			pads.Add(1)
			d.PacketSent()
		},
		BlockingChanged: func(b bool) {
			mu.Lock()
			defer mu.Unlock()
			if b == blocked {
				t.Errorf("BlockingChanged(%v) twice in a row", b)
			}
			blocked = b
			changes++
			d.Blocked()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	d.observe = func(_ time.Time, events []maybenot.TriggerEvent, _ []maybenot.TriggerAction) {
		for _, e := range events {
			observed[e.Event]++ // d.mu is held
		}
	}
	const goroutines, perGoroutine = 4, 2000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perGoroutine {
				if g%2 == 0 {
					d.NormalQueued()
					d.PacketSent()
				} else {
					d.PacketReceived()
					d.NormalReceived()
				}
				if i%100 == 0 {
					time.Sleep(100 * time.Microsecond)
				}
			}
		}()
	}
	wg.Wait()
	// The last normal packet asked for padding 200µs later.
	eventually(t, "padding after the last normal packet", func() bool { return pads.Load() > 0 })
	d.Close()
	d.mu.Lock()
	got := observed
	d.mu.Unlock()
	half := goroutines / 2 * perGoroutine
	if got[maybenot.NormalSent] != half || got[maybenot.TunnelRecv] != half || got[maybenot.NormalRecv] != half {
		t.Errorf("framework saw %d NormalSent, %d TunnelRecv, %d NormalRecv; want %d each",
			got[maybenot.NormalSent], got[maybenot.TunnelRecv], got[maybenot.NormalRecv], half)
	}
	// Callbacks run one at a time, so at most one padding callback was
	// under way at Close; its PacketSent may have come too late to count.
	// A padding may stand for several that fell due while callbacks were
	// behind (see callQueue), so PaddingSent may exceed the paddings.
	if n := int(pads.Load()); got[maybenot.TunnelSent] < half+n-1 || got[maybenot.TunnelSent] > half+n ||
		got[maybenot.PaddingSent] < n {
		t.Errorf("framework saw %d TunnelSent and %d PaddingSent with %d paddings sent",
			got[maybenot.TunnelSent], got[maybenot.PaddingSent], n)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d paddings, %d blocking changes", pads.Load(), changes)
	if blocked {
		t.Error("still blocked after Close")
	}
}

// idle reports whether d makes no callback now.
func (d *Defense) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.delivering
}

func TestRealTimeClose(t *testing.T) {
	// After Close no timer fires and no goroutine is left behind.
	before := runtime.NumGoroutine()
	var calls atomic.Int64
	var defenses []*Defense
	for range 10 {
		pad := machine(t,
			state(nil, on(maybenot.NormalSent, 1)),
			state(padding(20*ms, false, false), on(maybenot.PaddingSent, 1)),
		)
		block := machine(t,
			state(nil, on(maybenot.NormalSent, 1)),
			state(blocking(5*ms, 50*ms, false, false)),
		)
		d, err := New(Config{
			Machines:        append(busyMachines(t), pad, block),
			SendPadding:     func(Padding) { calls.Add(1) },
			BlockingChanged: func(bool) { calls.Add(1) },
		})
		if err != nil {
			t.Fatal(err)
		}
		d.NormalQueued()
		d.PacketReceived()
		defenses = append(defenses, d)
	}
	time.Sleep(10 * ms) // blocking has begun, on a machine that is not too busy
	for _, d := range defenses {
		d.Close()
	}
	// A callback under way when Close was called may still finish, and
	// then make the last BlockingChanged(false); then nothing more may
	// come, although padding (every 20ms) and the end of blocking (at
	// 55ms) would.
	for _, d := range defenses {
		eventually(t, "callbacks under way at Close", d.idle)
	}
	n := calls.Load()
	time.Sleep(60 * ms)
	if got := calls.Load(); got != n {
		t.Errorf("%d callbacks after Close", got-n)
	}
	deadline := time.Now().Add(patience)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s",
				before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * ms)
	}
}

func TestRealTimeCallbackCallsBack(t *testing.T) {
	// Real timers, a padding callback that reports the packet and asks
	// whether blocked, and a blocking callback that closes the Defense:
	// none of this may deadlock.
	padder := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(padding(ms, false, false), on(maybenot.PaddingSent, 1)),
	)
	blocker := machine(t,
		state(nil, on(maybenot.NormalSent, 1)),
		state(blocking(20*ms, 10*ms, false, false)),
	)
	var d *Defense
	var pads atomic.Int64
	var changes []bool // only the blocking callbacks touch it
	unblocked := make(chan struct{})
	d, err := New(Config{
		Machines: []maybenot.Machine{padder, blocker},
		SendPadding: func(Padding) {
			pads.Add(1)
			d.PacketSent()
			d.Blocked()
		},
		BlockingChanged: func(blocked bool) {
			changes = append(changes, blocked)
			if blocked {
				d.Close() // the last call, BlockingChanged(false), follows
				return
			}
			close(unblocked)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	d.NormalQueued()
	select {
	case <-unblocked:
	case <-time.After(patience):
		t.Fatal("blocking callbacks not called: deadlock?")
	}
	if len(changes) != 2 || !changes[0] || changes[1] {
		t.Errorf("BlockingChanged calls %v, want [true false]", changes)
	}
	// The padding due at 1ms comes before the blocking due at 20ms,
	// however late both are handled.
	if pads.Load() < 1 {
		t.Error("no padding before the blocking")
	}
}
