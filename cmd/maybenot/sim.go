package main

import (
	"fmt"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/defense"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// simConfig says what to simulate.
type simConfig struct {
	machines        []maybenot.Machine
	maxPaddingFrac  float64 // for all machines together, as defense.Config
	maxBlockingFrac float64
	seed            uint64        // of the machines' random source
	tail            time.Duration // how long to go on after the last packet
	maxSteps        int           // bound on the Defense's timer firings
}

// maxStepsPerInstant bounds the timer firings at any one virtual instant.
// Machines can be valid and still act at one instant forever (say, padding
// with a timeout of 0 after every padding packet); this stops them.
const maxStepsPerInstant = 10_000

// simResult is the outcome of a simulation.
type simResult struct {
	records   []record      // the defended trace, in time order
	replaced  int           // padding replaced by a packet held back
	blockings int           // times outgoing traffic became blocked
	blocked   time.Duration // total time outgoing traffic was blocked
}

// simEpoch is when simulations start, on their virtual clock: time 0 of
// the trace. Any fixed time does.
var simEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// simulator plays the defended side of a connection on a virtual clock:
// it writes the packets of a trace, holds them back while outgoing traffic
// is blocked, and carries out the padding of a Defense by the rules of
// defense.Padding.
type simulator struct {
	clock *defense.VirtualClock
	def   *defense.Defense
	res   simResult

	blocked      bool
	blockedSince time.Time
	held         []heldPacket // waiting for blocking to end, in order

	// The guard against machines that keep virtual time from advancing.
	maxSteps int
	steps    int       // timer firings so far
	instant  time.Time // the time of the last firing
	atOnce   int       // firings at that time
	stalled  error     // set once a bound is exceeded; no firing runs after
}

// heldPacket is a packet queued to be sent but not written yet.
type heldPacket struct {
	padding bool
	queued  time.Time
}

// simulate runs cfg's machines over trace (which must not be empty) and
// returns the defended trace. Each sent packet is queued at its time
// (NormalQueued) and written at once (PacketSent) unless outgoing traffic
// is blocked, in which case it is written when the blocking ends; each
// received packet is reported as it arrives (PacketReceived, then
// NormalReceived). After the last packet the simulation goes on for
// cfg.tail, or until nothing is left to happen, and then until every
// packet held back has been written.
func simulate(cfg simConfig, trace []tracePacket) (*simResult, error) {
	s := &simulator{clock: defense.NewVirtualClock(simEpoch), maxSteps: cfg.maxSteps}
	def, err := defense.New(defense.Config{
		Machines:        cfg.machines,
		MaxPaddingFrac:  cfg.maxPaddingFrac,
		MaxBlockingFrac: cfg.maxBlockingFrac,
		Rand:            splitmix.New(cfg.seed),
		Clock:           guardedClock{s},
		SendPadding:     s.sendPadding,
		BlockingChanged: s.blockingChanged,
	})
	if err != nil {
		return nil, err
	}
	defer def.Close()
	s.def = def

	for _, p := range trace {
		if err := s.advanceTo(simEpoch.Add(p.at)); err != nil {
			return nil, err
		}
		switch p.dir {
		case sent:
			s.sendNormal()
		case received:
			s.receiveNormal()
		}
	}
	if err := s.drain(simEpoch.Add(trace[len(trace)-1].at + cfg.tail)); err != nil {
		return nil, err
	}
	return &s.res, nil
}

// advanceTo moves the clock to t, letting the Defense act on the way.
func (s *simulator) advanceTo(t time.Time) error {
	s.clock.AdvanceTo(t)
	return s.stalled
}

// drain lets the Defense act until until, stopping early if nothing is
// left to happen, and then until no packet is held back.
func (s *simulator) drain(until time.Time) error {
	for {
		next, ok := s.clock.Next()
		if !ok || (next.After(until) && len(s.held) == 0) {
			return nil
		}
		if err := s.advanceTo(next); err != nil {
			return err
		}
	}
}

// now returns the virtual time.
func (s *simulator) now() time.Time { return s.clock.Now() }

// sendNormal queues a normal packet and writes it unless blocked.
func (s *simulator) sendNormal() {
	s.def.NormalQueued()
	p := heldPacket{queued: s.now()}
	if s.blocked {
		s.held = append(s.held, p)
		return
	}
	s.write(p)
}

// receiveNormal records and reports a normal packet that arrived.
func (s *simulator) receiveNormal() {
	s.res.records = append(s.res.records, record{at: s.now().Sub(simEpoch), dir: received})
	s.def.PacketReceived()
	s.def.NormalReceived()
}

// write writes p now.
func (s *simulator) write(p heldPacket) {
	now := s.now()
	s.res.records = append(s.res.records, record{
		at:      now.Sub(simEpoch),
		dir:     sent,
		padding: p.padding,
		delay:   now.Sub(p.queued),
	})
	s.def.PacketSent()
}

// sendPadding is the Defense's SendPadding callback. It follows the rules
// of defense.Padding: with Replace, a held packet stands in for the padding
// (and is written now with Bypass); otherwise the padding is written now if
// it may bypass the blocking or nothing is blocked, and held back if not.
func (s *simulator) sendPadding(p defense.Padding) {
	if p.Replace && len(s.held) > 0 {
		s.res.replaced++
		if p.Bypass {
			first := s.held[0]
			s.held = s.held[1:]
			s.write(first)
		}
		return
	}
	pad := heldPacket{padding: true, queued: s.now()}
	if p.Bypass || !s.blocked {
		s.write(pad)
		return
	}
	s.held = append(s.held, pad)
}

// blockingChanged is the Defense's BlockingChanged callback: when the
// blocking ends, every packet held back is written, in order.
func (s *simulator) blockingChanged(blocked bool) {
	s.blocked = blocked
	if blocked {
		s.res.blockings++
		s.blockedSince = s.now()
		return
	}
	s.res.blocked += s.now().Sub(s.blockedSince)
	held := s.held
	s.held = nil
	for _, p := range held {
		s.write(p)
	}
}

// step counts a timer firing, and reports whether it may go ahead. Once a
// bound is exceeded it records why in s.stalled and refuses every firing,
// which leaves the virtual clock with nothing to do.
func (s *simulator) step() bool {
	if s.stalled != nil {
		return false
	}
	now := s.now()
	if now.Equal(s.instant) {
		s.atOnce++
	} else {
		s.instant, s.atOnce = now, 1
	}
	s.steps++
	switch {
	case s.atOnce > maxStepsPerInstant:
		s.stalled = fmt.Errorf("the machines keep acting at %v without letting time pass (more than %d timer firings at that instant)",
			now.Sub(simEpoch), maxStepsPerInstant)
	case s.steps > s.maxSteps:
		s.stalled = fmt.Errorf("the simulation took more than %d timer firings (at %v); raise -max-steps if the machines are meant to act that often",
			s.maxSteps, now.Sub(simEpoch))
	}
	return s.stalled == nil
}

// guardedClock is the simulator's virtual clock, counting every firing of
// the Defense's timers with simulator.step so that a run always ends.
type guardedClock struct{ s *simulator }

func (c guardedClock) Now() time.Time { return c.s.clock.Now() }

func (c guardedClock) AfterFunc(d time.Duration, f func()) defense.Timer {
	return c.s.clock.AfterFunc(d, func() {
		if c.s.step() {
			f()
		}
	})
}
