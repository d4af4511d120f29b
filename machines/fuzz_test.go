package machines

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// FuzzParseSpec checks that ParseSpec never panics, that an error wraps
// ErrInvalidSpec, and that a parsed spec's String and JSON form read back
// to it.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"noop", "front 1700 1 14 5", "tamaraw 0.04 3000000", "regulator_server 277 0.94 3.55 3550 30", "xfront -nan +1E3 .5 +7", "scrambler_server 1 2 3 4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseSpec(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("ParseSpec(%q): %v does not wrap ErrInvalidSpec", s, err)
			}
			return
		}
		back, err := ParseSpec(spec.String())
		if err != nil || !sameSpec(back, spec) {
			t.Fatalf("ParseSpec(%q) = %v reads back as %v, %v", s, spec, back, err)
		}
		b, err := json.Marshal(spec)
		if err != nil {
			return // a NaN or infinite parameter
		}
		var fromJSON Spec
		if err := json.Unmarshal(b, &fromJSON); err != nil || !sameSpec(fromJSON, spec) {
			t.Fatalf("%v: JSON %s reads back as %v, %v", spec, b, fromJSON, err)
		}
	})
}

// FuzzSpecUnmarshalJSON checks that UnmarshalJSON never panics and that a
// spec it reads marshals back to itself.
func FuzzSpecUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`"NoOp"`, `{"NoOp":null}`, `{"Tamaraw":{"p":0.04,"stop_window":3000000.0}}`, `{"Tamaraw":[1,2]}`, `{"Front":{"padding_budget_max":1700,"window_min":1,"window_max":14,"num_states":5,"x":[{}]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var spec Spec
		if err := spec.UnmarshalJSON(data); err != nil {
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("UnmarshalJSON(%q): %v does not wrap ErrInvalidSpec", data, err)
			}
			return
		}
		b, err := json.Marshal(spec)
		if err != nil {
			t.Fatalf("%v read from JSON does not marshal: %v", spec, err)
		}
		var back Spec
		if err := json.Unmarshal(b, &back); err != nil || !sameSpec(back, spec) {
			t.Fatalf("%v: %s reads back as %v, %v", spec, b, back, err)
		}
	})
}

// FuzzBuilders checks that the builders with parameters never panic, that
// their errors wrap ErrInvalidParameter and that every machine they return
// validates. The numbers of states and bins are kept small, to keep runs
// fast; TestFrontLargest covers the largest.
func FuzzBuilders(f *testing.F) {
	f.Add(uint32(1700), 1.0, 14.0, uint16(5), uint64(1), 3.95, 1.77, 0.94, 3550.0)
	f.Add(uint32(1), 14.0, 1.0, uint16(0), uint64(2), -2.5, math.NaN(), 2.0, 0.5)
	f.Fuzz(func(t *testing.T, budget uint32, a, b float64, n uint16, seed uint64, c, d, e, g float64) {
		n %= 16
		check := func(what string, ms []maybenot.Machine, err error) {
			t.Helper()
			if err != nil {
				if !errors.Is(err, ErrInvalidParameter) {
					t.Fatalf("%s: %v does not wrap ErrInvalidParameter", what, err)
				}
				return
			}
			for i := range ms {
				if err := ms[i].Validate(); err != nil {
					t.Fatalf("%s machine %d: %v", what, i, err)
				}
			}
		}
		ms, err := Front(budget, a, b, int(n), splitmix.New(seed))
		check("Front", ms, err)
		ms, err = RegulatorClient(c, d)
		check("RegulatorClient", ms, err)
		ms, err = RegulatorServer(a, b, c, g, int(n))
		check("RegulatorServer", ms, err)
		ms, err = Tamaraw(c, d)
		check("Tamaraw", ms, err)
		ms, err = ScramblerServer(a, b, c, e)
		check("ScramblerServer", ms, err)
		ms, err = InterspaceServer(splitmix.New(seed))
		check("InterspaceServer", ms, err)
	})
}
