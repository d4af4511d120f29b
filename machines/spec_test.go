package machines

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// allSpecs returns one spec of every defense.
func allSpecs(t testing.TB) []Spec {
	t.Helper()
	var specs []Spec
	for _, s := range []string{
		"noop", "netflow", "break_pad_client", "break_pad_server",
		"interspace_client", "interspace_server", "front 1700 1 14 5",
		"tamaraw 0.04 3000000", "regulator_client 3.95 1.77",
		"regulator_server 277 0.94 3.55 3550 10", "scrambler_client",
		"scrambler_server 1 2 3 4",
	} {
		spec, err := ParseSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, spec)
	}
	return specs
}

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the spec; "" for an error
	}{
		{"noop", "noop"},
		{"netflow", "netflow"},
		{"break_pad_client", "break_pad_client"},
		{"break_pad_server", "break_pad_server"},
		{"interspace_client", "interspace_client"},
		{"interspace_server", "interspace_server"},
		{"scrambler_client", "scrambler_client"},
		{"front 1700 1 14 5", "front 1700 1 14 5"},
		{"  front 1700\n1  14\t5 ", "front 1700 1 14 5"},
		{"front +1700 1.0 14e0 +5", "front 1700 1 14 5"},
		{"front 4294967295 -1 1 18446744073709551615", "front 4294967295 -1 1 18446744073709551615"},
		// The reference looks for the name anywhere in the string.
		{"xfront 1 2 3 4", "front 1 2 3 4"},
		{"tamaraw 0.04 3000000", "tamaraw 0.04 3000000"},
		{"tamaraw .5 5.", "tamaraw 0.5 5"},
		{"tamaraw +1E3 -inf", "tamaraw 1000 -Inf"},
		{"tamaraw NaN Infinity", "tamaraw NaN +Inf"},
		{"tamaraw -nan 1e400", "tamaraw -NaN +Inf"},
		{"tamaraw 1e-400 5e-324", "tamaraw 0 5e-324"},
		{"tamaraw 1e21 1e-7", "tamaraw 1e+21 1e-07"},
		{"regulator_client 3.95 1.77", "regulator_client 3.95 1.77"},
		{"regulator_server 277 0.94 3.55 3550 +30", "regulator_server 277 0.94 3.55 3550 30"},
		{"scrambler_server 1 2 3 4", "scrambler_server 1 2 3 4"},
		{"scrambler_server\u00a01 2 3 4", "scrambler_server 1 2 3 4"}, // Unicode white space

		{"", ""},
		{"front\t1700 1 14 5", ""}, // the reference looks for "front "
		{"noop ", ""},
		{" noop", ""},
		{"NoOp", ""},
		{"nope", ""},
		{"scrambler_server", ""},
		{"front 1700 1 14", ""},
		{"front 1700 1 14 5 6", ""},
		{"front -1 1 14 5", ""},
		{"front 4294967296 1 14 5", ""},
		{"front 1700 1 14 5.0", ""},
		{"front 1700 1 14 -0", ""},
		{"front + 1 14 5", ""},
		{"front 1700 0x1 14 5", ""},
		{"front 1700 1 14 18446744073709551616", ""},
		{"tamaraw 1_0 2", ""},
		{"tamaraw 1e 2", ""},
		{"tamaraw . 2", ""},
		{"tamaraw e5 2", ""},
		{"tamaraw inff 2", ""},
		{"tamaraw 1,5 2", ""},
		{"tamaraw ++1 2", ""},
		// tamaraw is tried first: its p is "tamaraw".
		{"regulator_client tamaraw 1", ""},
		{"regulator_server 1 2 3 4 5.5", ""},
	}
	for _, tt := range tests {
		s, err := ParseSpec(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseSpec(%q) = %v, want an error", tt.in, s)
			} else if !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("ParseSpec(%q): %v does not wrap ErrInvalidSpec", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", tt.in, err)
			continue
		}
		if got := s.String(); got != tt.want {
			t.Errorf("ParseSpec(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		back, err := ParseSpec(s.String())
		if err != nil || !sameSpec(back, s) {
			t.Errorf("ParseSpec(%q) = %v, %v; want %v back", s.String(), back, err, s)
		}
	}
}

// sameSpec compares specs, their floats bit for bit.
func sameSpec(a, b Spec) bool {
	for i := range a.f {
		if math.Float64bits(a.f[i]) != math.Float64bits(b.f[i]) {
			return false
		}
	}
	return a.kind == b.kind && a.budget == b.budget && a.n == b.n
}

func TestParseSpecErrorNamesParameter(t *testing.T) {
	for in, param := range map[string]string{
		"front x 1 14 5":         "padding_budget_max",
		"front 1700 1 x 5":       "window_max",
		"front 1700 1 14 x":      "num_states",
		"tamaraw 1 x":            "stop_window",
		"regulator_server 1 2 3": "regulator_server r d t n b",
	} {
		_, err := ParseSpec(in)
		if err == nil || !strings.Contains(err.Error(), param) {
			t.Errorf("ParseSpec(%q): %v, want it to name %s", in, err, param)
		}
	}
}

// TestParseSpecNaN checks that NaN is the quiet NaN the reference parses,
// with its sign.
func TestParseSpecNaN(t *testing.T) {
	s, err := ParseSpec("tamaraw nan -NaN")
	if err != nil {
		t.Fatal(err)
	}
	if got := math.Float64bits(s.f[0]); got != 0x7FF8000000000000 {
		t.Errorf("nan is %#x", got)
	}
	if got := math.Float64bits(s.f[1]); got != 0xFFF8000000000000 {
		t.Errorf("-NaN is %#x", got)
	}
}

func TestSpecForms(t *testing.T) {
	forms := SpecForms()
	if len(forms) != int(numKinds) {
		t.Fatalf("%d forms, want %d", len(forms), numKinds)
	}
	want := []string{
		"noop", "netflow", "break_pad_client", "break_pad_server",
		"interspace_client", "interspace_server",
		"front padding_budget_max window_min window_max num_states",
		"tamaraw p stop_window", "regulator_client u c",
		"regulator_server r d t n b", "scrambler_client",
		"scrambler_server interval min_count min_trail max_trail",
	}
	if !reflect.DeepEqual(forms, want) {
		t.Errorf("SpecForms() = %q, want %q", forms, want)
	}
	// Each form with a number for every parameter parses.
	for _, f := range forms {
		words := strings.Fields(f)
		for i := 1; i < len(words); i++ {
			words[i] = "7"
		}
		if _, err := ParseSpec(strings.Join(words, " ")); err != nil {
			t.Errorf("form %q: %v", f, err)
		}
	}
}

func TestSpecJSON(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the spec; "" for an error
	}{
		{`"NoOp"`, "noop"},
		{` "SimpleNetFlow" `, "netflow"},
		{`"BreakPadClient"`, "break_pad_client"},
		{`"BreakPadServer"`, "break_pad_server"},
		{`"InterspaceClient"`, "interspace_client"},
		{`"InterspaceServer"`, "interspace_server"},
		{`"ScramblerClient"`, "scrambler_client"},
		{`{"NoOp":null}`, "noop"},
		{`{"Tamaraw":{"p":0.04,"stop_window":3000000.0}}`, "tamaraw 0.04 3000000"},
		{`{"Tamaraw":{"stop_window":3000000,"p":4e-2}}`, "tamaraw 0.04 3000000"},
		{`{"Tamaraw":[0.04,3000000]}`, "tamaraw 0.04 3000000"},
		{`{"Tamaraw":{"p":1,"other":[{"x":[1,{}]}],"stop_window":2}}`, "tamaraw 1 2"},
		{`{"Tamaraw":{"\u0070":1,"stop_window":-0}}`, "tamaraw 1 -0"},
		{`{"Front":{"padding_budget_max":1700,"window_min":1.0,"window_max":14.0,"num_states":5}}`, "front 1700 1 14 5"},
		{`{"Front":{"padding_budget_max":4294967295,"window_min":1,"window_max":14,"num_states":18446744073709551615}}`, "front 4294967295 1 14 18446744073709551615"},
		{`{"RegulatorClient":{"u":3.95,"c":1.77}}`, "regulator_client 3.95 1.77"},
		{`{"RegulatorServer":{"r":277.0,"d":0.94,"t":3.55,"n":3550.0,"b":30}}`, "regulator_server 277 0.94 3.55 3550 30"},
		{`{"ScramblerServer":{"interval":1,"min_count":2,"min_trail":3,"max_trail":4}}`, "scrambler_server 1 2 3 4"},
		{`{"Tamaraw":{"p":100000000000000000000000,"stop_window":1e-400}}`, "tamaraw 1e+23 0"},

		{`null`, ""},
		{`[]`, ""},
		{`1`, ""},
		{`{}`, ""},
		{`"noop"`, ""},
		{`"Tamaraw"`, ""},
		{`"Nope"`, ""},
		{`{"Nope":null}`, ""},
		{`{"NoOp":{}}`, ""},
		{`{"NoOp":0}`, ""},
		{`{"NoOp":null,"NoOp":null}`, ""},
		{`{"Tamaraw":null}`, ""},
		{`{"Tamaraw":{"p":1}}`, ""},
		{`{"Tamaraw":{"p":1,"stop_window":2,"p":3}}`, ""},
		{`{"Tamaraw":{"p":"1","stop_window":2}}`, ""},
		{`{"Tamaraw":{"p":null,"stop_window":2}}`, ""},
		{`{"Tamaraw":{"p":1e400,"stop_window":2}}`, ""},
		{`{"Tamaraw":[1]}`, ""},
		{`{"Tamaraw":[1,2,3]}`, ""},
		{`{"Tamaraw":{"p":1,"stop_window":2},"NoOp":null}`, ""},
		{`{"Front":{"padding_budget_max":1700.0,"window_min":1,"window_max":14,"num_states":5}}`, ""},
		{`{"Front":{"padding_budget_max":17e2,"window_min":1,"window_max":14,"num_states":5}}`, ""},
		{`{"Front":{"padding_budget_max":-0,"window_min":1,"window_max":14,"num_states":5}}`, ""},
		{`{"Front":{"padding_budget_max":4294967296,"window_min":1,"window_max":14,"num_states":5}}`, ""},
		{`{"Front":{"padding_budget_max":1,"window_min":1,"window_max":14,"num_states":18446744073709551616}}`, ""},
		{`{"Front":{"padding_budget_max":1,"window_min":1,"window_max":14,"num_states":-1}}`, ""},
		{`"NoOp" 1`, ""},
		{`{"Tamaraw":{"p":1,"stop_window":2}`, ""},
		{`{"Tamaraw":{"p":1,,"stop_window":2}}`, ""},
		{"\"No\xffOp\"", ""},
	}
	for _, tt := range tests {
		var s Spec
		err := s.UnmarshalJSON([]byte(tt.in))
		if tt.want == "" {
			if err == nil {
				t.Errorf("UnmarshalJSON(%s) = %v, want an error", tt.in, s)
			} else if !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("UnmarshalJSON(%s): %v does not wrap ErrInvalidSpec", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("UnmarshalJSON(%s): %v", tt.in, err)
			continue
		}
		if got := s.String(); got != tt.want {
			t.Errorf("UnmarshalJSON(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSpecJSONInStructs(t *testing.T) {
	var config struct {
		Client, Server []Spec
	}
	in := `{"Client":["InterspaceClient",{"Tamaraw":{"p":0.04,"stop_window":3000000.0}}],"Server":[{"RegulatorServer":[277,0.94,3.55,3550,10]}]}`
	if err := json.Unmarshal([]byte(in), &config); err != nil {
		t.Fatal(err)
	}
	if len(config.Client) != 2 || config.Client[1].String() != "tamaraw 0.04 3000000" || config.Server[0].String() != "regulator_server 277 0.94 3.55 3550 10" {
		t.Errorf("got %v", config)
	}
	out, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Client":["InterspaceClient",{"Tamaraw":{"p":0.04,"stop_window":3000000}}],"Server":[{"RegulatorServer":{"r":277,"d":0.94,"t":3.55,"n":3550,"b":10}}]}`
	if string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
}

func TestSpecMarshalJSON(t *testing.T) {
	for _, s := range allSpecs(t) {
		b, err := json.Marshal(s)
		if err != nil {
			t.Errorf("%v: %v", s, err)
			continue
		}
		var back Spec
		if err := json.Unmarshal(b, &back); err != nil || !sameSpec(back, s) {
			t.Errorf("%v: %s reads back as %v, %v", s, b, back, err)
		}
	}
	s, err := ParseSpec("tamaraw nan 1")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := json.Marshal(s); err == nil {
		t.Errorf("a NaN parameter marshals as %s", b)
	}
}

// TestUnmarshalJSONKeepsSpec checks that a failed UnmarshalJSON leaves the
// spec as it was.
func TestUnmarshalJSONKeepsSpec(t *testing.T) {
	s, err := ParseSpec("tamaraw 1 2")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UnmarshalJSON([]byte(`{"Tamaraw":{"p":5}}`)); err == nil {
		t.Fatal("no error")
	}
	if s.String() != "tamaraw 1 2" {
		t.Errorf("spec changed to %v", s)
	}
}

func TestZeroSpecIsNoOp(t *testing.T) {
	var s Spec
	if s.String() != "noop" {
		t.Errorf("zero Spec is %q", s)
	}
	ms, err := Build([]Spec{s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The reference's no-op machine.
	want, err := maybenot.ParseMachine("02eNpjYEAHjOgCAAA0AAI=")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || !reflect.DeepEqual(ms[0], *want) {
		t.Errorf("noop gives %v, want %v", ms, want)
	}
}

func TestBuild(t *testing.T) {
	specs := allSpecs(t)
	got, err := Build(specs, splitmix.New(7))
	if err != nil {
		t.Fatal(err)
	}
	// Build is the builders one after the other, drawing from one source.
	rng := splitmix.New(7)
	var want []maybenot.Machine
	for i := range specs {
		ms, err := specs[i].build(rng)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, ms...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("Build differs from the builders in turn")
	}
	if n := len(got); n != 1+1+1+1+1+1+1+2+3+7+1+2 {
		t.Errorf("%d machines", n)
	}

	bad, err := ParseSpec("front 1 1 14 5")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build([]Spec{specs[0], bad}, nil)
	if !errors.Is(err, ErrInvalidParameter) || !strings.Contains(err.Error(), "spec 1 (front 1 1 14 5)") {
		t.Errorf("Build with a bad spec: %v", err)
	}
	for _, in := range []string{"front 1700 1 14 100000", "regulator_server 1 0.5 1 1 33333", "front 1700 1 14 18446744073709551615"} {
		s, err := ParseSpec(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Build([]Spec{s}, nil); !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("Build(%s): %v", in, err)
		}
	}
	if ms, err := Build(nil, nil); err != nil || len(ms) != 0 {
		t.Errorf("Build(nil) = %v, %v", ms, err)
	}
}

// TestUnmarshalJSONDeep checks that deeply nested ignored members are read
// in bounded time and memory: maxDepthInput bytes of nesting.
func TestUnmarshalJSONDeep(t *testing.T) {
	const maxDepthInput = 1 << 20
	depth := maxDepthInput / 2
	data := `{"Tamaraw":{"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `,"p":1,"stop_window":2}}`
	var s Spec
	err := s.UnmarshalJSON([]byte(data))
	if err != nil && !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("error %v", err)
	}
	shallow := `{"Tamaraw":{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"p":1,"stop_window":2}}`
	if err := s.UnmarshalJSON([]byte(shallow)); err != nil || s.String() != "tamaraw 1 2" {
		t.Errorf("100 levels: %v, %v", s, err)
	}
}
