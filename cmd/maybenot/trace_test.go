package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseTrace(t *testing.T) {
	input := "# a comment\n" +
		"0,s,514\n" +
		"\n" +
		"  1000 , r \r\n" + // spaces and a CRLF line end
		"1000,s\n" +
		"   # an indented comment\n" +
		"2500000,r,1420\n"
	got, err := parseTrace(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	want := []tracePacket{
		{0, sent},
		{1000, received},
		{1000, sent},
		{2500 * time.Microsecond, received},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parseTrace = %v, want %v", got, want)
	}
}

func TestParseTraceErrors(t *testing.T) {
	for _, tc := range []struct {
		input string
		want  string // the whole error message
	}{
		{"", "no packets in the trace"},
		{"# nothing\n\n", "no packets in the trace"},
		{"0,s\n5\n", `line 2: "5" has 1 fields, want time_ns,s|r or time_ns,s|r,size`},
		{"0,s,514,9\n", `line 1: "0,s,514,9" has 4 fields, want time_ns,s|r or time_ns,s|r,size`},
		{"x,s\n", `line 1: time "x" is not a whole number of nanoseconds (0 to 3153600000000000000)`},
		{"-5,s\n", `line 1: time "-5" is not a whole number of nanoseconds (0 to 3153600000000000000)`},
		{"1.5,s\n", `line 1: time "1.5" is not a whole number of nanoseconds (0 to 3153600000000000000)`},
		{"3153600000000000001,s\n", "line 1: time 3153600000000000001 ns is more than the largest, 3153600000000000000 ns"},
		{"0,s\n\n# c\n10,x\n", `line 4: direction "x" is neither s (sent) nor r (received)`},
		{"0,sn\n", `line 1: direction "sn" is neither s (sent) nor r (received)`},
		{"0,s,big\n", `line 1: size "big" is not a whole number`},
		{"10,s\n9,r\n", "line 2: time 9 ns is before the time of the packet before it, 10 ns"},
		{"0,s\n" + strings.Repeat("1", 70_000) + "\n", "line 2: line too long"},
	} {
		_, err := parseTrace(strings.NewReader(tc.input))
		if err == nil || err.Error() != tc.want {
			t.Errorf("parseTrace(%.40q) error = %v, want %q", tc.input, err, tc.want)
		}
	}
}

func TestWriteTrace(t *testing.T) {
	records := []record{
		{at: 0, dir: sent},
		{at: 1500, dir: sent, padding: true},
		{at: 2 * time.Millisecond, dir: received},
		{at: 3 * time.Millisecond, dir: received, padding: true},
		{at: 4 * time.Millisecond, dir: sent, delay: time.Millisecond},
	}
	var b bytes.Buffer
	if err := writeTrace(&b, records); err != nil {
		t.Fatal(err)
	}
	want := "0,sn,514\n1500,sp,514\n2000000,rn,514\n3000000,rp,514\n4000000,sn,514\n"
	if b.String() != want {
		t.Errorf("writeTrace wrote\n%s\nwant\n%s", b.String(), want)
	}
}
