package wgdefense

import (
	"errors"

	"golang.zx2c4.com/wireguard/conn"
)

// bind is the Bind that WrapBind returns.
//
// Send reports each transport data message it sends (TunnelSent) and
// learns this device's receiver indices from the handshake messages it
// sends. The receive functions report each transport data message that
// carries one of those indices (TunnelRecv), and count it, a keepalive or
// a handshake response for this device as a sign that the peer is live.
// Other datagrams (handshakes, cookie replies, keepalives, anything else
// that reaches the socket) are not reported to the machines.
type bind struct {
	inner conn.Bind
	d     *Defense
}

// The wrappers of Binds that have optional interfaces: the wrapper has
// exactly the optional interfaces of the Bind it wraps.
type (
	bindSocket struct {
		*bind
		conn.BindSocketToInterface
	}
	bindPeek struct {
		*bind
		conn.PeekLookAtSocketFd
	}
	bindSocketPeek struct {
		*bind
		conn.BindSocketToInterface
		conn.PeekLookAtSocketFd
	}
)

func wrapBind(d *Defense, inner conn.Bind) conn.Bind {
	b := &bind{inner: inner, d: d}
	s, isSocket := inner.(conn.BindSocketToInterface)
	p, isPeek := inner.(conn.PeekLookAtSocketFd)
	switch {
	case isSocket && isPeek:
		return bindSocketPeek{b, s, p}
	case isSocket:
		return bindSocket{b, s}
	case isPeek:
		return bindPeek{b, p}
	}
	return b
}

// Open opens the wrapped Bind and returns its receive functions, wrapped.
func (b *bind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	fns, actual, err := b.inner.Open(port)
	if err != nil {
		return fns, actual, err
	}
	wrapped := make([]conn.ReceiveFunc, len(fns))
	for i, fn := range fns {
		wrapped[i] = func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
			n, err := fn(packets, sizes, eps)
			b.received(packets, sizes, n)
			return n, err
		}
	}
	return wrapped, actual, nil
}

// received looks at the n datagrams a receive function returned.
func (b *bind) received(packets [][]byte, sizes []int, n int) {
	d := b.d
	n = min(n, len(packets), len(sizes))
	defended := d.reporting.Load()
	live := false
	for i := range n {
		size := sizes[i]
		if size <= 0 || size > len(packets[i]) {
			continue
		}
		kind, idx := classify(packets[i][:size])
		if kind == msgOther || kind == msgInit || !d.indices.has(idx) {
			continue
		}
		live = true
		if kind == msgData && defended {
			d.def.PacketReceived()
		}
	}
	if live {
		d.heardFromPeer()
	}
}

// Close closes the wrapped Bind.
func (b *bind) Close() error { return b.inner.Close() }

// SetMark sets the wrapped Bind's mark.
func (b *bind) SetMark(mark uint32) error { return b.inner.SetMark(mark) }

// ParseEndpoint parses an endpoint of the wrapped Bind.
func (b *bind) ParseEndpoint(s string) (conn.Endpoint, error) { return b.inner.ParseEndpoint(s) }

// BatchSize returns the wrapped Bind's batch size.
func (b *bind) BatchSize() int { return b.inner.BatchSize() }

// Send sends bufs through the wrapped Bind and reports each transport data
// message among them once the Bind has sent them.
func (b *bind) Send(bufs [][]byte, ep conn.Endpoint) error {
	d := b.d
	data := 0
	for _, buf := range bufs {
		switch kind, idx := classify(buf); kind {
		case msgData:
			data++
		case msgInit:
			d.indices.add(idx)
		case msgResp:
			d.indices.add(responseSender(buf))
		}
	}
	err := b.inner.Send(bufs, ep)
	if data > 0 && d.reporting.Load() && sent(err) {
		for range data {
			d.def.PacketSent()
		}
	}
	return err
}

// sent reports whether a Send that returned err sent its datagrams: err is
// nil, or says that UDP segmentation offload failed and the datagrams went
// out one by one.
func sent(err error) bool {
	if err == nil {
		return true
	}
	var gso conn.ErrUDPGSODisabled
	return errors.As(err, &gso) && gso.RetryErr == nil
}
