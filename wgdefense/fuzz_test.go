package wgdefense

import (
	"net/netip"
	"testing"
)

// FuzzPacket checks the parsing of what reaches the wrappers from outside:
// IP packets written to the TUN (isPadding, ipLen) and datagrams from the
// Bind (classify). None may panic; ipLen stays within the packet; a
// recognised padding packet keeps being recognised at its stated length.
func FuzzPacket(f *testing.F) {
	v4 := make([]byte, 100)
	buildPadding(v4, 100, testLocal, testPeer)
	v6 := make([]byte, 100)
	buildPadding(v6, 100, netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2"))
	for _, seed := range [][]byte{nil, v4, v6, ipv4Packet(60, 1), transport(1, 0), transport(1, 50), response(1, 2)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		n := ipLen(p)
		if n < 0 || n > len(p) || len(p) > 0 && n == 0 {
			t.Fatalf("ipLen %d of %d bytes", n, len(p))
		}
		if isPadding(p) && !isPadding(p[:n]) {
			t.Fatal("padding no longer recognised at its IP length")
		}
		kind, _ := classify(p)
		switch kind {
		case msgData, msgKeepalive:
			if len(p) < keepaliveLen || p[0] != msgTransport {
				t.Fatalf("transport message of %d bytes", len(p))
			}
		case msgInit:
			if len(p) != initiationLen {
				t.Fatal("initiation length")
			}
		case msgResp:
			if len(p) != responseLen {
				t.Fatal("response length")
			}
			responseSender(p)
		}
	})
}

// FuzzBuildPadding checks that every padding packet buildPadding makes,
// for any length, room and addresses, is recognised and states its length.
func FuzzBuildPadding(f *testing.F) {
	f.Add(1420, 2000, false, []byte{10, 0, 0, 1, 10, 0, 0, 2})
	f.Add(0, 48, true, []byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(-5, 27, false, []byte{})
	f.Fuzz(func(t *testing.T, n, room int, v6 bool, addr []byte) {
		if room < 0 || room > 1<<18 {
			return
		}
		var a16 [16]byte
		copy(a16[:], addr)
		src := netip.AddrFrom16(a16)
		if !v6 {
			src = netip.AddrFrom4([4]byte(a16[:4]))
		}
		b := make([]byte, room)
		got := buildPadding(b, n, src, src)
		min := minPaddingLen4
		if v6 {
			min = minPaddingLen6
		}
		if room < min {
			if got != 0 {
				t.Fatalf("%d bytes built in %d", got, room)
			}
			return
		}
		if got < min || got > room {
			t.Fatalf("built %d bytes in %d", got, room)
		}
		if !isPadding(b[:got]) || ipLen(b[:got]) != got {
			t.Fatalf("built %d bytes: not recognised", got)
		}
		if _, err := netip.ParseAddr(src.String()); err != nil {
			t.Fatal(err)
		}
	})
}
