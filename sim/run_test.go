package sim

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

func TestXoshiro256StarStar(t *testing.T) {
	// The published test vector of xoshiro256** for the state 1, 2, 3, 4
	// (rand_xoshiro's from_seed of those words).
	x := &xoshiro{s: [4]uint64{1, 2, 3, 4}}
	want := []uint64{11520, 0, 1509978240, 1215971899390074240, 1216172134540287360,
		607988272756665600, 16172922978634559625, 8476171486693032832, 10595114339597558777, 2904607092377533576}
	for i, w := range want {
		if got := x.Uint64(); got != w {
			t.Errorf("output %d = %d, want %d", i, got, w)
		}
	}
	// seed_from_u64: the state is SplitMix64's first four outputs.
	for _, seed := range []uint64{0, 1, math.MaxUint64} {
		sm := splitmix.New(seed)
		var s [4]uint64
		for i := range s {
			s[i] = sm.Uint64()
		}
		if got := Xoshiro256StarStar(seed).(*xoshiro).s; got != s {
			t.Errorf("seed %d: state %v, want %v", seed, got, s)
		}
	}
}

func TestRunErrors(t *testing.T) {
	n := Network{Delay: time.Millisecond}
	tr, err := ParseTrace(strings.NewReader("0,s\n5,r\n"), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := maybenot.Machine{States: []maybenot.State{state(nil, ns, 7)}}
	for _, tt := range []struct {
		name           string
		client, server []maybenot.Machine
		trace          *Trace
		o              Options
		want           error
	}{
		{"other delay", nil, nil, tr, Options{Network: Network{Delay: 2 * time.Millisecond}}, ErrInvalidOptions},
		{"bad network", nil, nil, tr, Options{Network: Network{Delay: n.Delay, PacketsPerSecond: -3}}, ErrInvalidOptions},
		{"negative length", nil, nil, tr, Options{Network: n, MaxTraceLength: -1}, ErrInvalidOptions},
		{"negative iterations", nil, nil, tr, Options{Network: n, MaxIterations: -1}, ErrInvalidOptions},
		{"no trace", nil, nil, nil, Options{Network: n}, ErrInvalidOptions},
		{"empty trace", nil, nil, &Trace{}, Options{Network: n}, ErrInvalidOptions},
		{"padding frac", nil, nil, tr, Options{Network: n, MaxPaddingFracClient: 1.5}, maybenot.ErrPaddingLimit},
		{"blocking frac", nil, nil, tr, Options{Network: n, MaxBlockingFracServer: math.NaN()}, maybenot.ErrBlockingLimit},
		{"bad client machine", []maybenot.Machine{bad}, nil, tr, Options{Network: n}, maybenot.ErrInvalidMachine},
		{"bad server machine", nil, []maybenot.Machine{bad}, tr, Options{Network: n}, maybenot.ErrInvalidMachine},
	} {
		if _, err := Run(tt.client, tt.server, tt.trace, tt.o); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestRunTimeLimit checks that a machine that blocks for a day, again and
// again, stops at MaxTime instead of running into overflow.
func TestRunTimeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 146 years of blocking")
	}
	day := maybenot.Dist{Type: maybenot.Uniform{}, Start: 24 * 60 * 60 * 1e6}
	m := mustMachine(t, math.MaxUint64, 0, math.MaxUint64, 0,
		state(nil, ns, 1),
		state(maybenot.BlockOutgoing{Timeout: uni(0), Duration: day}, be, 1))
	n := Network{Delay: time.Millisecond}
	tr, err := ParseTrace(strings.NewReader("3153600000000000000,s\n"), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(one(m), nil, tr, Options{Network: n, ContinueAfterTrace: true}); !errors.Is(err, ErrTimeLimit) {
		t.Errorf("error %v, want ErrTimeLimit", err)
	}
}

// TestRunConcurrent runs one Trace and one set of machines from many
// goroutines at once (run it with -race); every run gives the events of a
// run alone.
func TestRunConcurrent(t *testing.T) {
	n := Network{Delay: 10 * time.Millisecond}
	tr, err := ParseTrace(strings.NewReader(shortTrace(be000, time.Millisecond)), n, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := []maybenot.Machine{ratio3(t), constantRate(t, true, true, 5)}
	server := []maybenot.Machine{blockEvery5(t)}
	delay := mustBinDist(t, `{"(0, 1)": 1}`)
	run := func(seed uint64) ([]Event, error) {
		// Each run its own sources, the integration's included.
		in := &Integration{ActionDelay: delay, Rand: Xoshiro256StarStar(seed + 2)}
		return Run(client, server, tr, Options{Network: n, MaxIterations: 20000, ClientIntegration: in,
			ClientRand: Xoshiro256StarStar(seed), ServerRand: Xoshiro256StarStar(seed + 1)})
	}
	want, err := run(1)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([][]Event, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = run(1)
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !slicesEqual(results[i], want) {
			t.Errorf("run %d differs from a run alone", i)
		}
	}
}
