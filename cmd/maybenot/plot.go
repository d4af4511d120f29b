package main

import (
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/sim"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// A plotTrace is one trace as a picture shows it: its packets, seen from
// the client, and the spans of time when the client's outgoing traffic was
// blocked.
type plotTrace struct {
	title    string
	packets  []packet
	blocking []timeSpan
}

// A timeSpan is an interval of time.
type timeSpan struct{ from, to time.Duration }

// The colours of the picture: normal packets, padding packets and the
// shading of blocking.
var (
	normalColor   = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9c, A: 0xff}
	paddingColor  = color.RGBA{R: 0xe8, G: 0x6a, B: 0x10, A: 0xff}
	blockingColor = color.RGBA{R: 0xf2, G: 0xc4, B: 0xc4, A: 0xff}
)

// Picture size and resolution.
const (
	plotWidth  = 10 * vg.Inch
	plotHeight = 6 * vg.Inch
	plotDPI    = 96
)

// plotFormat returns the image format that a picture file's name asks for:
// "png" or "svg", by its extension.
func plotFormat(name string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("%s: the picture's file name must end in .png or .svg", name)
	}
}

// writePlot draws top above bottom (typically the undefended trace above
// the defended one), on one time axis, and writes the picture to w in
// format ("png" or "svg"). In each panel a sent packet is a mark going up
// from the middle, a received one a mark going down; normal packets and
// padding have their own colours, and blocking is shaded.
func writePlot(w io.Writer, format string, top, bottom plotTrace) error {
	end := max(traceEnd(top), traceEnd(bottom))
	if end <= 0 {
		end = time.Second
	}
	plots := [][]*plot.Plot{{tracePlot(top, end)}, {tracePlot(bottom, end)}}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(12), PadTop: vg.Points(8),
		PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(12)}

	var canvas interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case "png":
		img := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
		canvas = vgimg.PngCanvas{Canvas: img}
	case "svg":
		canvas = vgsvg.New(plotWidth, plotHeight)
	default:
		return fmt.Errorf("unknown picture format %q", format)
	}
	dc := draw.New(canvas)
	// A white background, also behind SVG's transparent default.
	dc.FillPolygon(color.White, []vg.Point{{X: dc.Min.X, Y: dc.Min.Y}, {X: dc.Max.X, Y: dc.Min.Y},
		{X: dc.Max.X, Y: dc.Max.Y}, {X: dc.Min.X, Y: dc.Max.Y}})
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	_, err := canvas.WriteTo(w)
	return err
}

// traceEnd returns the time of the last thing that happens in t.
func traceEnd(t plotTrace) time.Duration {
	var end time.Duration
	for _, p := range t.packets {
		end = max(end, p.at)
	}
	for _, s := range t.blocking {
		end = max(end, s.to)
	}
	return end
}

// tracePlot returns the panel of one trace, with a time axis from 0 to end.
func tracePlot(t plotTrace, end time.Duration) *plot.Plot {
	p := plot.New()
	p.Title.Text = t.title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "received ↓   sent ↑"
	p.X.Min, p.X.Max = 0, end.Seconds()
	// The marks reach 0.9 either way; the room above holds the legend.
	p.Y.Min, p.Y.Max = -1, 1.6
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Marker = timeTicks{}
	p.Y.Tick.Marker = plot.ConstantTicks(nil)
	p.Add(marks{t})

	normal, padding := false, false
	for _, pk := range t.packets {
		normal = normal || !pk.padding
		padding = padding || pk.padding
	}
	if normal {
		p.Legend.Add("normal", legendSwatch(normalColor))
	}
	if padding {
		p.Legend.Add("padding", legendSwatch(paddingColor))
	}
	if len(t.blocking) > 0 {
		p.Legend.Add("blocking", legendSwatch(blockingColor))
	}
	p.Legend.Top = true
	return p
}

// marks draws a trace's blocking spans and packets on a panel.
type marks struct{ t plotTrace }

// Plot implements plot.Plotter.
func (m marks) Plot(c draw.Canvas, p *plot.Plot) {
	x, y := p.Transforms(&c)
	for _, s := range m.t.blocking {
		x0, x1 := x(s.from.Seconds()), x(s.to.Seconds())
		if x1-x0 < 1 { // keep even a brief blocking visible
			x1 = x0 + 1
		}
		c.FillPolygon(blockingColor, c.ClipPolygonXY([]vg.Point{
			{X: x0, Y: y(-1)}, {X: x1, Y: y(-1)}, {X: x1, Y: y(1)}, {X: x0, Y: y(1)},
		}))
	}
	// Normal packets first, so that padding, usually the rarer, stays
	// visible where they overlap.
	for _, padding := range []bool{false, true} {
		style := draw.LineStyle{Color: normalColor, Width: vg.Points(1.5)}
		if padding {
			style.Color = paddingColor
		}
		for _, pk := range m.t.packets {
			if pk.padding != padding {
				continue
			}
			to := 0.9
			if pk.received {
				to = -0.9
			}
			px := x(pk.at.Seconds())
			c.StrokeLine2(style, px, y(0), px, y(to))
		}
	}
	c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 0x80}, Width: vg.Points(0.5)},
		c.Min.X, y(0), c.Max.X, y(0))
}

// timeTicks marks a time axis in seconds every 1, 2 or 5 times a power of
// ten, with about ten labels.
type timeTicks struct{}

// Ticks implements plot.Ticker.
func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return nil
	}
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/10)))
	for _, m := range []float64{1, 2, 5, 10} {
		if (hi-lo)/(step*m) <= 10 {
			step *= m
			break
		}
	}
	// As many decimals as the step needs, so that 3 × 0.05 reads 0.15.
	decimals := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi; i++ {
		v := i * step
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

// legendSwatch is a filled square for a legend entry.
type legendSwatch color.RGBA

// Thumbnail implements plot.Thumbnailer.
func (s legendSwatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(color.RGBA(s), []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// plotPixels returns the picture's size in pixels.
func plotPixels() (w, h int) {
	return int(math.Round(plotWidth.Dots(plotDPI))), int(math.Round(plotHeight.Dots(plotDPI)))
}

var plotCmd = &command{
	name:    "plot",
	args:    "[flags] PICTURE",
	summary: "draw a trace, undefended and defended, to a PNG or SVG picture",
	doc: `Plot simulates a trace as simulate does, with the same flags, and draws it
to the file PICTURE, as PNG or SVG by its extension (.png, .svg): the trace
without machines above, the defended trace below, on one time axis. Each
packet the client sent is a mark going up from the middle line, each one it
received a mark going down; normal packets and padding have their own
colours, and the spans of time when the client's outgoing traffic was
blocked are shaded. Then it prints simulate's summary.

A blocking span runs from a BlockingBegin at the client to the next
BlockingEnd. With -max-trace-length and -only-network-activity (the
default) the run returns no blocking events, so nothing is shaded.

Examples:
  maybenot plot page.png
  maybenot plot -client-spec "front 1700 1 14 100" -seed 3 front.svg
  maybenot plot -client machines.txt -trace page.log -force page.png
`,
	setup: setupPlot,
}

// setupPlot defines the flags of plot on fs: simulate's for one trace.
func setupPlot(fs *flag.FlagSet) func(*env, []string) error {
	f := &simulateFlags{}
	f.defineRun(fs)
	fs.BoolVar(&f.force, "force", false, "overwrite PICTURE if it exists")
	return func(e *env, args []string) error {
		if len(args) != 1 {
			return usageError{fmt.Sprintf("want one argument, the picture's file (.png or .svg), got %d", len(args))}
		}
		f.plot, f.quiet = args[0], true
		return runSimulate(e, f, nil)
	}
}

// writePlotFile draws top above bottom to the picture file called name,
// which must not exist unless force is set.
func writePlotFile(name string, force bool, top, bottom plotTrace) error {
	format, err := plotFormat(name)
	if err != nil {
		return err
	}
	file, err := createOutput(name, force)
	if err != nil {
		return err
	}
	if err := writePlot(file, format, top, bottom); err != nil {
		file.Close()
		os.Remove(name)
		return fmt.Errorf("drawing %s: %w", name, err)
	}
	return file.Close()
}

// blockingSpans returns when the client's outgoing traffic was blocked,
// from the events of a run: a span starts at a BlockingBegin at the client
// while none is open and ends at the next BlockingEnd there. (A
// BlockingBegin that blocked nothing, for zero time, looks the same; the
// events do not tell them apart.) A span still open at the end runs to
// the last event.
func blockingSpans(events []sim.Event) []timeSpan {
	var spans []timeSpan
	open := false
	var from, last time.Duration
	for _, e := range events {
		last = max(last, e.Time)
		if !e.Client {
			continue
		}
		switch {
		case e.Event == maybenot.BlockingBegin && !open:
			open, from = true, e.Time
		case e.Event == maybenot.BlockingEnd && open:
			open = false
			spans = append(spans, timeSpan{from, e.Time})
		}
	}
	if open {
		spans = append(spans, timeSpan{from, last})
	}
	return spans
}
