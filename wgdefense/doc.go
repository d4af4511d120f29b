// Package wgdefense runs Maybenot defenses in an unmodified wireguard-go
// device (module golang.zx2c4.com/wireguard), by wrapping its TUN and its
// Bind: no fork, no cgo. One Defense serves one device with one peer; both
// ends of the tunnel run one for padding to be recognised and dropped.
//
//	d, err := wgdefense.New(wgdefense.Config{Machines: machines, LocalAddr: local, PeerAddr: peer})
//	if err != nil {
//		return err
//	}
//	dev := device.NewDevice(d.WrapTUN(tunDev), d.WrapBind(conn.NewDefaultBind()), logger)
//	defer d.Close()
//
// The Defense is a defense.Defense (package
// github.com/maybenot-go/maybenot/defense) fed by the wrappers.
//
// # Events
//
// The machines hear, from the wrapped TUN and Bind:
//
//	NormalSent   a packet is taken from the TUN, before blocking may hold it
//	TunnelSent   the Bind sent a transport data message
//	TunnelRecv   a receive function returned a transport data message for this device
//	NormalRecv   wireguard-go wrote a decrypted packet to the TUN
//	PaddingRecv  wireguard-go wrote a decrypted padding packet to the TUN
//
// and package defense adds PaddingSent, BlockingBegin, BlockingEnd,
// TimerBegin and TimerEnd. Keepalives, handshakes and cookie replies are
// wireguard-go's own and reach no machine. A transport data message is
// for this device when its receiver index is one this device gave out in
// a handshake message it sent; other datagrams reaching the socket (stray
// UDP, or messages for another device) are ignored. Stats.NormalSent and
// PaddingSent count packets when they are handed to wireguard-go, after
// any blocking.
//
// # Padding
//
// A padding packet is an IP packet from Config.LocalAddr to
// Config.PeerAddr of the TUN's MTU, injected through the TUN's Read. It is
// IPv4 with protocol 253 and a header checksum wrong on purpose, or IPv6
// with next header 59 (no next header), followed by an 8-byte mark: the
// peer's wrapper recognises it, reports PaddingRecv and drops it, and a
// peer without a wrapper drops it silently (a wrong IPv4 checksum makes the
// stack discard the packet; an IPv6 packet with no next header carries
// nothing to deliver).
//
// Padding is sent only while the peer is live: while a transport message
// or handshake response for this device arrived within LiveTimeout.
// Without a session, wireguard-go would queue the padding and start a
// handshake for it, and padding that keeps coming before the peer answers
// would push the oldest queued packets, normal ones included, out of
// wireguard-go's queue. So a Defense pads nothing until the peer
// has sent something, and padding due while the peer is not live is
// counted in Stats.PaddingSkipped (the machines count it as sent).
//
// With Config.ConstantSize every packet handed to wireguard-go is padded
// with zeros to the MTU, so that every transport data message has one
// length on the wire; the receiving wireguard-go trims each packet to the
// length its IP header states, and so does the peer's wrapped TUN.
//
// # Blocking
//
// While blocked, the wrapped TUN holds back the packets it takes from the
// TUN, before wireguard-go encrypts them, and hands them over in order
// when the blocking ends. Padding follows defense.Padding: with Bypass it
// goes at once, ahead of what is held; with Replace a packet already
// waiting stands in for it (and with Bypass too, the first waiting packet
// goes at once). The held packets are bounded by Config.MaxHeld (default
// DefaultMaxHeld): when the next batch from the TUN would not fit, the
// wrapped TUN stops reading and ends the blocking early
// (defense.Defense.EndBlocking), so the machines hear BlockingEnd, and
// Stats.EarlyEnds counts it. Until the blocking has ended, packets wait in
// the TUN it wraps, so none is lost and the order is kept. Padding due
// while MaxHeld packets (and at least 64) wait is dropped (Stats.Dropped).
//
// # Batches, offsets and the MTU
//
// The wrappers keep wireguard-go's batching: the wrapped TUN reads from
// the TUN in its own batch size (BatchSize, GSO segments on Linux) and
// hands over as many packets as wireguard-go has buffers, at the offset it
// asks for; Write passes batches on whole, with their offset and buffers,
// so the TUN can coalesce them (GRO). The wrapped Bind keeps the Bind's
// batch size and its optional interfaces (conn.BindSocketToInterface,
// conn.PeekLookAtSocketFd). The wrapped TUN follows the MTU that
// wireguard-go uses: it remembers what MTU returns, which wireguard-go
// calls when the device is made and at every tun.EventMTUUpdate.
//
// # Memory and goroutines
//
// The wrapped TUN reads into buffers of the MTU plus 16 bytes, not
// wireguard-go's 64 KiB ones, and keeps at most MaxHeld of them waiting
// (at least 64, or one batch of the TUN if that is more), plus one batch
// being read; they are reused, so the wrappers allocate nothing per
// packet once running. While the Defense runs, one goroutine reads from
// the TUN; it ends when the Defense or the TUN is closed, once its read in
// progress returns; from then on Read reads from the TUN straight into
// wireguard-go's buffers.
//
// The goroutine also batches: a TUN that hands over one packet a read
// (netstack's does) fills the queue while wireguard-go is busy, and the
// next Read hands over all of it, so wireguard-go encrypts and sends
// several packets at once (with UDP GSO, in one system call).
//
// # Limits
//
// wireguard-go checks that a Bind is its own *conn.StdNetBind before it
// listens for route changes (Linux "sticky sockets"); a wrapped Bind is
// not, so that listener does not run.
//
// Interoperating with Mullvad's relays, which run DAITA, is not possible
// from outside wireguard-go. Their padding (decoy) packets are transport
// messages whose decrypted content starts with the byte 0xff instead of an
// IP header: wireguard-go drops such content after decrypting it, inside
// the device, before any TUN wrapper sees it, and it will not encrypt such
// content from a TUN either. This package defends tunnels whose two ends
// both run it.
package wgdefense
