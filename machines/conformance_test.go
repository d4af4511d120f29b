package machines

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// conformanceFile holds the reference's machine library run on parameter
// sets: see ../../shared/conformance/README.md.
var conformanceFile = filepath.Join("..", "..", "shared", "conformance", "machines.jsonl")

// maxRelDiff is how far a float of a machine may be from the reference's,
// relative to it, for the machines to count as equal: FRONT and RegulaTor
// compute with the platform's pow and log, whose last bits differ between
// libraries.
const maxRelDiff = 1e-12

type machinesCase struct {
	Case struct {
		Kind   string          `json:"kind"`
		Params json.RawMessage `json:"params"`
		Seed   uint64          `json:"seed"`
	} `json:"case"`
	Expect struct {
		OK       bool `json:"ok"`
		Machines []struct {
			Serialized string          `json:"serialized"`
			Name       string          `json:"name"`
			Machine    json.RawMessage `json:"machine"`
		} `json:"machines"`
	} `json:"expect"`
}

func readMachinesCases(t *testing.T) []machinesCase {
	t.Helper()
	data, err := os.ReadFile(conformanceFile)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("conformance data %s not found (it lives beside the repository, in ../shared/conformance): skipping", conformanceFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	var cases []machinesCase
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c machinesCase
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("%s line %d: %v", conformanceFile, len(cases)+1, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s holds no cases", conformanceFile)
	}
	return cases
}

// buildCase runs the builder that c names with its parameters.
func buildCase(c *machinesCase) ([]maybenot.Machine, error) {
	rng := splitmix.New(c.Case.Seed)
	var p struct {
		PaddingBudgetMax uint32   `json:"padding_budget_max"`
		WindowMin        float64  `json:"window_min"`
		WindowMax        float64  `json:"window_max"`
		NumStates        int      `json:"num_states"`
		U                float64  `json:"u"`
		C                float64  `json:"c"`
		R                float64  `json:"r"`
		D                float64  `json:"d"`
		T                float64  `json:"t"`
		N                float64  `json:"n"`
		NumBins          int      `json:"num_bins"`
		P                float64  `json:"p"`
		StopWindow       float64  `json:"stop_window"`
		Interval         float64  `json:"interval"`
		MinCount         float64  `json:"min_count"`
		MinTrail         float64  `json:"min_trail"`
		MaxTrail         float64  `json:"max_trail"`
		Machines         []string `json:"machines"`
	}
	if len(c.Case.Params) > 0 {
		d := json.NewDecoder(bytes.NewReader(c.Case.Params))
		d.DisallowUnknownFields()
		if err := d.Decode(&p); err != nil {
			return nil, fmt.Errorf("bad params: %w", err)
		}
	}
	switch c.Case.Kind {
	case "front":
		return Front(p.PaddingBudgetMax, p.WindowMin, p.WindowMax, p.NumStates, rng)
	case "regulator_client":
		return RegulatorClient(p.U, p.C)
	case "regulator_server":
		return RegulatorServer(p.R, p.D, p.T, p.N, p.NumBins)
	case "tamaraw":
		return Tamaraw(p.P, p.StopWindow)
	case "interspace_client":
		return InterspaceClient(rng)
	case "interspace_server":
		return InterspaceServer(rng)
	case "break_pad_client":
		return BreakPadClient()
	case "break_pad_server":
		return BreakPadServer()
	case "scrambler_client":
		return ScramblerClient()
	case "scrambler_server":
		return ScramblerServer(p.Interval, p.MinCount, p.MinTrail, p.MaxTrail)
	case "simple_netflow":
		m, err := SimpleNetFlow()
		return []maybenot.Machine{m}, err
	case "get_machine":
		specs := make([]Spec, len(p.Machines))
		for i, s := range p.Machines {
			var err error
			if specs[i], err = ParseSpec(s); err != nil {
				return nil, err
			}
		}
		return Build(specs, rng)
	}
	return nil, fmt.Errorf("unknown kind %q", c.Case.Kind)
}

// TestConformance checks every case of machines.jsonl: the builder gives
// the reference's machines, every float within maxRelDiff of the
// reference's (probabilities as float32), or fails where the reference
// did. It logs how many machines are equal bit for bit and how many have
// the reference's string and name.
func TestConformance(t *testing.T) {
	cases := readMachinesCases(t)
	var total, bitEqual, sameString, sameName, passed int
	for i := range cases {
		c := &cases[i]
		label := fmt.Sprintf("line %d (%s seed %d %s)", i+1, c.Case.Kind, c.Case.Seed, c.Case.Params)
		got, err := buildCase(c)
		if !c.Expect.OK {
			if err == nil {
				t.Errorf("%s: want an error, got %d machines", label, len(got))
			} else if !errors.Is(err, ErrInvalidParameter) && !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("%s: error %q wraps neither ErrInvalidParameter nor ErrInvalidSpec", label, err)
			} else {
				passed++
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", label, err)
			continue
		}
		if len(got) != len(c.Expect.Machines) {
			t.Errorf("%s: %d machines, want %d", label, len(got), len(c.Expect.Machines))
			continue
		}
		ok := true
		for j, want := range c.Expect.Machines {
			total++
			exact, err := compareMachine(&got[j], want.Machine)
			if err != nil {
				t.Errorf("%s machine %d: %v", label, j, err)
				ok = false
				continue
			}
			s, name := got[j].Serialize(), got[j].Name()
			if s == want.Serialized {
				sameString++
			}
			if name == want.Name {
				sameName++
			}
			if !exact {
				continue
			}
			bitEqual++
			// Serialize is byte-identical to the reference's, so a machine
			// equal bit for bit has the reference's string and name.
			if s != want.Serialized || name != want.Name {
				t.Errorf("%s machine %d: string %s name %s, want %s and %s", label, j, s, name, want.Serialized, want.Name)
				ok = false
			}
		}
		if ok {
			passed++
		}
	}
	t.Logf("%d/%d cases pass; of %d machines, %d are equal bit for bit, %d have the reference's string, %d its name",
		passed, len(cases), total, bitEqual, sameString, sameName)
}

// compareMachine compares got with the reference's JSON form want. It
// fails if a float differs by more than maxRelDiff relative, or anything
// else differs; exact reports whether every value is equal bit for bit.
// Both go through this package's JSON form, so the float32 probabilities
// are compared as float32.
func compareMachine(got *maybenot.Machine, want json.RawMessage) (exact bool, err error) {
	var w maybenot.Machine
	if err := json.Unmarshal(want, &w); err != nil {
		return false, fmt.Errorf("reference machine: %w", err)
	}
	if err := got.Validate(); err != nil {
		return false, err
	}
	gb, err := json.Marshal(got)
	if err != nil {
		return false, err
	}
	wb, err := json.Marshal(&w)
	if err != nil {
		return false, err
	}
	gt, wt := jsonTree(gb), jsonTree(wb)
	exact = true
	if err := compareTree("", gt, wt, &exact); err != nil {
		return false, err
	}
	return exact, nil
}

// jsonTree decodes b, keeping numbers as their text.
func jsonTree(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		panic(err) // b comes from json.Marshal
	}
	return v
}

// compareTree compares two decoded JSON values at path.
func compareTree(path string, got, want any, exact *bool) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: got %v, want %v", path, got, want)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s missing", path, k)
			}
			if err := compareTree(path+"."+k, gv, wv, exact); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: got %v, want %v", path, got, want)
		}
		for i := range w {
			if err := compareTree(path+"["+strconv.Itoa(i)+"]", g[i], w[i], exact); err != nil {
				return err
			}
		}
		return nil
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return fmt.Errorf("%s: got %v, want %v", path, got, want)
		}
		if g == w {
			return nil
		}
		*exact = false
		gf, err1 := strconv.ParseFloat(string(g), 64)
		wf, err2 := strconv.ParseFloat(string(w), 64)
		if err1 != nil || err2 != nil || !isFloatText(string(w)) || !close(gf, wf) {
			return fmt.Errorf("%s: got %s, want %s", path, g, w)
		}
		return nil
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s: got %v, want %v", path, got, want)
	}
	return nil
}

// isFloatText reports whether a JSON number is written as a float (the
// JSON form writes every float with a point or an exponent), not as an
// integer, which must match exactly.
func isFloatText(s string) bool { return bytes.ContainsAny([]byte(s), ".eE") }

// close reports whether got is within maxRelDiff of want, relative to
// want.
func close(got, want float64) bool {
	return math.Abs(got-want) <= maxRelDiff*math.Abs(want)
}
