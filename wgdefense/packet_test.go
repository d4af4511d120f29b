package wgdefense

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip/header"
)

// validIPv4Checksum verifies the checksum of IPv4 header h as a receiving
// stack does: the one's complement sum of all its words is 0xffff.
func validIPv4Checksum(h []byte) bool {
	var sum uint32
	for i := 0; i < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return sum == 0xffff
}

func TestPaddingIPv4(t *testing.T) {
	src, dst := netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("192.168.7.9")
	b := make([]byte, 2000)
	n := buildPadding(b, 1420, src, dst)
	if n != 1420 {
		t.Fatalf("length %d", n)
	}
	p := b[:n]
	h := header.IPv4(p)
	if !h.IsValid(n) {
		t.Fatal("not a well-formed IPv4 packet")
	}
	if h.TransportProtocol() != 253 || int(h.TotalLength()) != n || h.HeaderLength() != 20 || h.TTL() != 64 {
		t.Fatalf("header %v %d %d %d", h.TransportProtocol(), h.TotalLength(), h.HeaderLength(), h.TTL())
	}
	if h.SourceAddress().String() != "10.1.2.3" || h.DestinationAddress().String() != "192.168.7.9" {
		t.Fatalf("addresses %v %v", h.SourceAddress(), h.DestinationAddress())
	}
	if h.IsChecksumValid() || validIPv4Checksum(p[:20]) {
		t.Fatal("checksum is right")
	}
	if string(p[20:28]) != "maybenot" {
		t.Fatalf("mark %q", p[20:28])
	}
	for _, c := range p[28:] {
		if c != 0 {
			t.Fatal("payload not zero")
		}
	}
	if !isPadding(p) {
		t.Fatal("not recognised")
	}
	// With the right checksum it is an ordinary packet of protocol 253.
	q := append([]byte(nil), p...)
	binary.BigEndian.PutUint16(q[10:], ^headerSum(q[:20]))
	if !header.IPv4(q).IsChecksumValid() || isPadding(q) {
		t.Fatal("the right checksum: still padding")
	}
}

// TestPaddingChecksumNeverRight covers headers whose right checksum is
// 0x0000 or 0xffff, the two zeros of one's complement.
func TestPaddingChecksumNeverRight(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 64)
	zeros := 0
	for i := 0; i < 200_000; i++ {
		var s, d [4]byte
		binary.BigEndian.PutUint32(s[:], rng.Uint32())
		binary.BigEndian.PutUint32(d[:], rng.Uint32())
		n := buildPadding(b, 28+rng.IntN(36), netip.AddrFrom4(s), netip.AddrFrom4(d))
		if validIPv4Checksum(b[:20]) {
			t.Fatalf("right checksum for %x", b[:20])
		}
		if !isPadding(b[:n]) {
			t.Fatalf("not recognised: %x", b[:n])
		}
		if c := ^headerSum(b[:20]); c == 0 || c == 0xffff {
			zeros++
		}
	}
	// Make one whose right checksum is 0x0000 (header sum 0xffff): the
	// destination makes up the difference.
	src := netip.MustParseAddr("10.0.0.1")
	buildPadding(b, 28, src, netip.AddrFrom4([4]byte{}))
	rest := headerSum(b[:20])
	var d [4]byte
	binary.BigEndian.PutUint16(d[:], 0xffff-rest)
	buildPadding(b, 28, src, netip.AddrFrom4(d))
	if headerSum(b[:20]) != 0xffff {
		t.Fatalf("header sum %#x", headerSum(b[:20]))
	}
	if validIPv4Checksum(b[:20]) || !isPadding(b[:28]) {
		t.Fatal("checksum 0x0000 case")
	}
	t.Logf("%d random headers with a zero checksum", zeros)
}

func TestPaddingIPv6(t *testing.T) {
	src, dst := netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2")
	b := make([]byte, 2000)
	n := buildPadding(b, 1280, src, dst)
	p := b[:n]
	h := header.IPv6(p)
	if n != 1280 || !h.IsValid(n) {
		t.Fatalf("length %d, valid %v", n, h.IsValid(n))
	}
	if h.NextHeader() != 59 || int(h.PayloadLength()) != n-40 || h.HopLimit() != 64 {
		t.Fatalf("header %d %d", h.NextHeader(), h.PayloadLength())
	}
	if h.SourceAddress().String() != "fd00::1" || h.DestinationAddress().String() != "fd00::2" {
		t.Fatal("addresses")
	}
	if string(p[40:48]) != "maybenot" || !isPadding(p) {
		t.Fatal("not marked")
	}
}

func TestBuildPaddingLengths(t *testing.T) {
	v4, v6 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1")
	for _, tc := range []struct {
		addr      netip.Addr
		n, room   int
		want      int
		recognise bool
	}{
		{v4, 1420, 2000, 1420, true},
		{v4, 1420, 1000, 1000, true},
		{v4, 0, 100, 28, true},
		{v4, 1420, 27, 0, false},
		{v4, 100000, 70000, 0xffff, true},
		{v6, 0, 100, 48, true},
		{v6, 1420, 47, 0, false},
		{v6, 1 << 20, 1 << 18, 40 + 0xffff, true},
	} {
		b := make([]byte, tc.room)
		got := buildPadding(b, tc.n, tc.addr, tc.addr)
		if got != tc.want {
			t.Fatalf("%+v: %d", tc, got)
		}
		if got > 0 && (!isPadding(b[:got]) || ipLen(b[:got]) != got) {
			t.Fatalf("%+v: not a padding packet of its length", tc)
		}
	}
}

func TestIsPaddingRejects(t *testing.T) {
	v4 := make([]byte, 100)
	buildPadding(v4, 100, testLocal, testPeer)
	v6 := make([]byte, 100)
	buildPadding(v6, 100, netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2"))
	mod := func(p []byte, f func([]byte)) []byte {
		q := append([]byte(nil), p...)
		f(q)
		return q
	}
	for name, p := range map[string][]byte{
		"empty":          nil,
		"normal":         ipv4Packet(100, 1),
		"short":          v4[:27],
		"options":        mod(v4, func(q []byte) { q[0] = 0x46 }),
		"protocol":       mod(v4, func(q []byte) { q[9] = 17 }),
		"mark":           mod(v4, func(q []byte) { q[27] ^= 1 }),
		"v6 short":       v6[:47],
		"v6 next header": mod(v6, func(q []byte) { q[6] = 17 }),
		"v6 mark":        mod(v6, func(q []byte) { q[40] = 0 }),
		"version 5":      mod(v4, func(q []byte) { q[0] = 0x55 }),
	} {
		if isPadding(p) {
			t.Errorf("%s: recognised as padding", name)
		}
	}
}

func TestIPLen(t *testing.T) {
	v4 := ipv4Packet(100, 0)
	v6 := make([]byte, 100)
	buildPadding(v6, 60, netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2"))
	for _, tc := range []struct {
		p    []byte
		want int
	}{
		{nil, 0},
		{[]byte{0x45}, 1},
		{append(v4, 0, 0, 0), 100},
		{v4[:50], 50}, // states more than it has
		{append([]byte{0x45, 0, 0, 10}, make([]byte, 30)...), 34}, // states less than a header
		{v6, 60},
		{v6[:50], 50},
		{[]byte{0x00, 1, 2}, 3},
	} {
		if got := ipLen(tc.p); got != tc.want {
			t.Errorf("ipLen(%x...) = %d, want %d", tc.p[:min(len(tc.p), 4)], got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	init := make([]byte, initiationLen)
	init[0] = msgInitiation
	binary.LittleEndian.PutUint32(init[4:], 0xdeadbeef)
	cookie := make([]byte, 64)
	cookie[0] = 3
	for _, tc := range []struct {
		name string
		b    []byte
		kind msgKind
		idx  uint32
	}{
		{"data", transport(42, 1), msgData, 42},
		{"keepalive", transport(42, 0), msgKeepalive, 42},
		{"short transport", transport(42, 0)[:31], msgOther, 0},
		{"initiation", init, msgInit, 0xdeadbeef},
		{"long initiation", append(init, 0), msgOther, 0},
		{"response", response(1, 2), msgResp, 2},
		{"short response", response(1, 2)[:91], msgOther, 0},
		{"cookie", cookie, msgOther, 0},
		{"type with high bytes", append([]byte{4, 0, 1, 0}, make([]byte, 40)...), msgOther, 0},
		{"empty", nil, msgOther, 0},
		{"decoy type", append([]byte{0xff, 0, 0, 0}, make([]byte, 40)...), msgOther, 0},
	} {
		kind, idx := classify(tc.b)
		if kind != tc.kind || idx != tc.idx {
			t.Errorf("%s: %v %d, want %v %d", tc.name, kind, idx, tc.kind, tc.idx)
		}
	}
	if responseSender(response(7, 8)) != 7 {
		t.Error("responseSender")
	}
}
