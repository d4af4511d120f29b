package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/sim"
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
	top := plotTrace{title: "undefended", packets: []packet{
		{at: 0},
		{at: 5 * s, received: true},
		{at: 10 * s},
	}}
	bottom := plotTrace{title: "defended", packets: []packet{
		{at: 0},
		{at: 2 * s, padding: true},
		{at: 5 * s, received: true},
		{at: 10 * s},
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
	tr := plotTrace{title: "t", packets: []packet{{at: time.Millisecond}}}
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

func TestBlockingSpans(t *testing.T) {
	ms := time.Millisecond
	ev := func(e maybenot.Event, at time.Duration, client bool) sim.Event {
		return sim.Event{Event: e, Time: at, Client: client}
	}
	events := []sim.Event{
		ev(maybenot.TunnelSent, 0, true),
		ev(maybenot.BlockingBegin, 1*ms, true),
		ev(maybenot.BlockingBegin, 2*ms, true),  // extends or replaces: the span goes on
		ev(maybenot.BlockingBegin, 3*ms, false), // the server's
		ev(maybenot.BlockingEnd, 4*ms, true),
		ev(maybenot.BlockingEnd, 5*ms, false),
		ev(maybenot.BlockingEnd, 6*ms, true), // none open
		ev(maybenot.BlockingBegin, 7*ms, true),
		ev(maybenot.TunnelRecv, 9*ms, false),
	}
	want := []timeSpan{{1 * ms, 4 * ms}, {7 * ms, 9 * ms}}
	if got := blockingSpans(events); !slices.Equal(got, want) {
		t.Errorf("blockingSpans = %v, want %v", got, want)
	}
}

// decodePNG reads the PNG file called name and checks its size.
func decodePNG(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if w, h := plotPixels(); img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Fatalf("%s is %v, want %dx%d", name, img.Bounds(), w, h)
	}
	return img
}

func TestPlotCommand(t *testing.T) {
	dir := t.TempDir()
	pic := filepath.Join(dir, "page.png")
	code, stdout, stderr := runCLI(t, "", "plot", pic)
	if code != exitOK || !strings.Contains(stdout, "packets out:") || stderr != "" {
		t.Fatalf("plot: exit status %d, stdout:\n%sstderr:\n%s", code, stdout, stderr)
	}
	img := decodePNG(t, pic)
	// The built-in machines pad and block: both show, and only in the
	// defended panel, below the middle of the picture.
	_, h := plotPixels()
	for _, c := range []struct {
		name  string
		color color.RGBA
	}{{"padding", paddingColor}, {"blocking", blockingColor}} {
		px := pixelsOf(img, c.color)
		marks := 0
		for _, ys := range px {
			for _, y := range ys {
				if y < h/2 {
					t.Fatalf("%s drawn at y=%d, in the undefended panel", c.name, y)
				}
			}
			if len(ys) > 60 {
				marks++
			}
		}
		if marks == 0 {
			t.Errorf("no %s drawn", c.name)
		}
	}

	// The summary is simulate's, for the same flags.
	_, want, _ := runCLI(t, "", "simulate", "-quiet")
	if stdout != want {
		t.Errorf("plot's summary differs from simulate -quiet's:\n%s\nwant:\n%s", stdout, want)
	}

	if code, _, stderr := runCLI(t, "", "plot", pic); code != exitError || !strings.Contains(stderr, "exists: use -force") {
		t.Errorf("plot over an existing picture: exit status %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "plot", "-force", "-seed", "2", pic); code != exitOK {
		t.Errorf("plot -force: exit status %d, stderr %q", code, stderr)
	}
	svg := filepath.Join(dir, "page.svg")
	if code, _, stderr := runCLI(t, "", "simulate", "-quiet", "-plot", svg); code != exitOK {
		t.Errorf("simulate -plot: exit status %d, stderr %q", code, stderr)
	} else if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("simulate -plot %s wrote no SVG (%v)", svg, err)
	}
	for _, args := range [][]string{{"plot"}, {"plot", "a.png", "b.png"}, {"plot", "a.gif"}} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit status %d, want %d", args, code, exitUsage)
		}
	}
}

func TestPlotHelp(t *testing.T) {
	runCases(t, []cliCase{{name: "plot_help", args: []string{"plot", "-h"}, code: exitOK}})
}

func TestOutForce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "defended.log")
	if err := os.WriteFile(out, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "simulate", "-quiet", "-out", out)
	if b, _ := os.ReadFile(out); code != exitError || string(b) != "keep\n" || !strings.Contains(stderr, "use -force") {
		t.Errorf("-out over a file: exit status %d, stderr %q, file %q", code, stderr, b)
	}
	if code, _, stderr := runCLI(t, "", "simulate", "-quiet", "-force", "-out", out); code != exitOK {
		t.Fatalf("-force -out: exit status %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(out); !strings.HasSuffix(string(b), ",514\n") {
		t.Errorf("-force -out did not write the defended trace: %.100q", b)
	}
}

func TestTimeTicks(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 0.34, []string{"0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"}},
		{0, 10, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}},
		{0, 45, []string{"0", "5", "10", "15", "20", "25", "30", "35", "40", "45"}},
		{0, 0.0021, []string{"0.0000", "0.0005", "0.0010", "0.0015", "0.0020"}},
		{1, 1, nil},
	} {
		var got []string
		for _, tick := range (timeTicks{}).Ticks(tt.lo, tt.hi) {
			got = append(got, tick.Label)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Ticks(%v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}
