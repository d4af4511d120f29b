package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"
)

// pixelsOf returns the pixels of img that have exactly colour c, as
// columns: for each x, the ys.
func pixelsOf(img image.Image, c color.RGBA) map[int][]int {
	got := map[int][]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B && uint8(a>>8) == c.A {
				got[x] = append(got[x], y)
			}
		}
	}
	return got
}

// columns returns the x of every column in px that holds more than minLen
// pixels, grouped into runs of adjacent columns: one run per mark.
func columns(px map[int][]int, minLen, width int) [][2]int {
	var runs [][2]int
	for x := 0; x < width; x++ {
		if len(px[x]) <= minLen {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1][1] == x-1 {
			runs[n-1][1] = x
			continue
		}
		runs = append(runs, [2]int{x, x})
	}
	return runs
}

func TestWritePlotPNG(t *testing.T) {
	s := time.Second
	top := plotTrace{title: "undefended", packets: []plotPacket{
		{at: 0, sent: true},
		{at: 5 * s, sent: false},
		{at: 10 * s, sent: true},
	}}
	bottom := plotTrace{title: "defended", packets: []plotPacket{
		{at: 0, sent: true},
		{at: 2 * s, sent: true, padding: true},
		{at: 5 * s, sent: false},
		{at: 10 * s, sent: true},
	}, blocking: []timeSpan{{6 * s, 8 * s}}}

	var buf bytes.Buffer
	if err := writePlot(&buf, "png", top, bottom); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w, h := plotPixels()
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("picture is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}

	// Normal marks: three in each panel, at 0, 5 and 10 s. The marks at 0
	// and 10 s sit on the edges of the time axis, so the one at 5 s must
	// lie half way between them.
	normal := pixelsOf(img, normalColor)
	const minMark = 60 // pixels in a mark's column; a legend swatch has far fewer
	runs := columns(normal, minMark, w)
	if len(runs) != 3 {
		t.Fatalf("normal marks in %d runs of columns, want 3 (0, 5 and 10 s): %v", len(runs), runs)
	}
	mid := func(r [2]int) int { return (r[0] + r[1]) / 2 }
	left, centre, right := mid(runs[0]), mid(runs[1]), mid(runs[2])
	if want := (left + right) / 2; centre < want-2 || centre > want+2 {
		t.Errorf("the 5 s mark is at x=%d, want about %d (between %d and %d)", centre, want, left, right)
	}

	// In each column, the sent packets go up and the received one down:
	// split each column into the top and the bottom panel at the picture's
	// middle, and compare with each panel's centre line.
	panelMid := func(ys []int, upper bool) []int {
		var in []int
		for _, y := range ys {
			if (y < h/2) == upper {
				in = append(in, y)
			}
		}
		return in
	}
	for _, upper := range []bool{true, false} {
		first := panelMid(normal[left], upper)   // sent, at 0 s
		fifth := panelMid(normal[centre], upper) // received, at 5 s
		if len(first) == 0 || len(fifth) == 0 {
			t.Fatalf("upper=%v: no marks at 0 s or 5 s in the panel", upper)
		}
		if maxOf(first) > minOf(fifth)+2 {
			t.Errorf("upper=%v: the sent mark (y %d..%d) does not lie above the received one (y %d..%d)",
				upper, minOf(first), maxOf(first), minOf(fifth), maxOf(fifth))
		}
	}

	// Padding: one mark, in the bottom panel only, at 2 s: a fifth of the
	// way along the axis.
	padding := pixelsOf(img, paddingColor)
	pruns := columns(padding, minMark, w)
	if len(pruns) != 1 {
		t.Fatalf("padding marks in %d runs of columns, want 1: %v", len(pruns), pruns)
	}
	px := mid(pruns[0])
	if want := left + (right-left)/5; px < want-2 || px > want+2 {
		t.Errorf("the padding mark is at x=%d, want about %d", px, want)
	}
	for _, y := range padding[px] {
		if y < h/2 {
			t.Fatalf("padding drawn at y=%d, in the undefended panel", y)
		}
	}

	// Blocking: shaded from 6 to 8 s, in the bottom panel only.
	shade := pixelsOf(img, blockingColor)
	sruns := columns(shade, minMark, w)
	if len(sruns) != 1 {
		t.Fatalf("blocking shaded in %d runs of columns, want 1: %v", len(sruns), sruns)
	}
	from, to := sruns[0][0], sruns[0][1]
	wantFrom, wantTo := left+(right-left)*6/10, left+(right-left)*8/10
	if from < wantFrom-2 || from > wantFrom+2 || to < wantTo-2 || to > wantTo+2 {
		t.Errorf("blocking shaded over x=%d..%d, want about %d..%d", from, to, wantFrom, wantTo)
	}
	for _, y := range shade[(from+to)/2] {
		if y < h/2 {
			t.Fatalf("blocking shaded at y=%d, in the undefended panel", y)
		}
	}
}

func TestWritePlotSVG(t *testing.T) {
	var buf bytes.Buffer
	tr := plotTrace{title: "t", packets: []plotPacket{{at: time.Millisecond, sent: true}}}
	if err := writePlot(&buf, "svg", tr, tr); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "<svg") || !strings.Contains(s, "</svg>") {
		t.Fatalf("not an SVG document: %.200q", s)
	}
}

func TestPlotFormat(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"a.png", "png", true},
		{"dir/B.PNG", "png", true},
		{"x.svg", "svg", true},
		{"x.jpg", "", false},
		{"png", "", false},
	} {
		got, err := plotFormat(tt.name)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("plotFormat(%q) = %q, %v; want %q, ok %v", tt.name, got, err, tt.want, tt.ok)
		}
	}
}

func minOf(xs []int) int {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func maxOf(xs []int) int {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
