package wgdefense

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/maybenot-go/maybenot"
	"golang.zx2c4.com/wireguard/conn"
)

// echo returns a machine that asks for padding, at once, each time it
// hears e: so the padding requests count the events e.
func echo(t testing.TB, e maybenot.Event) maybenot.Machine {
	t.Helper()
	var wait, act maybenot.State
	wait.Transitions[e] = always(1)
	act.Action = maybenot.SendPadding{Timeout: exactly(0)}
	act.Transitions[maybenot.PaddingSent] = always(0)
	return machine(t, wait, act)
}

// requests returns how many padding packets the machines asked for so far
// (none are read, so all wait in the queue, or were skipped).
func (r *rig) requests() int {
	r.clock.Advance(0)
	r.d.mu.Lock()
	n := r.d.fifo.len() + r.d.urgent.len()
	r.d.mu.Unlock()
	return n + int(r.d.Stats().PaddingSkipped)
}

func response(sender, receiver uint32) []byte {
	m := make([]byte, responseLen)
	m[0] = msgResponse
	binary.LittleEndian.PutUint32(m[senderIndexOffset:], sender)
	binary.LittleEndian.PutUint32(m[responseRecvOffset:], receiver)
	return m
}

// TestTunnelRecvForThisDevice: only transport data messages carrying a
// receiver index this device gave out count as TunnelRecv.
func TestTunnelRecvForThisDevice(t *testing.T) {
	r := newRig(t, Config{Machines: []maybenot.Machine{echo(t, maybenot.TunnelRecv)}}, 1)
	count := 0
	step := func(name string, want int, dgrams ...[]byte) {
		t.Helper()
		r.receive(dgrams...)
		count += want
		if got := r.requests(); got != count {
			t.Fatalf("%s: %d TunnelRecv in all, want %d", name, got, count)
		}
	}
	step("data before any handshake", 0, transport(5, 100))
	r.handshake(5)
	step("data for this device", 1, transport(5, 100))
	step("keepalive", 0, transport(5, 0))
	step("data for another index", 0, transport(6, 100))
	step("stray UDP", 0, []byte("hello"), make([]byte, 200), append([]byte{4, 0, 0, 1}, make([]byte, 100)...))
	step("short transport", 0, transport(5, 0)[:20])
	step("handshake initiation", 0, func() []byte {
		m := make([]byte, initiationLen)
		m[0] = msgInitiation
		return m
	}())
	step("handshake response", 0, response(9, 5))
	// A response this device sent gives out its sender index too.
	if err := r.wbind.Send([][]byte{response(77, 1)}, nil); err != nil {
		t.Fatal(err)
	}
	step("data for the responder's index", 1, transport(77, 100))
	step("a batch", 0, transport(6, 100), transport(8, 100))
	// The echo machine answers at most once per round; one datagram of a
	// batch for this device is one event.
	step("a batch with one for this device", 1, transport(6, 100), transport(77, 1400), []byte("x"))
	// Indices given out long ago are forgotten.
	for i := range indexSetLen {
		r.handshake(uint32(1000 + i))
	}
	step("a forgotten index", 0, transport(5, 100))
}

// TestTunnelSent: Send reports transport data messages, once sent, and
// nothing else.
func TestTunnelSent(t *testing.T) {
	r := newRig(t, Config{Machines: []maybenot.Machine{echo(t, maybenot.TunnelSent)}}, 1)
	r.makeLive()
	for _, tc := range []struct {
		name  string
		bufs  [][]byte
		err   error
		count int
	}{
		{"data", [][]byte{transport(1, 100)}, nil, 1},
		{"keepalive", [][]byte{transport(1, 0)}, nil, 0},
		{"handshake", [][]byte{response(1, 2)}, nil, 0},
		{"failed", [][]byte{transport(1, 100)}, errors.New("no route"), 0},
		{"GSO failed, sent one by one", [][]byte{transport(1, 100)}, conn.ErrUDPGSODisabled{}, 1},
		{"GSO failed, then failed", [][]byte{transport(1, 100)}, conn.ErrUDPGSODisabled{RetryErr: errors.New("x")}, 0},
	} {
		before := r.requests()
		r.bind.err = tc.err
		if err := r.wbind.Send(tc.bufs, nil); !errors.Is(err, tc.err) && err != tc.err {
			t.Fatalf("%s: Send = %v", tc.name, err)
		}
		if got := r.requests() - before; got != tc.count {
			t.Fatalf("%s: %d TunnelSent, want %d", tc.name, got, tc.count)
		}
	}
	r.bind.err = nil
	if len(r.bind.sent) != 7 { // makeLive's handshake and the six above
		t.Fatalf("%d datagrams reached the Bind", len(r.bind.sent))
	}
}

type socketBind struct {
	fakeBind
	calls int
}

func (b *socketBind) BindSocketToInterface4(uint32, bool) error { b.calls++; return nil }
func (b *socketBind) BindSocketToInterface6(uint32, bool) error { b.calls++; return nil }

type peekBind struct{ fakeBind }

func (b *peekBind) PeekLookAtSocketFd4() (int, error) { return 4, nil }
func (b *peekBind) PeekLookAtSocketFd6() (int, error) { return 6, nil }

type bothBind struct {
	socketBind
}

func (b *bothBind) PeekLookAtSocketFd4() (int, error) { return 4, nil }
func (b *bothBind) PeekLookAtSocketFd6() (int, error) { return 6, nil }

func TestBindOptionalInterfaces(t *testing.T) {
	for _, tc := range []struct {
		name         string
		b            conn.Bind
		socket, peek bool
	}{
		{"plain", &fakeBind{}, false, false},
		{"socket", &socketBind{}, true, false},
		{"peek", &peekBind{}, false, true},
		{"both", &bothBind{}, true, true},
	} {
		d, err := New(Config{LocalAddr: testLocal, PeerAddr: testPeer})
		if err != nil {
			t.Fatal(err)
		}
		w := d.WrapBind(tc.b)
		s, isSocket := w.(conn.BindSocketToInterface)
		p, isPeek := w.(conn.PeekLookAtSocketFd)
		if isSocket != tc.socket || isPeek != tc.peek {
			t.Fatalf("%s: BindSocketToInterface %v, PeekLookAtSocketFd %v", tc.name, isSocket, isPeek)
		}
		if isSocket {
			s.BindSocketToInterface4(1, false)
			s.BindSocketToInterface6(1, false)
			var calls int
			switch b := tc.b.(type) {
			case *socketBind:
				calls = b.calls
			case *bothBind:
				calls = b.calls
			}
			if calls != 2 {
				t.Fatalf("%s: %d calls reached the Bind", tc.name, calls)
			}
		}
		if isPeek {
			if fd, _ := p.PeekLookAtSocketFd6(); fd != 6 {
				t.Fatalf("%s: fd %d", tc.name, fd)
			}
		}
		if w.BatchSize() != 128 {
			t.Fatalf("%s: BatchSize %d", tc.name, w.BatchSize())
		}
		// A second call leaves the Bind as it is.
		if again := d.WrapBind(tc.b); again != tc.b {
			t.Fatalf("%s: second WrapBind wrapped", tc.name)
		}
		d.Close()
	}
}
