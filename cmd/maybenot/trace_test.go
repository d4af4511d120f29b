package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/sim"
)

func TestWriteTrace(t *testing.T) {
	packets := []packet{
		{at: 0},
		{at: 1500, padding: true},
		{at: 2 * time.Millisecond, received: true},
		{at: 3 * time.Millisecond, received: true, padding: true},
		{at: -5},
	}
	var b bytes.Buffer
	if err := writeTrace(&b, packets, 514); err != nil {
		t.Fatal(err)
	}
	want := "0,sn,514\n1500,sp,514\n2000000,rn,514\n3000000,rp,514\n0,sn,514\n"
	if b.String() != want {
		t.Errorf("writeTrace wrote\n%s\nwant\n%s", b.String(), want)
	}
}

func TestClientPackets(t *testing.T) {
	events := []sim.Event{
		{Event: maybenot.TunnelSent, Client: true, Time: 1},
		{Event: maybenot.TunnelRecv, Client: false, Time: 2},
		{Event: maybenot.NormalSent, Client: true, Time: 3},
		{Event: maybenot.TunnelRecv, Client: true, Padding: true, Time: 4},
		{Event: maybenot.PaddingSent, Client: true, Padding: true, Time: 5},
		{Event: maybenot.TunnelSent, Client: true, Padding: true, Time: 6},
	}
	want := []packet{{at: 1}, {at: 4, received: true, padding: true}, {at: 6, padding: true}}
	if got := clientPackets(events); !slices.Equal(got, want) {
		t.Errorf("clientPackets = %v, want %v", got, want)
	}
}

// TestByteCounter checks the sizes counted as a trace goes through, in
// pieces of any length.
func TestByteCounter(t *testing.T) {
	const trace = "# comment, with a comma\n0,s,100\n1,r\n2,sn,7,extra\r\n3,sp,1000\n4,rn, 30 \n5,rp\nbad\n6,r,x\n7,s,-1\n8,r,40"
	// 100 + 514 (no size) + 7 + 30 + 514 (x) + 514 (-1) + 40.
	const want = 100 + 514 + 7 + 30 + 514 + 514 + 40
	for _, piece := range []int{1, 3, 7, len(trace)} {
		c := &byteCounter{size: 514}
		for s := trace; s != ""; {
			n := min(piece, len(s))
			c.Write([]byte(s[:n]))
			s = s[n:]
		}
		c.close()
		if c.total != want {
			t.Errorf("pieces of %d: %d bytes, want %d", piece, c.total, want)
		}
	}
}

func TestReadTrace(t *testing.T) {
	tr, n, err := readTrace(iotest.OneByteReader(strings.NewReader("0,s,60\n5,r,1400\n9,sp,514\n")), sim.Network{}, nil, nil, 514)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 2 || n != 1460 {
		t.Errorf("%d packets, %d bytes; want 2 and 1460", tr.Len(), n)
	}
	if _, _, err := readTrace(strings.NewReader("0,q\n"), sim.Network{}, nil, nil, 514); err == nil {
		t.Error("a bad trace read")
	}
}
