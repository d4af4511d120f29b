package wgdefense

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"golang.org/x/crypto/curve25519"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
	"golang.zx2c4.com/wireguard/tun/netstack"
)

// deployedMachines are the four machines a VPN deploys for its clients, the
// lines of shared/conformance/deployed.txt. They are public; the copy here
// lets the tests run without the conformance data (TestDeployedCopy checks
// it against the file when the file is there).
var deployedMachines = []string{
	"02eNptjLsNwCAQQ++yQRZImTJlRIfYBDEJA7ERJQtQ0iC+dxSIJ1mWLcv5TsLH9wMmF4KLqwkRAawk2yPR00CHX3V3j1GziWvE09NBBWg9Fjk=",
	"02eNqFjLENwCAMBP8hC2SJlKnTsVr2zBKUaVACNgiBEJxknex/Oezv9fjjRCF8mXLY4pAEbpeFJFlFqJBGA7PqWQ3spCer4l3rnvGDH6+FGlE=",
	"02eNqFjDkOgDAMBL056PkEJTVdvsY/+URKmojDmwiBUDyStbJ35DLuy5anWRrlqLTDcA0AkTXVkDt01ZAHwLFwludZeMsLLILlRRax4+lKcnrnl/8HJzqIIG0=",
	"02eNpdjr0LQVEYxt9zGES5o4myKVksFM45lEHKx0LJYDAZ5C+QRTHIaGETViYDKYPp3ijFYLj3KkmGK2WwuVwiv3rrrafnA1Jm16ijKBQ+6NRDGPJ2E0Xe6YnAD0hFD9nm/ObIHumlv4imZ3Mm8DwvtaxB0Jy1IUex0pYIIB30lhuCYkYvwW6nQFSV41R1L8vkmwlgEOONVvEaYt1SwLhdhxn8gdBgEfXU7RFmzeR9YtPPxrbqOVkLsd29XJhIJfbqRomGheLcYUWeFgxQodrq9wcP1E88/w==",
}

func deployed(t testing.TB) []maybenot.Machine {
	t.Helper()
	ms, err := maybenot.ParseMachines(strings.Join(deployedMachines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestDeployedCopy(t *testing.T) {
	b, err := os.ReadFile("../../shared/conformance/deployed.txt")
	if err != nil {
		t.Skipf("conformance data absent (%v): nothing to compare the embedded copy with", err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if strings.Join(lines, "\n") != strings.Join(deployedMachines, "\n") {
		t.Fatal("deployedMachines differs from shared/conformance/deployed.txt")
	}
}

// end is one end of a test tunnel: a wireguard-go device on a netstack
// TUN and the default Bind on loopback, with or without a Defense.
type end struct {
	dev  *device.Device
	net  *netstack.Net
	d    *Defense
	addr netip.Addr
	port uint16
	pub  [32]byte
	bind *countingBind
	spy  *spyTUN // what wireguard-go wrote, or the wrapper passed on, to the netstack TUN
}

// tunnelConfig sets up a test tunnel. A nil Config leaves that end
// undefended.
type tunnelConfig struct {
	a, b *Config
	mtu  int
	v6   bool
}

// newTunnel makes two ends, a (10.0.0.1 or fd00::1) and b, peers of each
// other over 127.0.0.1. Both are closed when the test ends.
func newTunnel(t testing.TB, tc tunnelConfig) (a, b *end) {
	t.Helper()
	if tc.mtu == 0 {
		tc.mtu = device.DefaultMTU
	}
	addrA, addrB := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	if tc.v6 {
		addrA, addrB = netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2")
	}
	a = newEnd(t, addrA, addrB, tc.a, tc.mtu)
	b = newEnd(t, addrB, addrA, tc.b, tc.mtu)
	a.peerWith(t, b)
	b.peerWith(t, a)
	return a, b
}

func newEnd(t testing.TB, local, peer netip.Addr, c *Config, mtu int) *end {
	t.Helper()
	tunDev, tnet, err := netstack.CreateNetTUN([]netip.Addr{local}, nil, mtu)
	if err != nil {
		t.Fatal(err)
	}
	e := &end{net: tnet, addr: local}
	e.spy = &spyTUN{Device: tunDev}
	tunDev = e.spy
	e.bind = &countingBind{Bind: conn.NewDefaultBind()}
	var bind conn.Bind = e.bind
	if c != nil {
		cc := *c
		cc.LocalAddr, cc.PeerAddr = local, peer
		e.d, err = New(cc)
		if err != nil {
			t.Fatal(err)
		}
		tunDev = e.d.WrapTUN(tunDev)
		bind = e.d.WrapBind(bind)
	}
	e.dev = device.NewDevice(tunDev, bind, device.NewLogger(logLevel(), local.String()+": "))
	t.Cleanup(func() {
		e.dev.Close()
		if e.d != nil {
			e.d.Close()
		}
	})
	var priv [32]byte
	if _, err := rand.Read(priv[:]); err != nil {
		t.Fatal(err)
	}
	priv[0] &= 248
	priv[31] = priv[31]&127 | 64
	pub, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		t.Fatal(err)
	}
	copy(e.pub[:], pub)
	if err := e.dev.IpcSet(fmt.Sprintf("private_key=%s\nlisten_port=0\n", hex.EncodeToString(priv[:]))); err != nil {
		t.Fatal(err)
	}
	if err := e.dev.Up(); err != nil {
		t.Fatal(err)
	}
	cfg, err := e.dev.IpcGet()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(cfg, "\n") {
		if v, ok := strings.CutPrefix(line, "listen_port="); ok {
			p, err := strconv.ParseUint(v, 10, 16)
			if err != nil {
				t.Fatal(err)
			}
			e.port = uint16(p)
		}
	}
	if e.port == 0 {
		t.Fatal("no listen port")
	}
	return e
}

func (e *end) peerWith(t testing.TB, o *end) {
	t.Helper()
	bits := 32
	if o.addr.Is6() {
		bits = 128
	}
	err := e.dev.IpcSet(fmt.Sprintf("public_key=%s\nendpoint=127.0.0.1:%d\nallowed_ip=%s/%d\n",
		hex.EncodeToString(o.pub[:]), o.port, o.addr, bits))
	if err != nil {
		t.Fatal(err)
	}
}

// spyTUN counts the packets written to a TUN: padding packets, and ICMP
// messages (which a stack would send about padding it did not drop
// silently).
type spyTUN struct {
	tun.Device
	mu            sync.Mutex
	padding, icmp int
}

func (s *spyTUN) Write(bufs [][]byte, offset int) (int, error) {
	s.mu.Lock()
	for _, b := range bufs {
		p := b[offset:]
		switch {
		case isPadding(p):
			s.padding++
		case len(p) >= 20 && p[0]>>4 == 4 && p[9] == 1, len(p) >= 40 && p[0]>>4 == 6 && p[6] == 58:
			s.icmp++
		}
	}
	s.mu.Unlock()
	return s.Device.Write(bufs, offset)
}

func (s *spyTUN) counts() (padding, icmp int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.padding, s.icmp
}

// countingBind counts the datagrams a Bind sends, and the lengths of the
// transport data messages among them.
type countingBind struct {
	conn.Bind
	mu      sync.Mutex
	sent    uint64
	lengths map[int]bool
}

func (b *countingBind) Send(bufs [][]byte, ep conn.Endpoint) error {
	b.mu.Lock()
	b.sent += uint64(len(bufs))
	if b.lengths == nil {
		b.lengths = make(map[int]bool)
	}
	for _, buf := range bufs {
		if kind, _ := classify(buf); kind == msgData {
			b.lengths[len(buf)] = true
		}
	}
	b.mu.Unlock()
	return b.Bind.Send(bufs, ep)
}

// dataLengths returns the lengths of the transport data messages sent.
func (b *countingBind) dataLengths() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	var l []int
	for n := range b.lengths {
		l = append(l, n)
	}
	return l
}

func (b *countingBind) datagrams() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent
}

const testPort = 7000

// listen accepts one TCP connection on e.
func (e *end) listen(t testing.TB) <-chan net.Conn {
	t.Helper()
	l, err := e.net.ListenTCPAddrPort(netip.AddrPortFrom(e.addr, testPort))
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 1)
	go func() {
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			close(ch)
			return
		}
		ch <- c
	}()
	return ch
}

// dial connects from e to o's listener.
func (e *end) dial(t testing.TB, o *end) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := e.net.DialContextTCPAddrPort(ctx, netip.AddrPortFrom(o.addr, testPort))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// connect returns a TCP connection from a to b through the tunnel: the
// dialling and the accepted end.
func connect(t testing.TB, a, b *end) (net.Conn, net.Conn) {
	t.Helper()
	accepted := b.listen(t)
	ca := a.dial(t, b)
	select {
	case cb, ok := <-accepted:
		if !ok {
			t.Fatal("accept failed")
		}
		return ca, cb
	case <-time.After(30 * time.Second):
		t.Fatal("no connection accepted")
	}
	panic("unreachable")
}

// stream is n pseudo-random bytes from seed.
func stream(seed uint64, n int64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	return io.LimitReader(mrand.NewChaCha8(s), n)
}

// result is what one direction of an exchange saw.
type result struct {
	sent, received [32]byte
	n              int64
	err            error
}

// exchange sends n bytes each way over c (one end of a connection) and
// returns the SHA-256 of what it sent and of what it received. progress,
// if set, is called once when half has been sent.
func exchange(c net.Conn, seed uint64, n int64, progress func()) result {
	var res result
	var wg sync.WaitGroup
	wg.Add(1)
	var werr error
	go func() {
		defer wg.Done()
		h := sha256.New()
		src := io.TeeReader(stream(seed, n), h)
		w := bufio.NewWriterSize(c, 64<<10)
		if progress != nil {
			if _, werr = io.CopyN(w, src, n/2); werr != nil {
				return
			}
			progress()
		}
		if _, werr = io.Copy(w, src); werr != nil {
			return
		}
		if werr = w.Flush(); werr != nil {
			return
		}
		copy(res.sent[:], h.Sum(nil))
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			werr = cw.CloseWrite()
		}
	}()
	h := sha256.New()
	res.n, res.err = io.Copy(h, c)
	copy(res.received[:], h.Sum(nil))
	wg.Wait()
	if res.err == nil {
		res.err = werr
	}
	return res
}

// transfer moves n bytes each way between a and b over one TCP connection
// and checks that both ends received exactly what the other sent.
// midway, if set, is called when both ends have sent half.
func transfer(t testing.TB, a, b *end, n int64, midway func()) {
	t.Helper()
	ca, cb := connect(t, a, b)
	defer ca.Close()
	defer cb.Close()
	deadline := time.Now().Add(3 * time.Minute)
	ca.SetDeadline(deadline)
	cb.SetDeadline(deadline)
	var half sync.WaitGroup
	half.Add(2)
	var once sync.Once
	if midway != nil {
		go func() {
			half.Wait()
			once.Do(midway)
		}()
	}
	progress := func() { half.Done() }
	if midway == nil {
		progress = nil
	}
	resB := make(chan result, 1)
	go func() { resB <- exchange(cb, 2, n, progress) }()
	ra := exchange(ca, 1, n, progress)
	rb := <-resB
	for _, r := range []result{ra, rb} {
		if r.err != nil && !errors.Is(r.err, io.EOF) {
			t.Fatalf("transfer: %v", r.err)
		}
		if r.n != n {
			t.Fatalf("received %d bytes, want %d", r.n, n)
		}
	}
	if ra.sent != rb.received {
		t.Errorf("b received SHA-256 %x, a sent %x", rb.received, ra.sent)
	}
	if rb.sent != ra.received {
		t.Errorf("a received SHA-256 %x, b sent %x", ra.received, rb.sent)
	}
}

var _ tun.Device = (*tunDevice)(nil)

func logLevel() int {
	if os.Getenv("WGDEFENSE_LOG") != "" {
		return device.LogLevelVerbose
	}
	return device.LogLevelSilent
}
