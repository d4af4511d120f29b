//go:build unix

package wgdefense

import (
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// BenchmarkTunnel streams TCP data one way through two wireguard-go
// devices on netstack TUNs over loopback UDP: plain wireguard-go, wrapped
// with no machines, and wrapped with the deployed machines at both ends.
// Besides throughput (MB/s) it reports the CPU time of the whole process
// (user and system, every goroutine: both devices, both TCP stacks)
// divided by the UDP datagrams the two Binds sent, as cpu-ns/datagram,
// and the datagrams per 64 KiB op.
func BenchmarkTunnel(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  *Config
	}{
		{"plain", nil},
		{"wrapped", &Config{}},
		{"deployed", &Config{Machines: deployed(b)}},
		{"deployed/ConstantSize", &Config{Machines: deployed(b), ConstantSize: true}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchTunnel(b, bc.cfg) })
	}
}

func benchTunnel(b *testing.B, cfg *Config) {
	a, z := newTunnel(b, tunnelConfig{a: cfg, b: cfg})
	ca, cz := connect(b, a, z)
	defer ca.Close()
	defer cz.Close()
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	// Warm up: the handshake, TCP's window, the buffers.
	done := make(chan error, 1)
	drain := func(n int64) {
		_, err := io.CopyN(io.Discard, cz, n)
		done <- err
	}
	go drain(4 << 20)
	for range (4 << 20) / chunk {
		if _, err := ca.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}

	b.SetBytes(chunk)
	b.ReportAllocs()
	dgrams := a.bind.datagrams() + z.bind.datagrams()
	cpu := cpuTime()
	b.ResetTimer()
	go drain(int64(b.N) * chunk)
	for range b.N {
		if _, err := ca.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	dgrams = a.bind.datagrams() + z.bind.datagrams() - dgrams
	if dgrams > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(dgrams), "cpu-ns/datagram")
		b.ReportMetric(float64(dgrams)/float64(b.N), "datagrams/op")
	}
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWrappedPacket measures the wrappers' own work per packet with
// no tunnel around them: a packet through the wrapped TUN's Read, back
// through its Write, one Send and one receive of the wrapped Bind, with
// the deployed machines or none.
func BenchmarkWrappedPacket(b *testing.B) {
	for _, bc := range []struct {
		name     string
		machines []maybenot.Machine
	}{{"none", nil}, {"deployed", deployed(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			d, err := New(Config{Machines: bc.machines, LocalAddr: testLocal, PeerAddr: testPeer})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			tn := d.WrapTUN(&genTUN{pkt: ipv4Packet(1400, 0)})
			defer tn.Close()
			w := d.WrapBind(&genBind{msg: transport(3, 1400)})
			fns, _, err := w.Open(0)
			if err != nil {
				b.Fatal(err)
			}
			init := make([]byte, initiationLen)
			init[0] = msgInitiation
			init[senderIndexOffset] = 3
			w.Send([][]byte{init}, nil)
			bufs := [][]byte{make([]byte, 1<<16-1)}
			sizes := make([]int, 1)
			rbufs := [][]byte{make([]byte, 2048)}
			sent := [][]byte{transport(9, 1400)}
			wb := make([][]byte, 1)
			b.ReportAllocs()
			b.SetBytes(1400)
			for b.Loop() {
				n, err := tn.Read(bufs, sizes, 16)
				if err != nil || n != 1 {
					b.Fatal(n, err)
				}
				wb[0] = bufs[0][:16+sizes[0]]
				tn.Write(wb, 16)
				w.Send(sent, nil)
				fns[0](rbufs, sizes, nil)
			}
		})
	}
}
