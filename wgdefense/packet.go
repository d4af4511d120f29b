package wgdefense

import (
	"encoding/binary"
	"net/netip"
)

// Padding packets.
//
// A padding packet is an IP packet from Config.LocalAddr to Config.PeerAddr
// that carries the 8-byte mark paddingMark right after its IP header and
// zeros after it, up to the packet's length. It is built so that a peer
// without a wrapper drops it without a word:
//
//   - IPv4: a 20-byte header with protocol 253 (reserved for experiments,
//     RFC 3692) and a header checksum that is wrong on purpose (the right
//     one with its lowest bit flipped), so the receiving stack discards the
//     packet before looking at its protocol, and sends no ICMP error.
//   - IPv6: a 40-byte header with next header 59, "no next header"
//     (RFC 8200 4.7): whatever follows the header is to be ignored.
//
// The peer's wrapper recognises padding by that format alone (protocol 253
// with the wrong checksum, or next header 59, then the mark), whatever its
// addresses, counts it and drops it.
const (
	paddingProtocol   = 253
	noNextHeader      = 59
	ipv4HeaderLen     = 20
	ipv6HeaderLen     = 40
	paddingMarkLen    = 8
	minPaddingLen4    = ipv4HeaderLen + paddingMarkLen
	minPaddingLen6    = ipv6HeaderLen + paddingMarkLen
	defaultHopLimit   = 64
	ipv4DontFragment  = 0x40
	ipv4FlagsOffset   = 6
	ipv4TTLOffset     = 8
	ipv4ProtoOffset   = 9
	ipv4CsumOffset    = 10
	ipv4SrcOffset     = 12
	ipv4DstOffset     = 16
	ipv6PayloadOffset = 4
	ipv6NextOffset    = 6
	ipv6HopOffset     = 7
	ipv6SrcOffset     = 8
	ipv6DstOffset     = 24
)

// paddingMark follows the IP header of every padding packet.
var paddingMark = [paddingMarkLen]byte{'m', 'a', 'y', 'b', 'e', 'n', 'o', 't'}

// buildPadding writes a padding packet of n bytes from src to dst into
// b[:n] and returns n. Both addresses are IPv4 or both IPv6 (New checks).
// n is raised to the smallest padding packet of the family and lowered to
// len(b) and to the largest length an IP header can state; if b cannot hold
// even the smallest packet, buildPadding writes nothing and returns 0.
func buildPadding(b []byte, n int, src, dst netip.Addr) int {
	min, max := minPaddingLen4, 0xffff
	if src.Is6() {
		min, max = minPaddingLen6, ipv6HeaderLen+0xffff
	}
	n = clampLen(n, min, max, len(b))
	if n == 0 {
		return 0
	}
	p := b[:n]
	clear(p)
	if src.Is4() {
		p[0] = 0x45
		binary.BigEndian.PutUint16(p[2:], uint16(n))
		p[ipv4FlagsOffset] = ipv4DontFragment
		p[ipv4TTLOffset] = defaultHopLimit
		p[ipv4ProtoOffset] = paddingProtocol
		s, d := src.As4(), dst.As4()
		copy(p[ipv4SrcOffset:], s[:])
		copy(p[ipv4DstOffset:], d[:])
		binary.BigEndian.PutUint16(p[ipv4CsumOffset:], wrongChecksum(p[:ipv4HeaderLen]))
		copy(p[ipv4HeaderLen:], paddingMark[:])
		return n
	}
	p[0] = 0x60
	binary.BigEndian.PutUint16(p[ipv6PayloadOffset:], uint16(n-ipv6HeaderLen))
	p[ipv6NextOffset] = noNextHeader
	p[ipv6HopOffset] = defaultHopLimit
	s, d := src.As16(), dst.As16()
	copy(p[ipv6SrcOffset:], s[:])
	copy(p[ipv6DstOffset:], d[:])
	copy(p[ipv6HeaderLen:], paddingMark[:])
	return n
}

// clampLen returns n raised to min and lowered to max and room, or 0 if
// room is below min.
func clampLen(n, min, max, room int) int {
	if room < min {
		return 0
	}
	if n < min {
		n = min
	}
	if n > max {
		n = max
	}
	if n > room {
		n = room
	}
	return n
}

// headerSum is the one's complement sum of the 16-bit words of an IPv4
// header, its checksum field taken as zero.
func headerSum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		if i == ipv4CsumOffset {
			continue
		}
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// wrongChecksum returns the checksum of IPv4 header h with its lowest bit
// flipped. One's complement arithmetic has two zeros, 0x0000 and 0xffff,
// which differ in every bit, so the flipped value never passes as the
// right one.
func wrongChecksum(h []byte) uint16 {
	return ^headerSum(h) ^ 1
}

// isPadding reports whether IP packet p is a padding packet, in either
// family.
func isPadding(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	switch p[0] >> 4 {
	case 4:
		return len(p) >= minPaddingLen4 && p[0] == 0x45 &&
			binary.BigEndian.Uint16(p[2:]) >= minPaddingLen4 &&
			p[ipv4ProtoOffset] == paddingProtocol &&
			binary.BigEndian.Uint16(p[ipv4CsumOffset:]) == wrongChecksum(p[:ipv4HeaderLen]) &&
			[paddingMarkLen]byte(p[ipv4HeaderLen:]) == paddingMark
	case 6:
		return len(p) >= minPaddingLen6 && p[ipv6NextOffset] == noNextHeader &&
			binary.BigEndian.Uint16(p[ipv6PayloadOffset:]) >= paddingMarkLen &&
			[paddingMarkLen]byte(p[ipv6HeaderLen:]) == paddingMark
	}
	return false
}

// ipLen returns the length that IP packet p states in its header, or
// len(p) if p is not an IPv4 or IPv6 packet or states more than len(p).
// The wrapped TUN trims what it writes to this length, so that a packet
// the peer padded to a constant size reaches the TUN as it was sent.
func ipLen(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	n, min := len(p), 1
	switch p[0] >> 4 {
	case 4:
		if len(p) >= ipv4HeaderLen {
			n, min = int(binary.BigEndian.Uint16(p[2:])), ipv4HeaderLen
		}
	case 6:
		if len(p) >= ipv6HeaderLen {
			n, min = ipv6HeaderLen+int(binary.BigEndian.Uint16(p[ipv6PayloadOffset:])), ipv6HeaderLen
		}
	}
	if n > len(p) || n < min {
		return len(p)
	}
	return n
}

// WireGuard messages, as the Bind sees them: a 4-byte little-endian type,
// then for a transport data message (type 4) the receiver's index, a
// counter and the encrypted content, at least a 16-byte tag. A handshake
// initiation (type 1) and response (type 2) carry the sender's index right
// after the type; a response carries the receiver's index after that.
const (
	msgInitiation       = 1
	msgResponse         = 2
	msgTransport        = 4
	initiationLen       = 148
	responseLen         = 92
	transportHeaderLen  = 16
	keepaliveLen        = transportHeaderLen + 16 // header and tag, no content
	senderIndexOffset   = 4
	receiverIndexOffset = 4 // in a transport message
	responseRecvOffset  = 8 // the receiver index in a response
)

// msgKind tells apart the datagrams a Bind carries.
type msgKind uint8

const (
	msgOther     msgKind = iota // not WireGuard, or not of a kind that matters here
	msgData                     // transport data with content
	msgKeepalive                // transport data without content
	msgInit                     // handshake initiation
	msgResp                     // handshake response
)

// classify returns the kind of datagram b and the index that matters for
// it: the receiver's index of a transport message or response, the
// sender's index of an initiation (a response also has one; see
// responseSender).
func classify(b []byte) (msgKind, uint32) {
	if len(b) < 4 || b[1] != 0 || b[2] != 0 || b[3] != 0 {
		return msgOther, 0
	}
	switch b[0] {
	case msgTransport:
		if len(b) < keepaliveLen {
			return msgOther, 0
		}
		idx := binary.LittleEndian.Uint32(b[receiverIndexOffset:])
		if len(b) == keepaliveLen {
			return msgKeepalive, idx
		}
		return msgData, idx
	case msgInitiation:
		if len(b) != initiationLen {
			return msgOther, 0
		}
		return msgInit, binary.LittleEndian.Uint32(b[senderIndexOffset:])
	case msgResponse:
		if len(b) != responseLen {
			return msgOther, 0
		}
		return msgResp, binary.LittleEndian.Uint32(b[responseRecvOffset:])
	}
	return msgOther, 0
}

// responseSender returns the sender's index of handshake response b, which
// classify reported as msgResp.
func responseSender(b []byte) uint32 {
	return binary.LittleEndian.Uint32(b[senderIndexOffset:])
}
