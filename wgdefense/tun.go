package wgdefense

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
)

const (
	// readOffset is where packets read from the wrapped TUN start in the
	// buffers of the wrapped TUN: wireguard-go's own offset, which leaves
	// room for a virtio header (Linux TUNs with offloads need it).
	readOffset = device.MessageTransportHeaderSize
	// readAhead is how many packets the wrapped TUN reads ahead of
	// wireguard-go while nothing is blocked (or one batch of the wrapped
	// TUN, if more): enough to keep both busy, few enough to add no
	// queueing delay worth the name.
	readAhead = 64
	// maxMTU is the largest MTU wireguard-go accepts.
	maxMTU = device.MaxContentSize
)

// pump states.
const (
	pumpIdle    = iota // not started
	pumpRunning        // reading from the wrapped TUN
	pumpDone           // stopped for good
)

// tunDevice is the TUN that WrapTUN returns.
//
// While the Defense runs, a goroutine, the pump, reads packets from the
// TUN it wraps into buffers of its own, reports each to the machines and
// queues it; Read hands queued packets, and padding, to wireguard-go,
// except what blocking holds back. So padding can go out while no packet
// comes from the TUN, and held packets never hold up the TUN. Once the
// Defense is closed and the queue is empty, Read reads from the wrapped TUN
// itself.
//
// The fields from closed to rsizes are guarded by the Defense's mu.
type tunDevice struct {
	d     *Defense
	inner tun.Device
	batch int
	mtu   atomic.Int64

	readReady chan struct{} // a Read may find something to do
	space     chan struct{} // the pump may find room to read

	closed      bool  // Close was called
	pump        int   // pumpIdle, pumpRunning or pumpDone
	pumpWaiting bool  // the pump waits for room
	err         error // a read error the pump stopped at, returned by Read for good
	softErr     error // tun.ErrTooManySegments, returned once
	free        [][]byte
	rbufs       [][]byte // the pump's buffers for the next read
	rsizes      []int

	wmu   sync.Mutex
	wbufs [][]byte // Write's list of packets to pass on
}

func newTUNDevice(d *Defense, inner tun.Device) *tunDevice {
	t := &tunDevice{
		d:         d,
		inner:     inner,
		batch:     max(inner.BatchSize(), 1),
		readReady: make(chan struct{}, 1),
		space:     make(chan struct{}, 1),
	}
	t.mtu.Store(device.DefaultMTU)
	if m, err := inner.MTU(); err == nil {
		t.setMTU(m)
	}
	return t
}

func (t *tunDevice) setMTU(m int) {
	if m > 0 {
		t.mtu.Store(int64(min(m, maxMTU)))
	}
}

func (t *tunDevice) wakeReader() {
	select {
	case t.readReady <- struct{}{}:
	default:
	}
}

func (t *tunDevice) wakePump() {
	select {
	case t.space <- struct{}{}:
	default:
	}
}

// File returns the wrapped TUN's file.
func (t *tunDevice) File() *os.File { return t.inner.File() }

// Name returns the wrapped TUN's name.
func (t *tunDevice) Name() (string, error) { return t.inner.Name() }

// Events returns the wrapped TUN's events.
func (t *tunDevice) Events() <-chan tun.Event { return t.inner.Events() }

// BatchSize returns the wrapped TUN's batch size.
func (t *tunDevice) BatchSize() int { return t.inner.BatchSize() }

// MTU returns the wrapped TUN's MTU and remembers it as the size of
// padding and, with ConstantSize, of every packet. wireguard-go asks for it
// when the device is made and at every tun.EventMTUUpdate, so the wrapped
// TUN follows the MTU that wireguard-go uses.
func (t *tunDevice) MTU() (int, error) {
	m, err := t.inner.MTU()
	if err == nil {
		t.setMTU(m)
	}
	return m, err
}

// Close discards the packets still waiting, closes the Defense and closes
// the wrapped TUN.
func (t *tunDevice) Close() error {
	d := t.d
	d.mu.Lock()
	if !t.closed {
		t.closed = true
		for _, r := range []*ring{&d.fifo, &d.urgent} {
			for r.len() > 0 {
				if e := r.pop(); e.buf != nil {
					d.stats.dropped.Add(1)
					t.recycle(e.buf)
				}
			}
		}
		t.wakeReader()
		t.wakePump()
	}
	d.mu.Unlock()
	d.Close()
	return t.inner.Close()
}

// Read hands wireguard-go the packets waiting, at most len(bufs): first
// those that must go at once (padding with Bypass), then the rest in
// order unless blocking holds them back. It waits until there is one.
func (t *tunDevice) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if len(bufs) == 0 {
		return 0, nil
	}
	d := t.d
	d.mu.Lock()
	t.startPump()
	for {
		n := t.deliver(bufs, sizes, offset)
		if err := t.softErr; err != nil {
			t.softErr = nil
			d.mu.Unlock()
			return n, err
		}
		if t.err != nil {
			err := t.err
			d.mu.Unlock()
			return n, err
		}
		if n > 0 {
			if t.pumpWaiting {
				t.wakePump()
			}
			d.mu.Unlock()
			return n, nil
		}
		if t.pump == pumpDone && d.fifo.len() == 0 && d.urgent.len() == 0 {
			d.mu.Unlock()
			return t.readDirect(bufs, sizes, offset)
		}
		d.mu.Unlock()
		<-t.readReady
		d.mu.Lock()
	}
}

// startPump starts the pump, if it was not started yet and the Defense
// runs. d.mu must be held.
func (t *tunDevice) startPump() {
	if t.pump != pumpIdle {
		return
	}
	if t.d.closed || t.closed {
		t.pump = pumpDone
		return
	}
	t.pump = pumpRunning
	go t.run()
}

// readDirect reads from the wrapped TUN into wireguard-go's buffers, once
// the Defense is closed (or the TUN, when Read then fails).
func (t *tunDevice) readDirect(bufs [][]byte, sizes []int, offset int) (int, error) {
	n, err := t.inner.Read(bufs, sizes, offset)
	n = min(max(n, 0), len(bufs), len(sizes))
	var c uint64
	for i := range n {
		if sizes[i] > 0 {
			c++
		}
	}
	t.d.stats.normalSent.Add(c)
	return n, err
}

// deliver moves the packets that may go now into bufs and returns how
// many. d.mu must be held.
func (t *tunDevice) deliver(bufs [][]byte, sizes []int, offset int) int {
	d := t.d
	mtu := int(t.mtu.Load())
	constant := d.constantSize && !d.closed
	n := 0
	var normal, padding, dropped uint64
	for n < len(bufs) {
		e, ok := t.next()
		if !ok {
			break
		}
		var dst []byte
		if offset >= 0 && offset <= len(bufs[n]) {
			dst = bufs[n][offset:]
		}
		if e.buf == nil {
			size := buildPadding(dst, mtu, d.local, d.peer)
			if size == 0 {
				dropped++
				continue
			}
			sizes[n] = size
			n++
			padding++
			continue
		}
		pkt := e.buf[readOffset : readOffset+e.n]
		if len(pkt) > len(dst) {
			dropped++
			t.recycle(e.buf)
			continue
		}
		size := copy(dst, pkt)
		if constant && size < mtu {
			full := min(mtu, len(dst))
			clear(dst[size:full])
			size = full
		}
		t.recycle(e.buf)
		sizes[n] = size
		n++
		normal++
	}
	d.stats.normalSent.Add(normal)
	d.stats.paddingSent.Add(padding)
	d.stats.dropped.Add(dropped)
	return n
}

// next takes the next entry that may go now: the first urgent one, or
// else, unless blocked, the first of the fifo. d.mu must be held.
func (t *tunDevice) next() (entry, bool) {
	d := t.d
	switch {
	case d.urgent.len() > 0:
		return d.urgent.pop(), true
	case !d.blocked && d.fifo.len() > 0:
		return d.fifo.pop(), true
	}
	return entry{}, false
}

// recycle returns a buffer to the free list, unless the MTU has outgrown
// it. d.mu must be held.
func (t *tunDevice) recycle(b []byte) {
	if cap(b) >= t.bufLen() {
		t.free = append(t.free, b[:cap(b)])
	}
}

// fifoCap is the capacity of the Defense's fifo: room for MaxHeld
// packets, or readAhead, and one batch more. The pump reads a batch only
// when it fits under the larger of the two (mayRead), and padding without
// Bypass queues only while fewer than that wait, so a batch the
// pump reads always finds room, however much padding was queued meanwhile.
func fifoCap(maxHeld, batch int) int { return max(maxHeld, readAhead) + batch }

// bufLen is the length of a buffer that holds any packet of the MTU.
func (t *tunDevice) bufLen() int { return readOffset + int(t.mtu.Load()) }

// mayRead reports whether the pump may read a batch now: when nothing
// waits, or when a whole batch still fits under the bound (MaxHeld while
// blocked, readAhead otherwise). d.mu must be held.
func (t *tunDevice) mayRead() bool {
	d := t.d
	waiting := d.fifo.len() + d.urgent.len()
	if waiting == 0 {
		return true
	}
	bound := readAhead
	if d.blocked {
		bound = d.maxHeld
	}
	return waiting+t.batch <= bound
}

// run is the pump: it reads from the wrapped TUN, reports each packet to
// the machines (NormalQueued, before any blocking holds it) and queues it,
// until the Defense or the TUN is closed or a read fails.
func (t *tunDevice) run() {
	d := t.d
	t.rbufs = make([][]byte, t.batch)
	t.rsizes = make([]int, t.batch)
	d.mu.Lock()
	for {
		for !t.closed && !d.closed && !t.mayRead() {
			end := d.endBlockingLocked()
			t.pumpWaiting = true
			d.mu.Unlock()
			if end {
				d.def.EndBlocking()
			}
			<-t.space
			d.mu.Lock()
			t.pumpWaiting = false
		}
		if t.closed || d.closed {
			break
		}
		need := t.bufLen()
		for i, b := range t.rbufs {
			if len(b) < need {
				t.rbufs[i] = t.take(need)
			}
		}
		d.mu.Unlock()

		n, err := t.inner.Read(t.rbufs, t.rsizes, readOffset)
		n = min(max(n, 0), len(t.rbufs))
		if d.reporting.Load() {
			for i := range n {
				if t.rsizes[i] > 0 {
					d.def.NormalQueued()
				}
			}
		}

		d.mu.Lock()
		var held, dropped uint64
		for i := range n {
			size := t.rsizes[i]
			if size <= 0 {
				continue
			}
			if size > len(t.rbufs[i])-readOffset || t.closed {
				dropped++
				continue
			}
			// mayRead left room for the whole batch (see fifoCap).
			if !d.fifo.push(entry{buf: t.rbufs[i], n: size}) {
				dropped++
				continue
			}
			t.rbufs[i] = nil
			if d.blocked {
				held++
			}
		}
		d.stats.held.Add(held)
		d.stats.dropped.Add(dropped)
		if err != nil {
			if errors.Is(err, tun.ErrTooManySegments) {
				t.softErr = err
			} else {
				t.err = err
			}
		}
		t.wakeReader()
		if t.err != nil {
			break
		}
	}
	for i, b := range t.rbufs {
		if b != nil {
			t.recycle(b)
			t.rbufs[i] = nil
		}
	}
	t.pump = pumpDone
	t.wakeReader()
	d.mu.Unlock()
}

// take returns a buffer of at least n bytes, from the free list if it has
// one. d.mu must be held.
func (t *tunDevice) take(n int) []byte {
	for len(t.free) > 0 {
		b := t.free[len(t.free)-1]
		t.free[len(t.free)-1] = nil
		t.free = t.free[:len(t.free)-1]
		if len(b) >= n {
			return b
		}
	}
	return make([]byte, n)
}

// Write passes the packets in bufs on to the wrapped TUN, except padding,
// which it counts and drops, and trims each to the length its IP header
// states (removing the peer's ConstantSize padding).
func (t *tunDevice) Write(bufs [][]byte, offset int) (int, error) {
	d := t.d
	defended := d.reporting.Load()
	var normal, padding uint64
	filter := false
	for _, b := range bufs {
		if offset < 0 || offset >= len(b) {
			continue
		}
		p := b[offset:]
		if isPadding(p) {
			padding++
			filter = true
			if defended {
				d.def.PaddingReceived()
			}
			continue
		}
		normal++
		if defended {
			d.def.NormalReceived()
		}
		if ipLen(p) < len(p) {
			filter = true
		}
	}
	d.stats.normalReceived.Add(normal)
	d.stats.paddingReceived.Add(padding)
	if !filter {
		return t.inner.Write(bufs, offset)
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	out := t.wbufs[:0]
	for _, b := range bufs {
		if offset >= 0 && offset < len(b) {
			p := b[offset:]
			if isPadding(p) {
				continue
			}
			b = b[:offset+ipLen(p)]
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		t.wbufs = out
		return len(bufs), nil
	}
	n, err := t.inner.Write(out, offset)
	clear(out)
	t.wbufs = out[:0]
	if err == nil {
		n = len(bufs)
	}
	return n, err
}
