package sim

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maybenot-go/maybenot"
)

// conformanceDir is the reference's golden data, beside the repository.
const conformanceDir = "../../shared/conformance"

// simCase is one line of sim.jsonl.
type simCase struct {
	Case struct {
		Client, Server     []string
		Trace              string
		DelayUS            int64   `json:"delay_us"`
		PPS                *int    `json:"pps"`
		MaxTraceLength     int     `json:"max_trace_length"`
		MaxSimIterations   int     `json:"max_sim_iterations"`
		Continue           bool    `json:"continue_after_all_normal_packets_processed"`
		OnlyClient         bool    `json:"only_client_events"`
		OnlyNetwork        bool    `json:"only_network_activity"`
		PaddingFracClient  float64 `json:"max_padding_frac_client"`
		BlockingFracClient float64 `json:"max_blocking_frac_client"`
		PaddingFracServer  float64 `json:"max_padding_frac_server"`
		BlockingFracServer float64 `json:"max_blocking_frac_server"`
		Seed               uint64
		ClientIntegration  *integrationJSON `json:"client_integration"`
		ServerIntegration  *integrationJSON `json:"server_integration"`
	}
	UniformOnly bool `json:"uniform_only"`
	Expect      [][6]json.RawMessage
}

type integrationJSON struct {
	Action    json.RawMessage `json:"action_delay"`
	Reporting json.RawMessage `json:"reporting_delay"`
	Trigger   json.RawMessage `json:"trigger_delay"`
}

func (j *integrationJSON) integration() (*Integration, error) {
	if j == nil {
		return nil, nil
	}
	var in Integration
	for _, d := range []struct {
		raw json.RawMessage
		to  *BinDist
	}{{j.Action, &in.ActionDelay}, {j.Reporting, &in.ReportingDelay}, {j.Trigger, &in.TriggerDelay}} {
		b, err := ParseBinDist(string(d.raw))
		if err != nil {
			return nil, err
		}
		*d.to = b
	}
	return &in, nil
}

// readJSONL calls f with each line of the conformance file name, skipping
// the test when the data is absent.
func readJSONL(t testing.TB, name string, f func(line int, data []byte)) {
	t.Helper()
	file, err := os.Open(filepath.Join(conformanceDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no conformance data (%v): it lives beside the repository, not in it", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		f(n, sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func parseMachines(t testing.TB, strs []string) []maybenot.Machine {
	t.Helper()
	ms := make([]maybenot.Machine, len(strs))
	for i, s := range strs {
		m, err := maybenot.ParseMachine(s)
		if err != nil {
			t.Fatal(err)
		}
		ms[i] = *m
	}
	return ms
}

// run runs the case as the reference's harness did.
func (c *simCase) run(t testing.TB) []Event {
	t.Helper()
	cs := &c.Case
	ci, err := cs.ClientIntegration.integration()
	if err != nil {
		t.Fatal(err)
	}
	si, err := cs.ServerIntegration.integration()
	if err != nil {
		t.Fatal(err)
	}
	n := Network{Delay: time.Duration(cs.DelayUS) * time.Microsecond}
	if cs.PPS != nil {
		n.PacketsPerSecond = *cs.PPS
	}
	tr, err := ParseTrace(strings.NewReader(cs.Trace), n, ci, si)
	if err != nil {
		t.Fatal(err)
	}
	events, err := Run(parseMachines(t, cs.Client), parseMachines(t, cs.Server), tr, Options{
		Network:               n,
		MaxTraceLength:        cs.MaxTraceLength,
		MaxIterations:         cs.MaxSimIterations,
		ContinueAfterTrace:    cs.Continue,
		OnlyClientEvents:      cs.OnlyClient,
		OnlyNetworkActivity:   cs.OnlyNetwork,
		MaxPaddingFracClient:  cs.PaddingFracClient,
		MaxBlockingFracClient: cs.BlockingFracClient,
		MaxPaddingFracServer:  cs.PaddingFracServer,
		MaxBlockingFracServer: cs.BlockingFracServer,
		ClientIntegration:     ci,
		ServerIntegration:     si,
		ClientRand:            Xoshiro256StarStar(cs.Seed),
		ServerRand:            Xoshiro256StarStar(cs.Seed + 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// expectRow formats an event as sim.jsonl's rows, with its time relative
// to t0.
func expectRow(e Event, t0 time.Duration) string {
	machine := -1
	switch e.Event {
	case maybenot.PaddingSent, maybenot.BlockingBegin, maybenot.TimerBegin, maybenot.TimerEnd:
		machine = int(e.Machine)
	}
	return fmt.Sprintf(`[%d,"%s",%d,%d,%d,%d]`, int64(e.Time-t0), e.Event, machine, b2i(e.Client), b2i(e.Padding), int64(e.IntegrationDelay))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestConformanceSim runs the reference simulator's cases: each must give
// exactly the expected events (times, events, machines, sides, padding
// and integration delays), with machines of every distribution type.
func TestConformanceSim(t *testing.T) {
	cases := 0
	readJSONL(t, "sim.jsonl", func(line int, data []byte) {
		var c simCase
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		if mismatch := compareSim(c.run(t), c.Expect); mismatch != "" {
			t.Errorf("line %d (uniform_only %v): %s", line, c.UniformOnly, mismatch)
		}
		cases++
	})
	t.Logf("%d cases identical", cases)
}

// compareSim returns "" if events are what expect lists, else what
// differs first.
func compareSim(events []Event, expect [][6]json.RawMessage) string {
	var t0 time.Duration
	if len(events) > 0 {
		t0 = events[0].Time
	}
	for i := range min(len(events), len(expect)) {
		want := "[" + string(expect[i][0])
		for _, f := range expect[i][1:] {
			want += "," + string(f)
		}
		want += "]"
		if got := expectRow(events[i], t0); got != want {
			return fmt.Sprintf("event %d is %s, want %s", i, got, want)
		}
	}
	if len(events) != len(expect) {
		return fmt.Sprintf("%d events, want %d", len(events), len(expect))
	}
	return ""
}
