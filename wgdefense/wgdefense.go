package wgdefense

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/defense"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"
)

const (
	// DefaultMaxHeld is the number of packets that blocking may hold back
	// when Config.MaxHeld is 0.
	DefaultMaxHeld = 1024
	// MaxHeldLimit is the largest Config.MaxHeld that New accepts.
	MaxHeldLimit = 1 << 16
	// LiveTimeout is how long the peer counts as live after a packet from
	// it: padding is sent only while the peer is live. It is WireGuard's
	// session lifetime (wireguard-go's RejectAfterTime): a session older
	// than that cannot carry data, and padding sent without a session makes
	// wireguard-go start a handshake and queue the padding until it ends.
	LiveTimeout = 180 * time.Second
)

// Config configures a Defense.
type Config struct {
	// Machines are the machines to run, and MaxPaddingFrac and
	// MaxBlockingFrac bound the padding and blocking of all of them
	// together, as for defense.Config (0: no bound).
	Machines        []maybenot.Machine
	MaxPaddingFrac  float64
	MaxBlockingFrac float64
	// LocalAddr is this end's tunnel address, the source of padding
	// packets; PeerAddr the peer's tunnel address, their destination. Both
	// are required and of one family (an IPv4-mapped IPv6 address counts
	// as IPv4). PeerAddr must be in the peer's allowed IPs here, and
	// LocalAddr in this end's allowed IPs at the peer, or wireguard-go
	// drops the padding.
	LocalAddr netip.Addr
	PeerAddr  netip.Addr
	// ConstantSize pads every packet handed to wireguard-go, padding
	// included, to the MTU, so that every transport data message on the
	// wire has one length.
	ConstantSize bool
	// MaxHeld bounds the packets waiting to be handed to wireguard-go,
	// most of them held back by blocking (0: DefaultMaxHeld; at most
	// MaxHeldLimit). When the wrapped TUN cannot take a further batch of
	// packets from the TUN it wraps without passing MaxHeld, it ends the
	// blocking early: the machines hear BlockingEnd.
	MaxHeld int
	// MaxActionsPerSecond caps the machines' actions, as for
	// defense.Config (0: defense.DefaultMaxActionsPerSecond; +Inf: no cap).
	MaxActionsPerSecond float64
}

// Stats counts what a Defense did. Its counts only grow.
type Stats struct {
	// NormalSent and PaddingSent count the IP packets the wrapped TUN
	// handed to wireguard-go.
	NormalSent, PaddingSent uint64
	// NormalReceived and PaddingReceived count the IP packets wireguard-go
	// wrote to the wrapped TUN. Padding is dropped there; normal packets
	// go on to the TUN it wraps.
	NormalReceived, PaddingReceived uint64

	// Blockings counts the times outgoing traffic became blocked, and
	// BlockedTime is the total time it stayed blocked, including a
	// blocking still on.
	Blockings   uint64
	BlockedTime time.Duration
	// Held counts the normal packets that blocking held back, and
	// EarlyEnds the blockings that the wrapped TUN ended early because it
	// held Config.MaxHeld packets.
	Held, EarlyEnds uint64
	// PaddingReplaced counts padding for which a packet already waiting
	// stood in, and PaddingSkipped padding not made because the peer was
	// not live (LiveTimeout) or the TUN was not wrapped or was closed.
	// The machines count both as sent.
	PaddingReplaced, PaddingSkipped uint64
	// Dropped counts packets that were never handed on: padding due while
	// the queue was full (MaxHeld packets waiting, and at least 64),
	// packets too large for the buffer
	// wireguard-go passed, and packets still waiting when the wrapped TUN
	// was closed.
	Dropped uint64
}

// Defense runs Maybenot machines for one wireguard-go device with one peer.
// Make it with New, wrap the device's TUN and Bind with WrapTUN and
// WrapBind before handing them to device.NewDevice, and Close it when done.
// All its methods are safe for concurrent use.
type Defense struct {
	def          *defense.Defense
	clock        defense.Clock
	start        time.Time
	local, peer  netip.Addr
	constantSize bool
	maxHeld      int

	// reporting is set while the machines are to hear of the packets:
	// while the Defense runs and has machines (without, nothing would
	// listen).
	reporting atomic.Bool
	// isClosed mirrors closed, for the paths that do not take mu.
	isClosed atomic.Bool

	// lastPeer is when the peer was last heard from, in nanoseconds since
	// start, plus one; 0: never.
	lastPeer atomic.Int64
	// indices are this device's receiver indices, learnt from the
	// handshake messages it sends.
	indices indexSet

	// mu guards what follows: the packets waiting to be handed to
	// wireguard-go and the state of blocking.
	mu          sync.Mutex
	closed      bool
	tun         *tunDevice // the wrapped TUN, once WrapTUN was called
	bindWrapped bool

	// fifo holds normal packets, and padding without Bypass, in order;
	// while blocked, nothing leaves it. urgent holds what must be handed
	// over at once, blocked or not: padding with Bypass, or the packet
	// that took its place.
	fifo, urgent ring
	blocked      bool
	ending       bool // EndBlocking was called for this blocking
	blockedSince time.Time

	stats struct {
		normalSent, paddingSent         atomic.Uint64
		normalReceived, paddingReceived atomic.Uint64
		blockings                       atomic.Uint64
		blockedTime                     atomic.Int64
		held, earlyEnds                 atomic.Uint64
		paddingReplaced, paddingSkipped atomic.Uint64
		dropped                         atomic.Uint64
	}
}

// New returns a Defense running c.Machines. It fails if the addresses are
// missing or of two families, MaxHeld is out of range, or package defense
// rejects the machines or limits (those errors wrap
// maybenot.ErrInvalidMachine, ErrPaddingLimit or ErrBlockingLimit).
func New(c Config) (*Defense, error) {
	return newDefense(c, nil)
}

// newDefense is New on the given clock (nil: real time).
func newDefense(c Config, clock defense.Clock) (*Defense, error) {
	local, peer := c.LocalAddr.Unmap(), c.PeerAddr.Unmap()
	if !local.IsValid() || !peer.IsValid() {
		return nil, errors.New("wgdefense: Config.LocalAddr and Config.PeerAddr must be set")
	}
	if local.Is4() != peer.Is4() {
		return nil, fmt.Errorf("wgdefense: LocalAddr %v and PeerAddr %v are of different families", local, peer)
	}
	if c.MaxHeld < 0 || c.MaxHeld > MaxHeldLimit {
		return nil, fmt.Errorf("wgdefense: MaxHeld %d is not in [0, %d]", c.MaxHeld, MaxHeldLimit)
	}
	if clock == nil {
		clock = realClock{}
	}
	d := &Defense{
		clock:        clock,
		local:        local.WithZone(""),
		peer:         peer.WithZone(""),
		constantSize: c.ConstantSize,
		maxHeld:      c.MaxHeld,
	}
	if d.maxHeld == 0 {
		d.maxHeld = DefaultMaxHeld
	}
	d.urgent = newRing(d.maxHeld)
	def, err := defense.New(defense.Config{
		Machines:            c.Machines,
		MaxPaddingFrac:      c.MaxPaddingFrac,
		MaxBlockingFrac:     c.MaxBlockingFrac,
		MaxActionsPerSecond: c.MaxActionsPerSecond,
		Clock:               clock,
		SendPadding:         d.sendPadding,
		BlockingChanged:     d.blockingChanged,
	})
	if err != nil {
		return nil, fmt.Errorf("wgdefense: %w", err)
	}
	d.def = def
	d.start = clock.Now()
	d.reporting.Store(len(c.Machines) > 0)
	return d, nil
}

// WrapTUN returns t wrapped: packets read from it are reported to the
// machines and may be held back by blocking, padding is injected among
// them, and padding that wireguard-go writes to it is counted and dropped.
// Call it once, before device.NewDevice; a later call returns t as it is.
func (d *Defense) WrapTUN(t tun.Device) tun.Device {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tun != nil {
		return t
	}
	d.tun = newTUNDevice(d, t)
	d.fifo = newRing(fifoCap(d.maxHeld, d.tun.batch))
	return d.tun
}

// WrapBind returns b wrapped: the transport data messages it sends and
// receives for this device are reported to the machines, and what it
// receives from the peer keeps the peer live. The wrapper has the optional
// interfaces conn.BindSocketToInterface and conn.PeekLookAtSocketFd when b
// has them. Call it once, before device.NewDevice; a later call returns b
// as it is.
func (d *Defense) WrapBind(b conn.Bind) conn.Bind {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bindWrapped {
		return b
	}
	d.bindWrapped = true
	return wrapBind(d, b)
}

// Stats returns the counts so far.
func (d *Defense) Stats() Stats {
	s := Stats{
		NormalSent:      d.stats.normalSent.Load(),
		PaddingSent:     d.stats.paddingSent.Load(),
		NormalReceived:  d.stats.normalReceived.Load(),
		PaddingReceived: d.stats.paddingReceived.Load(),
		Blockings:       d.stats.blockings.Load(),
		BlockedTime:     time.Duration(d.stats.blockedTime.Load()),
		Held:            d.stats.held.Load(),
		EarlyEnds:       d.stats.earlyEnds.Load(),
		PaddingReplaced: d.stats.paddingReplaced.Load(),
		PaddingSkipped:  d.stats.paddingSkipped.Load(),
		Dropped:         d.stats.dropped.Load(),
	}
	d.mu.Lock()
	if d.blocked {
		s.BlockedTime += d.clock.Now().Sub(d.blockedSince)
	}
	d.mu.Unlock()
	return s
}

// Close stops the machines and their timers and releases every held
// packet to wireguard-go. Afterwards the wrappers pass traffic through
// undefended: no events, no blocking, no padding, no ConstantSize; padding
// the peer still sends is still recognised, counted and dropped. Close
// returns nil, whatever was closed before it (the device, or this
// Defense), and may be called more than once. Closing the wrapped TUN, as
// the device's Close does, closes the Defense too.
func (d *Defense) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.isClosed.Store(true)
	d.reporting.Store(false)
	d.setBlocked(false)
	if d.tun != nil {
		d.tun.wakeReader()
		d.tun.wakePump()
	}
	d.mu.Unlock()
	d.def.Close()
	return nil
}

// sendPadding is defense.Config.SendPadding.
func (d *Defense) sendPadding(p defense.Padding) {
	end := false
	d.mu.Lock()
	switch {
	case d.closed || d.tun == nil || d.tun.closed:
		d.stats.paddingSkipped.Add(1)
	case p.Replace && d.fifo.len() > 0:
		// A waiting packet stands in for the padding; with Bypass, the
		// first one goes now.
		d.stats.paddingReplaced.Add(1)
		if p.Bypass && !d.urgent.full() {
			d.urgent.push(d.fifo.pop())
			d.tun.wakeReader()
		}
	case !d.live():
		d.stats.paddingSkipped.Add(1)
	case p.Bypass:
		if d.urgent.push(entry{}) {
			d.tun.wakeReader()
		} else {
			d.stats.dropped.Add(1)
		}
	case d.fifo.len() >= max(d.maxHeld, readAhead):
		d.stats.dropped.Add(1)
		end = d.endBlockingLocked()
	default:
		d.fifo.push(entry{})
		if !d.blocked {
			d.tun.wakeReader()
		}
	}
	d.mu.Unlock()
	if end {
		d.def.EndBlocking()
	}
}

// blockingChanged is defense.Config.BlockingChanged.
func (d *Defense) blockingChanged(blocked bool) {
	d.mu.Lock()
	if !d.closed {
		d.setBlocked(blocked)
	}
	d.mu.Unlock()
}

// setBlocked starts or ends the holding of packets. d.mu must be held.
func (d *Defense) setBlocked(blocked bool) {
	if blocked == d.blocked {
		return
	}
	d.blocked = blocked
	now := d.clock.Now()
	if blocked {
		d.blockedSince = now
		d.ending = false
		d.stats.blockings.Add(1)
		return
	}
	d.stats.blockedTime.Add(int64(now.Sub(d.blockedSince)))
	if d.tun != nil {
		d.tun.wakeReader()
	}
}

// endBlockingLocked reports whether the caller is to call EndBlocking
// (after releasing d.mu): when blocked and not already ending. d.mu must
// be held.
func (d *Defense) endBlockingLocked() bool {
	if !d.blocked || d.ending || d.closed {
		return false
	}
	d.ending = true
	d.stats.earlyEnds.Add(1)
	return true
}

// sinceStart returns the clock's time as nanoseconds since d.start.
func (d *Defense) sinceStart() int64 { return int64(d.clock.Now().Sub(d.start)) }

// heardFromPeer records that a packet for this device arrived from the peer.
func (d *Defense) heardFromPeer() { d.lastPeer.Store(d.sinceStart() + 1) }

// live reports whether the peer was heard from within LiveTimeout.
func (d *Defense) live() bool {
	last := d.lastPeer.Load()
	return last != 0 && d.sinceStart()+1-last <= int64(LiveTimeout)
}

// realClock is the real time, for the liveness of the peer and the
// blocking time in Stats; package defense uses its own real clock when
// given nil, but the Defense shares one Clock with it.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) defense.Timer { return time.AfterFunc(d, f) }

// indexSet holds the receiver indices this device gave out most recently,
// in the handshake messages it sent. wireguard-go keeps at most three
// sessions a peer and makes a new index for each handshake message, one
// every few seconds while a handshake is retried; indexSetLen covers all
// of them with room to spare.
type indexSet struct {
	next  atomic.Uint32
	slots [indexSetLen]atomic.Uint64 // index | 1<<32; 0: empty
}

const indexSetLen = 32

func (s *indexSet) add(idx uint32) {
	i := (s.next.Add(1) - 1) % indexSetLen
	s.slots[i].Store(uint64(idx) | 1<<32)
}

func (s *indexSet) has(idx uint32) bool {
	v := uint64(idx) | 1<<32
	for i := range s.slots {
		if s.slots[i].Load() == v {
			return true
		}
	}
	return false
}
