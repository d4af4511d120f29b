package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
	"github.com/maybenot-go/maybenot/machines"
	"github.com/maybenot-go/maybenot/sim"
)

var simulateCmd = &command{
	name:    "simulate",
	args:    "[flags]",
	summary: "run machines over a packet trace and show the defended traffic",
	doc: `Simulate runs machines at the client and at the server of a connection over
a packet trace, with the simulator of package sim (the reference
simulator's semantics, event for event), and shows the defended traffic and
what the defense costs beside the same trace without machines.

A trace has one line per packet, "time_ns,direction[,size]": the time in
nanoseconds since the start, and s (or sn) for a packet the client sent, r
(or rn) for one it received; sp and rp lines (padding) are skipped, and so
are lines without a comma. The defended trace is written in the same format
with sn, sp, rn and rp, every packet of -size bytes, so simulate reads its
own output.

With -trace FILE (or the built-in page load), simulate prints the events the
simulation returns (-only-network-activity, the default, keeps the packets
sent and received) and a summary: packets out and in, the padding in
packets and bytes, the time to the last normal packet, and how much later
normal packets were sent, each without and with the machines. -quiet prints
the summary alone. -out FILE writes the defended trace, as the client sees
it, to FILE; -out - writes it to standard output, alone.

With -dataset DIR -out DIR, simulate runs every file under the first
directory (recursively, leaving out names starting with "."), -j at a time,
and writes each defended trace to the same path under the second; it then
prints a table of the traces and their totals (-quiet: the totals alone).
A file that fails is reported with its name and the others go on; the exit
status is then 1. On a terminal a progress bar shows how far it is.

The machines draw from xoshiro256** seeded with -seed at the client and
-seed+1 at the server, as the reference's insecure_rng_seed; integration
delays from -seed+2 and -seed+3. In -dataset mode each trace gets its own
seed, made from -seed and its path under DIR (the same whatever else DIR
holds). So the same flags always give the same output.

A trace is read as it streams, a line at a time: lines of at most 64 KiB,
at most 4,194,304 packets. Simulating keeps 24 bytes per packet of the
trace and 40 per event the run returns, for the run with the machines and
the one without; -max-iterations (20,000,000 unless set) bounds the events.
With the built-in machines a 64 MiB trace of 3.3 million packets peaks at
about 0.9 GB; -j multiplies that.

An integration (-client-integration, -server-integration) is a JSON object
with any of "action_delay", "reporting_delay" and "trigger_delay", each a
delay in milliseconds or a distribution in the reference's form,
{"(min_ms, max_ms)": probability, ...}; for example
  {"action_delay": 0.5, "reporting_delay": {"(0.1, 0.3)": 1}}

` + defaultsDoc + `
Examples:
  maybenot simulate
  maybenot simulate -seed 7 -quiet
  maybenot simulate -client machines.txt -trace page.log -out defended.log
  maybenot simulate -client c.txt -server s.txt -dataset traces -out defended -j 8
`,
	setup: setupSimulate,
}

// simulateFlags are the flags of simulate.
type simulateFlags struct {
	client, server, trace, dataset, out   string
	clientSpecs, serverSpecs              specsFlag
	budget                                *machinesBudget
	plot                                  string
	force                                 bool
	delay                                 time.Duration
	pps                                   int
	clientIntegration                     string
	serverIntegration                     string
	seed                                  uint64
	maxTraceLength, maxIterations         int
	continueAfterTrace                    bool
	onlyClientEvents                      bool
	onlyNetworkActivity                   bool
	paddingFracClient, blockingFracClient float64
	paddingFracServer, blockingFracServer float64
	size                                  int
	jobs                                  int
	quiet                                 bool
}

// defaultMaxIterations bounds each simulation unless -max-iterations says
// otherwise: the reference has no bound, and machines that pad without
// end never let a simulation finish. It is some 80 times what the
// deployed machines take per packet, over a million packets.
const defaultMaxIterations = 20_000_000

// setupSimulate defines the flags of simulate on fs.
func setupSimulate(fs *flag.FlagSet) func(*env, []string) error {
	f := &simulateFlags{}
	f.defineRun(fs)
	fs.StringVar(&f.dataset, "dataset", "", "simulate every trace under the directory `DIR` (with -out DIR)")
	fs.StringVar(&f.out, "out", "", "write the defended trace to `FILE` (- for standard output alone), or\nwith -dataset the defended traces under the directory FILE")
	fs.StringVar(&f.plot, "plot", "", "draw the trace, undefended and defended, to the picture `FILE`\n(.png or .svg)")
	fs.BoolVar(&f.force, "force", false, "overwrite the files of -out and -plot if they exist")
	fs.IntVar(&f.jobs, "j", 0, "simulate this many traces of a dataset at once (0: one per core)")
	fs.BoolVar(&f.quiet, "quiet", false, "print the summary only")
	return func(e *env, args []string) error { return runSimulate(e, f, args) }
}

// defineRun defines on fs the flags of a simulation: machines, trace,
// network, integrations, seed and the options of the run.
func (f *simulateFlags) defineRun(fs *flag.FlagSet) {
	fs.StringVar(&f.client, "client", "", "read the client's machine strings, one per line, from `FILE` (- for\nstandard input)")
	fs.StringVar(&f.server, "server", "", "read the server's machine strings from `FILE` (- for standard input)")
	f.budget = defineBudget(fs)
	fs.Var(&f.clientSpecs, "client-spec", "add the machines of the defense `SPEC` at the client (see \"maybenot\nmachines -list\"); may be repeated")
	fs.Var(&f.serverSpecs, "server-spec", "add the machines of the defense `SPEC` at the server; may be repeated")
	fs.StringVar(&f.trace, "trace", "", "read the trace from `FILE` (- for standard input) instead of using the\nbuilt-in page load")
	fs.DurationVar(&f.delay, "delay", 10*time.Millisecond, "the network's one-way delay between client and server, a `duration`")
	fs.IntVar(&f.pps, "pps", 0, "the network's bottleneck in `packets` per second (0: 10 times the\nbusiest 100 ms of the trace)")
	fs.StringVar(&f.clientIntegration, "client-integration", "", "the client's integration delays, as `JSON` (see \"maybenot simulate -h\")")
	fs.StringVar(&f.serverIntegration, "server-integration", "", "the server's integration delays, as `JSON`")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random numbers")
	fs.IntVar(&f.maxTraceLength, "max-trace-length", 0, "stop after this many events are returned (0: no limit)")
	fs.IntVar(&f.maxIterations, "max-iterations", defaultMaxIterations, "stop after this many events are simulated (0: no limit)")
	fs.BoolVar(&f.continueAfterTrace, "continue", false, "go on after the trace's packets are through, while the machines act")
	fs.BoolVar(&f.onlyClientEvents, "only-client-events", false, "return the client's events only")
	fs.BoolVar(&f.onlyNetworkActivity, "only-network-activity", true, "return only packets sent and received")
	fs.Float64Var(&f.paddingFracClient, "max-padding-frac-client", 0, "cap the client's padding at this `fraction` of its packets sent\n(0 to 1; 0: no cap beyond the machines' own)")
	fs.Float64Var(&f.blockingFracClient, "max-blocking-frac-client", 0, "cap the client's blocking at this `fraction` of the time (0 to 1)")
	fs.Float64Var(&f.paddingFracServer, "max-padding-frac-server", 0, "cap the server's padding at this `fraction` (0 to 1)")
	fs.Float64Var(&f.blockingFracServer, "max-blocking-frac-server", 0, "cap the server's blocking at this `fraction` (0 to 1)")
	fs.IntVar(&f.size, "size", defaultPacketSize, "the size in `bytes` written for every packet of a defended trace and\ncounted for each padding packet")
}

// specsFlag is a flag that may be given several times, each time a SPEC of
// the machine library.
type specsFlag []machines.Spec

func (s *specsFlag) String() string {
	if s == nil {
		return ""
	}
	var b strings.Builder
	for i, spec := range *s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(spec.String())
	}
	return b.String()
}

func (s *specsFlag) Set(v string) error {
	spec, err := parseSpecArg(v)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "machines: "))
	}
	*s = append(*s, spec)
	return nil
}

// check reports flags that make no sense together or are out of range.
func (f *simulateFlags) check(args []string) error {
	stdin := 0
	for _, name := range []string{f.client, f.server, f.trace} {
		if name == "-" {
			stdin++
		}
	}
	fracs := []struct {
		name string
		v    float64
	}{{"-max-padding-frac-client", f.paddingFracClient}, {"-max-blocking-frac-client", f.blockingFracClient},
		{"-max-padding-frac-server", f.paddingFracServer}, {"-max-blocking-frac-server", f.blockingFracServer}}
	for _, fr := range fracs {
		if !(fr.v >= 0 && fr.v <= 1) {
			return usageError{fmt.Sprintf("%s %v is not in [0, 1]", fr.name, fr.v)}
		}
	}
	switch {
	case len(args) > 0:
		return usageError{fmt.Sprintf("unexpected argument %q: simulate takes flags only", args[0])}
	case stdin > 1:
		return usageError{"only one of -client, -server and -trace can read standard input"}
	case f.dataset != "" && f.trace != "":
		return usageError{"-trace and -dataset cannot go together"}
	case f.dataset != "" && (f.out == "" || f.out == "-"):
		return usageError{"-dataset needs -out DIR, the directory for the defended traces"}
	case f.dataset != "" && f.plot != "":
		return usageError{"-plot draws one trace: it cannot go with -dataset"}
	case f.delay < 0 || f.delay > sim.MaxDelay:
		return usageError{fmt.Sprintf("-delay %v is not between 0 and %v", f.delay, sim.MaxDelay)}
	case f.pps < 0 || uint64(f.pps) > math.MaxUint32:
		return usageError{fmt.Sprintf("-pps %d is not between 0 and %d", f.pps, uint32(math.MaxUint32))}
	case f.maxTraceLength < 0:
		return usageError{fmt.Sprintf("-max-trace-length %d is negative", f.maxTraceLength)}
	case f.maxIterations < 0:
		return usageError{fmt.Sprintf("-max-iterations %d is negative", f.maxIterations)}
	case f.size < 0 || f.size > 1<<30:
		return usageError{fmt.Sprintf("-size %d is not between 0 and %d", f.size, 1<<30)}
	case f.jobs < 0:
		return usageError{fmt.Sprintf("-j %d is negative", f.jobs)}
	}
	return nil
}

// simulation is what simulate does to each trace: the machines, the
// network, the integrations and the options of a run.
type simulation struct {
	client, server []maybenot.Machine
	clientNames    []string
	serverNames    []string
	network        sim.Network
	clientDelays   *sim.Integration // without Rand: each trace gets its own
	serverDelays   *sim.Integration
	options        sim.Options
	size           int
	// table says that the events of the run are printed: else they are
	// dropped once the client's packets are taken from them.
	table bool
	// plot says that the trace is drawn.
	plot bool
}

// runSimulate loads the machines, and simulates the trace or the dataset.
func runSimulate(e *env, f *simulateFlags, args []string) error {
	if err := f.check(args); err != nil {
		return err
	}
	s := &simulation{
		network: sim.Network{Delay: f.delay, PacketsPerSecond: f.pps},
		size:    f.size,
		options: sim.Options{
			MaxTraceLength:        f.maxTraceLength,
			MaxIterations:         f.maxIterations,
			ContinueAfterTrace:    f.continueAfterTrace,
			OnlyClientEvents:      f.onlyClientEvents,
			OnlyNetworkActivity:   f.onlyNetworkActivity,
			MaxPaddingFracClient:  f.paddingFracClient,
			MaxBlockingFracClient: f.blockingFracClient,
			MaxPaddingFracServer:  f.paddingFracServer,
			MaxBlockingFracServer: f.blockingFracServer,
		},
	}
	s.options.Network = s.network
	if f.plot != "" {
		if _, err := plotFormat(f.plot); err != nil {
			return usageError{"-plot " + err.Error()}
		}
	}
	var err error
	if f.client == "" && f.server == "" && len(f.clientSpecs) == 0 && len(f.serverSpecs) == 0 {
		s.client, s.clientNames = defaultMachines()
	} else {
		// The specs' builders that draw take their draws from one
		// source, the client's first, as "maybenot machines -seed".
		rng := splitmix.New(f.seed)
		if s.client, s.clientNames, err = loadSide(e, f.client, "-client-spec", f.clientSpecs, *f.budget, rng); err != nil {
			return err
		}
		if s.server, s.serverNames, err = loadSide(e, f.server, "-server-spec", f.serverSpecs, *f.budget, rng); err != nil {
			return err
		}
	}
	if s.clientDelays, err = parseIntegration(f.clientIntegration); err != nil {
		return usageError{"-client-integration: " + err.Error()}
	}
	if s.serverDelays, err = parseIntegration(f.serverIntegration); err != nil {
		return usageError{"-server-integration: " + err.Error()}
	}
	if f.dataset != "" {
		return runDataset(e, f, s)
	}
	return runOne(e, f, s)
}

// loadSide returns the machines of one side, and their names: those in the
// file called name ("-" for standard input; none if name is empty), then
// those of specs (of the flag called flagName), built with rng. The file's
// machines may take up to budget.
func loadSide(e *env, name string, flagName string, specs []machines.Spec, budget machinesBudget, rng rand.Source) ([]maybenot.Machine, []string, error) {
	var ms []maybenot.Machine
	var names []string
	if name != "" {
		data, err := readFile(e, name)
		if err != nil {
			return nil, nil, err
		}
		if ms, err = parseMachines(string(data), budget); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", displayName(name), err)
		}
		for i := range ms {
			names = append(names, ms[i].Name())
		}
	}
	for _, spec := range specs {
		built, err := spec.Machines(rng)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", flagName, spec, err)
		}
		for i := range built {
			names = append(names, spec.String()+" "+built[i].Name())
		}
		ms = append(ms, built...)
	}
	return ms, names, nil
}

// parseIntegration parses an integration flag, or returns nil for "".
func parseIntegration(s string) (*sim.Integration, error) {
	if s == "" {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&fields); err != nil || dec.More() || fields == nil {
		return nil, errors.New(`want a JSON object such as {"action_delay": 0.5}`)
	}
	in := &sim.Integration{}
	for key, raw := range fields {
		var d *sim.BinDist
		switch key {
		case "action_delay":
			d = &in.ActionDelay
		case "reporting_delay":
			d = &in.ReportingDelay
		case "trigger_delay":
			d = &in.TriggerDelay
		default:
			return nil, fmt.Errorf("unknown field %q: want action_delay, reporting_delay or trigger_delay", cut(key, 40))
		}
		text := string(raw)
		var ms float64
		if json.Unmarshal(raw, &ms) == nil {
			v := strconv.FormatFloat(ms, 'g', -1, 64)
			text = `{"(` + v + `, ` + v + `)": 1}`
		}
		bd, err := sim.ParseBinDist(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", key, strings.TrimPrefix(err.Error(), "sim: "))
		}
		*d = bd
	}
	return in, nil
}

// cut shortens s to at most n bytes for a message.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// outcome is the result of simulating one trace.
type outcome struct {
	trace    *sim.Trace
	events   []sim.Event // defended
	defended []packet    // at the client
	stats    traceStats

	// With a plot: the baseline's packets at the client, and when the
	// client's outgoing traffic was blocked.
	baseline []packet
	blocking []timeSpan
}

// integrations returns the integrations for a trace simulated with seed.
func (s *simulation) integrations(seed uint64) (client, server *sim.Integration) {
	if s.clientDelays != nil {
		c := *s.clientDelays
		c.Rand = sim.Xoshiro256StarStar(seed + 2)
		client = &c
	}
	if s.serverDelays != nil {
		c := *s.serverDelays
		c.Rand = sim.Xoshiro256StarStar(seed + 3)
		server = &c
	}
	return client, server
}

// simulate parses the trace in r and simulates it with the machines and
// without (the baseline). The integrations draw, in this order, for the
// parsing, the defended run and the baseline.
func (s *simulation) simulate(r io.Reader, seed uint64) (*outcome, error) {
	ci, si := s.integrations(seed)
	tr, bytes, err := readTrace(r, s.network, ci, si, s.size)
	if err != nil {
		return nil, err
	}
	o := s.options
	o.ClientIntegration, o.ServerIntegration = ci, si
	if o.MaxTraceLength == 0 && !s.table {
		// Only the client's packets are kept: without a limit on the
		// events returned, returning only the client's changes nothing
		// else, and it halves the memory.
		o.OnlyClientEvents = true
	}
	// A plot shades blocking, so it needs the blocking events: the run
	// returns them, and the table leaves them out again if it was asked
	// for packets alone. With a limit on the events returned, that would
	// change the run: then blocking is shaded only if returned anyway.
	onlyPackets := false
	if s.plot && o.OnlyNetworkActivity && o.MaxTraceLength == 0 {
		o.OnlyNetworkActivity, onlyPackets = false, true
	}
	o.ClientRand, o.ServerRand = sim.Xoshiro256StarStar(seed), sim.Xoshiro256StarStar(seed+1)
	events, err := sim.Run(s.client, s.server, tr, o)
	if err != nil {
		return nil, err
	}
	res := &outcome{trace: tr, defended: clientPackets(events)}
	if s.plot {
		res.blocking = blockingSpans(events)
	}
	if onlyPackets {
		events = networkActivity(events)
		o.OnlyNetworkActivity = true
	}
	if s.table {
		res.events = events
	}
	events = nil
	if o.MaxTraceLength == 0 {
		o.OnlyClientEvents = true
	}
	o.ClientRand, o.ServerRand = sim.Xoshiro256StarStar(seed), sim.Xoshiro256StarStar(seed+1)
	base, err := sim.Run(nil, nil, tr, o)
	if err != nil {
		return nil, err
	}
	baseline := clientPackets(base)
	res.stats = measure(res.defended, baseline, tr.Len(), bytes, s.size)
	if s.plot {
		res.baseline = baseline
	}
	return res, nil
}

// runOne simulates one trace: the one of -trace, or the built-in page
// load.
func runOne(e *env, f *simulateFlags, s *simulation) error {
	var (
		r    io.Reader
		name = "built-in page load"
	)
	switch f.trace {
	case "":
		r = strings.NewReader(pageLoad())
	case "-":
		r, name = e.stdin, "standard input"
	default:
		file, err := os.Open(f.trace)
		if err != nil {
			return err
		}
		defer file.Close()
		r, name = file, f.trace
	}
	s.table = !f.quiet && f.out != "-"
	s.plot = f.plot != ""
	res, err := s.simulate(r, f.seed)
	if err != nil {
		return fmt.Errorf("%s: %w", name, plain(err))
	}

	if s.plot {
		undefended := plotTrace{title: "undefended: " + name, packets: res.baseline}
		defended := plotTrace{title: "defended", packets: res.defended, blocking: res.blocking}
		if err := writePlotFile(f.plot, f.force, undefended, defended); err != nil {
			return err
		}
	}
	if f.out == "-" {
		return writeTrace(e.stdout, res.defended, s.size)
	}
	if f.out != "" {
		if err := writeTraceFile(f.out, f.force, res.defended, s.size); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if !f.quiet {
		writeEvents(&b, res.events)
		b.WriteString("\n")
	}
	pps, defaultPPS := s.network.PacketsPerSecond, false
	if pps == 0 {
		pps, defaultPPS = res.trace.DefaultPacketsPerSecond(), true
	}
	info := runInfo{client: s.clientNames, server: s.serverNames, trace: name, delay: s.network.Delay,
		pps: pps, defaultPPS: defaultPPS, seed: f.seed}
	if err := writeSummary(&b, info, res.stats); err != nil {
		return err
	}
	_, err = e.stdout.Write(b.Bytes())
	return err
}

// writeTraceFile writes a defended trace to the file called name, which
// must not exist unless force is set.
func writeTraceFile(name string, force bool, packets []packet, size int) error {
	file, err := createOutput(name, force)
	if err != nil {
		return err
	}
	if err := writeTrace(file, packets, size); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// writeEvents writes the events of a simulation as a table: the time in
// milliseconds, the side, and what happened.
func writeEvents(w io.Writer, events []sim.Event) {
	var b strings.Builder
	b.WriteString("   time (ms)  side    event\n")
	for _, ev := range events {
		side := "server"
		if ev.Client {
			side = "client"
		}
		var what string
		kind := "normal"
		if ev.Padding {
			kind = "padding"
		}
		switch ev.Event {
		case maybenot.TunnelSent:
			what = "sent " + kind
		case maybenot.TunnelRecv:
			what = "received " + kind
		case maybenot.PaddingSent, maybenot.BlockingBegin, maybenot.TimerBegin, maybenot.TimerEnd:
			what = fmt.Sprintf("%v (machine %d)", ev.Event, ev.Machine)
		default:
			what = ev.Event.String()
		}
		fmt.Fprintf(&b, "%12s  %-6s  %s\n", ms(ev.Time), side, what)
	}
	io.WriteString(w, b.String())
}

// plain drops the package name from the simulator's errors, as errorLine
// does for the others: "maybenot: " already says where they come from.
func plain(err error) error {
	if err == nil || !strings.Contains(err.Error(), "sim: ") {
		return err
	}
	return plainError{msg: strings.ReplaceAll(err.Error(), "sim: ", ""), err: err}
}

type plainError struct {
	msg string
	err error
}

func (e plainError) Error() string { return e.msg }
func (e plainError) Unwrap() error { return e.err }

// runDataset simulates every trace under f.dataset, f.jobs at a time, and
// writes the defended traces under f.out.
func runDataset(e *env, f *simulateFlags, s *simulation) error {
	names, walkErrs, err := listTraces(f.dataset, f.out)
	if err != nil {
		return err
	}
	if len(names) == 0 && len(walkErrs) == 0 {
		return fmt.Errorf("%s: no files", f.dataset)
	}
	jobs := f.jobs
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}

	var (
		mu      sync.Mutex // the reports on stderr and the bar
		bar     = newBar(e, len(names))
		results = make([]datasetResult, len(names))
		next    = make(chan int)
		wg      sync.WaitGroup
	)
	report := func(name string, err error) {
		mu.Lock()
		defer mu.Unlock()
		msg := fmt.Sprintf("maybenot: %s: %s", name, errorLine(err))
		if bar != nil {
			progressbar.Bprintln(bar, msg)
		} else {
			fmt.Fprintln(e.stderr, msg)
		}
	}
	for _, we := range walkErrs {
		results = append(results, we)
		report(we.name, we.err)
	}
	for range min(jobs, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				stats, err := s.simulateFile(f.dataset, f.out, names[i], traceSeed(f.seed, names[i]), f.force)
				results[i] = datasetResult{name: names[i], stats: stats, err: err}
				if err != nil {
					report(names[i], err)
				}
				if bar != nil {
					mu.Lock()
					bar.Add(1)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	if bar != nil {
		bar.Finish()
	}

	var b bytes.Buffer
	if err := writeDatasetSummary(&b, results, f.quiet); err != nil {
		return err
	}
	if _, err := e.stdout.Write(b.Bytes()); err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.err != nil {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d traces failed", failed, len(results))
	}
	return nil
}

// newBar returns a progress bar on standard error if it is a terminal,
// else nil.
func newBar(e *env, n int) *progressbar.ProgressBar {
	file, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return nil
	}
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(file),
		progressbar.OptionSetDescription("simulating"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth())
}

// traceSeed returns the seed of the trace called name in a dataset: seed
// and the FNV-1a hash of the name, mixed by SplitMix64.
func traceSeed(seed uint64, name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(filepath.ToSlash(name)))
	return splitmix.New(seed ^ h.Sum64()).Uint64()
}

// simulateFile simulates the trace dir/name and writes the defended trace
// to out/name, which must not exist unless force is set.
func (s *simulation) simulateFile(dir, out, name string, seed uint64, force bool) (traceStats, error) {
	file, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return traceStats{}, plainPathError(err)
	}
	res, err := s.simulate(file, seed)
	file.Close()
	if err != nil {
		return traceStats{}, plain(err)
	}
	dst := filepath.Join(out, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return traceStats{}, err
	}
	if err := writeTraceFile(dst, force, res.defended, s.size); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			os.Remove(dst)
		}
		return traceStats{}, plainPathError(err)
	}
	return res.stats, nil
}

// plainPathError drops the path from an error opening a file that the
// report names anyway.
func plainPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// listTraces returns the files under dir, as paths relative to it, in
// lexical order: regular files and links to them, leaving out names
// starting with "." and the directory out. Entries that cannot be read
// come back as failed results.
func listTraces(dir, out string) ([]string, []datasetResult, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, nil, err
	}
	if absDir == absOut {
		return nil, nil, usageError{"-out must not be the -dataset directory"}
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, err
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("%s is not a directory", dir)
	}
	var names []string
	var failed []datasetResult
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, path)
		if err != nil {
			failed = append(failed, datasetResult{name: rel, err: plainPathError(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		hidden := strings.HasPrefix(d.Name(), ".") && path != dir
		if d.IsDir() {
			if abs, _ := filepath.Abs(path); hidden || abs == absOut {
				return fs.SkipDir
			}
			return nil
		}
		if hidden {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		names = append(names, rel)
		return nil
	})
	return names, failed, err
}

// displayName names the file called name in messages.
func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}
