package maybenot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestJSONInterfaces(t *testing.T) {
	// Values marshal (so a Machine inside another struct or an Action in a
	// State does), and pointers to them unmarshal.
	for _, p := range []any{&Machine{}, &State{}, &Dist{}, &Counter{}, &Cancel{}, &SendPadding{}, &BlockOutgoing{}, &UpdateTimer{}} {
		v := reflect.ValueOf(p).Elem().Interface()
		if _, ok := v.(json.Marshaler); !ok {
			t.Errorf("%T is not a json.Marshaler", v)
		}
		if _, ok := p.(json.Unmarshaler); !ok {
			t.Errorf("%T is not a json.Unmarshaler", p)
		}
	}
}

// transitionsJSON returns the JSON form of a state's transitions: null for
// every event but those given.
func transitionsJSON(set map[Event]string) string {
	elems := make([]string, NumEvents)
	for e := range elems {
		elems[e] = "null"
		if s, ok := set[Event(e)]; ok {
			elems[e] = s
		}
	}
	return "[" + strings.Join(elems, ",") + "]"
}

// testMachineJSON is the exact JSON form of testMachine.
var testMachineJSON = `{"allowed_padding_packets":100,"max_padding_frac":0.5,` +
	`"allowed_blocked_microsec":18446744073709551615,"max_blocking_frac":0.0,"states":[` +
	`{"action":null,"counter":[null,null],"transitions":` +
	transitionsJSON(map[Event]string{NormalSent: "[[1,1.0]]"}) + `},` +
	`{"action":{"SendPadding":{"bypass":false,"replace":true,` +
	`"timeout":{"dist":{"Uniform":{"low":10.0,"high":20.0}},"start":0.0,"max":0.0},` +
	`"limit":{"dist":{"Poisson":{"lambda":3.5}},"start":1.0,"max":10.0}}},` +
	`"counter":[{"operation":"Increment","dist":null,"copy":false},null],"transitions":` +
	transitionsJSON(map[Event]string{NormalSent: "[[1,1.0]]", PaddingSent: "[[2,0.5],[4294967295,0.25]]"}) + `},` +
	`{"action":{"BlockOutgoing":{"bypass":true,"replace":false,` +
	`"timeout":{"dist":{"Normal":{"mean":100.0,"stdev":15.5}},"start":0.0,"max":1000.0},` +
	`"duration":{"dist":{"Binomial":{"trials":10,"probability":0.001}},"start":0.0,"max":0.0},"limit":null}},` +
	`"counter":[null,{"operation":"Decrement","dist":{"dist":{"Geometric":{"probability":0.3}},"start":0.0,"max":0.0},"copy":true}],` +
	`"transitions":` + transitionsJSON(map[Event]string{CounterZero: "[[3,1.0]]"}) + `},` +
	`{"action":{"UpdateTimer":{"replace":false,` +
	`"duration":{"dist":{"SkewNormal":{"location":1.0,"scale":2.0,"shape":-0.5}},"start":5.0,"max":0.0},` +
	`"limit":{"dist":{"Uniform":{"low":1.0,"high":1.0}},"start":0.0,"max":0.0}}},"counter":[null,null],` +
	`"transitions":` + transitionsJSON(map[Event]string{PaddingSent: "[[0,0.75],[4294967294,0.1]]", TimerEnd: "[[4,1.0]]"}) + `},` +
	`{"action":{"Cancel":{"timer":"Internal"}},"counter":[` +
	`{"operation":"Set","dist":{"dist":{"LogNormal":{"mu":0.0,"sigma":1e-10}},"start":0.0,"max":0.0},"copy":false},` +
	`{"operation":"Increment","dist":null,"copy":false}],` +
	`"transitions":` + transitionsJSON(map[Event]string{Signal: "[[0,1.0]]"}) + `}]}`

// testMachine returns a valid machine that uses every action, both
// counters, pseudo-states and every kind of JSON value.
func testMachine() *Machine {
	m := &Machine{
		AllowedPaddingPackets:  100,
		MaxPaddingFrac:         0.5,
		AllowedBlockedMicrosec: math.MaxUint64,
		States:                 make([]State, 5),
	}
	s := m.States
	s[0].Transitions[NormalSent] = []Trans{{1, 1}}
	s[1].Action = SendPadding{
		Replace: true,
		Timeout: Dist{Type: Uniform{Low: 10, High: 20}},
		Limit:   &Dist{Type: Poisson{Lambda: 3.5}, Start: 1, Max: 10},
	}
	s[1].CounterA = &Counter{Operation: CounterIncrement}
	s[1].Transitions[NormalSent] = []Trans{{1, 1}}
	s[1].Transitions[PaddingSent] = []Trans{{2, 0.5}, {StateEnd, 0.25}}
	s[2].Action = BlockOutgoing{
		Bypass:   true,
		Timeout:  Dist{Type: Normal{Mean: 100, Stdev: 15.5}, Max: 1000},
		Duration: Dist{Type: Binomial{Trials: 10, Probability: 0.001}},
	}
	s[2].CounterB = &Counter{Operation: CounterDecrement, Dist: &Dist{Type: Geometric{Probability: 0.3}}, Copy: true}
	s[2].Transitions[CounterZero] = []Trans{{3, 1}}
	s[3].Action = UpdateTimer{
		Duration: Dist{Type: SkewNormal{Location: 1, Scale: 2, Shape: -0.5}, Start: 5},
		Limit:    &Dist{Type: Uniform{Low: 1, High: 1}},
	}
	s[3].Transitions[PaddingSent] = []Trans{{0, 0.75}, {StateSignal, 0.1}}
	s[3].Transitions[TimerEnd] = []Trans{{4, 1}}
	s[4].Action = Cancel{Timer: TimerInternal}
	s[4].CounterA = &Counter{Operation: CounterSet, Dist: &Dist{Type: LogNormal{Mu: 0, Sigma: 1e-10}}}
	s[4].CounterB = &Counter{Operation: CounterIncrement}
	s[4].Transitions[Signal] = []Trans{{0, 1}}
	return m
}

func TestMachineJSON(t *testing.T) {
	m := testMachine()
	if err := m.Validate(); err != nil {
		t.Fatalf("test machine: %v", err)
	}
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != testMachineJSON {
		t.Errorf("Marshal:\ngot  %s\nwant %s", got, testMachineJSON)
	}
	var back Machine
	if err := json.Unmarshal([]byte(testMachineJSON), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, m) {
		t.Errorf("Unmarshal:\ngot  %v\nwant %v", &back, m)
	}
	// A Machine value, not only a pointer, marshals to its serde form.
	if got, err := json.Marshal(*m); err != nil || string(got) != testMachineJSON {
		t.Errorf("Marshal(value) = %s, %v", got, err)
	}
}

func TestDistJSON(t *testing.T) {
	for _, tc := range []struct {
		dist Dist
		want string
	}{
		{Dist{Type: Uniform{Low: 1, High: 2}}, `{"Uniform":{"low":1.0,"high":2.0}}`},
		{Dist{Type: Normal{Mean: -1, Stdev: 0.5}}, `{"Normal":{"mean":-1.0,"stdev":0.5}}`},
		{Dist{Type: SkewNormal{Location: 1, Scale: 2, Shape: 3}}, `{"SkewNormal":{"location":1.0,"scale":2.0,"shape":3.0}}`},
		{Dist{Type: LogNormal{Mu: 1, Sigma: 2}}, `{"LogNormal":{"mu":1.0,"sigma":2.0}}`},
		{Dist{Type: Binomial{Trials: 1 << 62, Probability: 0.5}}, `{"Binomial":{"trials":4611686018427387904,"probability":0.5}}`},
		{Dist{Type: Geometric{Probability: 0.25}}, `{"Geometric":{"probability":0.25}}`},
		{Dist{Type: Pareto{Scale: 1, Shape: 2}}, `{"Pareto":{"scale":1.0,"shape":2.0}}`},
		{Dist{Type: Poisson{Lambda: 1.844e19}}, `{"Poisson":{"lambda":1.844e+19}}`},
		{Dist{Type: Weibull{Scale: 3, Shape: 4}}, `{"Weibull":{"scale":3.0,"shape":4.0}}`},
		{Dist{Type: Gamma{Scale: 5, Shape: 6}}, `{"Gamma":{"scale":5.0,"shape":6.0}}`},
		{Dist{Type: Beta{Alpha: 7, Beta: 8}}, `{"Beta":{"alpha":7.0,"beta":8.0}}`},
	} {
		tc.dist.Start, tc.dist.Max = 2.5, 1e300
		want := `{"dist":` + tc.want + `,"start":2.5,"max":1e+300}`
		checkJSONRoundTrip(t, tc.dist, want)
	}
}

func TestCounterJSON(t *testing.T) {
	checkJSONRoundTrip(t, Counter{Operation: CounterDecrement, Copy: true},
		`{"operation":"Decrement","dist":null,"copy":true}`)
	checkJSONRoundTrip(t, Counter{Operation: CounterSet, Dist: &Dist{Type: Uniform{Low: 1, High: 1}}},
		`{"operation":"Set","dist":{"dist":{"Uniform":{"low":1.0,"high":1.0}},"start":0.0,"max":0.0},"copy":false}`)
}

func TestActionJSON(t *testing.T) {
	d := Dist{Type: Uniform{Low: 1, High: 1}}
	dJSON := `{"dist":{"Uniform":{"low":1.0,"high":1.0}},"start":0.0,"max":0.0}`
	checkJSONRoundTrip(t, Cancel{Timer: TimerAll}, `{"Cancel":{"timer":"All"}}`)
	checkJSONRoundTrip(t, SendPadding{Bypass: true, Timeout: d, Limit: &d},
		`{"SendPadding":{"bypass":true,"replace":false,"timeout":`+dJSON+`,"limit":`+dJSON+`}}`)
	checkJSONRoundTrip(t, BlockOutgoing{Replace: true, Timeout: d, Duration: d},
		`{"BlockOutgoing":{"bypass":false,"replace":true,"timeout":`+dJSON+`,"duration":`+dJSON+`,"limit":null}}`)
	checkJSONRoundTrip(t, UpdateTimer{Replace: true, Duration: d},
		`{"UpdateTimer":{"replace":true,"duration":`+dJSON+`,"limit":null}}`)

	// A concrete action type accepts only its own variant.
	var sp SendPadding
	err := json.Unmarshal([]byte(`{"Cancel":{"timer":"All"}}`), &sp)
	if !errors.Is(err, ErrInvalidMachine) || !strings.Contains(err.Error(), "got a Cancel action, want SendPadding") {
		t.Errorf("Cancel into SendPadding: %v", err)
	}
}

func TestStateJSON(t *testing.T) {
	var s State
	s.Transitions[BlockingBegin] = []Trans{{7, 0.333}}
	checkJSONRoundTrip(t, s, `{"action":null,"counter":[null,null],"transitions":`+
		transitionsJSON(map[Event]string{BlockingBegin: "[[7,0.333]]"})+`}`)
}

// checkJSONRoundTrip checks that v marshals to want exactly and that want
// unmarshals to v.
func checkJSONRoundTrip[T any](t *testing.T, v T, want string) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil || string(got) != want {
		t.Errorf("Marshal(%v):\ngot  %s, %v\nwant %s", v, got, err, want)
	}
	var back T
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		t.Errorf("Unmarshal(%s): %v", want, err)
	} else if !reflect.DeepEqual(back, v) {
		t.Errorf("Unmarshal(%s) = %v, want %v", want, back, v)
	}
}

func TestAppendFloat(t *testing.T) {
	// Where the reference's conformance data holds a value, its text is
	// copied from there: 20000.0, 1e-10, 1e+308, 1.844e+19, 2e+19.
	for _, tc := range []struct {
		f       float64
		bitSize int
		want    string
	}{
		{0, 64, "0.0"},
		{math.Copysign(0, -1), 64, "-0.0"},
		{20000, 64, "20000.0"},
		{0.125, 64, "0.125"},
		{-38801.286, 64, "-38801.286"},
		{29888.300084845632, 64, "29888.300084845632"},
		{1e-5, 64, "0.00001"},
		{1.5e-5, 64, "0.000015"},
		{1e-6, 64, "1e-6"},
		{1e-10, 64, "1e-10"},
		{1e15, 64, "1000000000000000.0"},
		{123456789012345.6, 64, "123456789012345.6"},
		{1e16, 64, "1e+16"},
		{1.844e19, 64, "1.844e+19"},
		{2e19, 64, "2e+19"},
		{1e308, 64, "1e+308"},
		{-1e308, 64, "-1e+308"},
		{math.MaxFloat64, 64, "1.7976931348623157e+308"},
		{5e-324, 64, "5e-324"},
		{math.NaN(), 64, "null"},
		{math.Inf(1), 64, "null"},
		{math.Inf(-1), 64, "null"},
		{float64(float32(0.167)), 32, "0.167"},
		{float64(float32(0.1)), 32, "0.1"},
		{1, 32, "1.0"},
		{float64(float32(1e-6)), 32, "0.000001"},
		{float64(float32(1e-7)), 32, "1e-7"},
		{1e12, 32, "1000000000000.0"},
		{1e13, 32, "1e+13"},
	} {
		if got := string(appendFloat(nil, tc.f, tc.bitSize)); got != tc.want {
			t.Errorf("appendFloat(%v, %d) = %s, want %s", tc.f, tc.bitSize, got, tc.want)
		}
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	// Each case breaks testMachineJSON by replacing one piece of it, which
	// must occur exactly once.
	for _, tc := range []struct {
		old, new string
		want     string // in the error
	}{
		{`"max_padding_frac":0.5`, `"max_padding_frac":0.5,"max_paddng_frac":0.5`, `json: unknown field "max_paddng_frac"`},
		{`"allowed_padding_packets":100,`, ``, `json: missing field "allowed_padding_packets"`},
		{`"max_padding_frac":0.5`, `"max_padding_frac":null`, `json: max_padding_frac: got null, want a number`},
		{`"max_padding_frac":0.5`, `"max_padding_frac":"0.5"`, `max_padding_frac: got the string "0.5", want a number`},
		{`"max_padding_frac":0.5`, `"max_padding_frac":1e400`, `max_padding_frac: the number 1e400 is out of the float64 range`},
		{`"allowed_padding_packets":100`, `"allowed_padding_packets":100.0`, `allowed_padding_packets: got the number 100.0, want an integer`},
		{`"allowed_padding_packets":100`, `"allowed_padding_packets":-1`, `allowed_padding_packets: got the number -1, want an integer`},
		{`18446744073709551615`, `18446744073709551616`, `allowed_blocked_microsec: got the number 18446744073709551616, want an integer`},
		{`"max_padding_frac":0.5`, `"max_padding_frac":0.5,"max_padding_frac":0.5`, `json: field "max_padding_frac" given more than once`},
		{`[4294967295,0.25]`, `[4294967296,0.25]`, `json: states[1].transitions[PaddingSent][1]: state 4294967296 is above the largest`},
		{`[4294967294,0.1]`, `[4294967294,0.1,0.1]`, `json: states[3].transitions[PaddingSent][1]: got an array of length 3, want length 2`},
		{`[4294967294,0.1]`, `[4294967294,"0.1"]`, `json: states[3].transitions[PaddingSent][1]: probability: got the string "0.1"`},
		{`[4294967294,0.1]`, `[1.5,0.1]`, `json: states[3].transitions[PaddingSent][1]: state: got the number 1.5, want an integer`},
		{`[4294967294,0.1]`, `[4294967294,1e39]`, `probability: the number 1e39 is out of the float32 range`},
		{`"counter":[null,null],"transitions":[null,null,null,[[1,1.0]],null,null,null,null,null,null,null,null,null]`,
			`"counter":[null,null],"transitions":[null,null,null,[[1,1.0]],null,null,null,null,null,null,null,null]`,
			`json: states[0].transitions: got an array of length 12, want length 13`},
		{`[{"operation":"Set"`, `[{"operation":"Add"`, `json: states[4].counter[A].operation: unknown variant "Add", want one of Increment, Decrement, Set`},
		{`"operation":"Decrement"`, `"operation":{"Decrement":null}`, `json: states[2].counter[B].operation: got an object, want a string`},
		{`"counter":[null,{"operation":"Decrement"`, `"counter":[{"operation":"Decrement"`, `json: states[2].counter: got an array of length 1, want length 2`},
		{`"timer":"Internal"`, `"timer":"Both"`, `json: states[4].action.Cancel.timer: unknown variant "Both", want one of Action, Internal, All`},
		{`{"Cancel":{"timer":"Internal"}}`, `{"Cancel":{"timer":"Internal"},"UpdateTimer":{}}`, `json: states[4].action: got an object with 2 members, want an object with one member`},
		{`{"Cancel":{"timer":"Internal"}}`, `"Cancel"`, `json: states[4].action: got the string "Cancel", want an object`},
		{`{"Cancel":{"timer":"Internal"}}`, `{"Abort":{"timer":"Internal"}}`, `json: states[4].action: unknown variant "Abort", want one of Cancel, SendPadding, BlockOutgoing, UpdateTimer`},
		{`"bypass":true`, `"bypass":1`, `json: states[2].action.BlockOutgoing.bypass: got the number 1, want true or false`},
		{`"bypass":true,`, ``, `json: states[2].action.BlockOutgoing: missing field "bypass"`},
		{`{"Uniform":{"low":10.0,"high":20.0}}`, `{"Unifrom":{"low":10.0,"high":20.0}}`, `json: states[1].action.SendPadding.timeout.dist: unknown variant "Unifrom"`},
		{`{"Uniform":{"low":10.0,"high":20.0}}`, `{"Uniform":{"low":10.0}}`, `json: states[1].action.SendPadding.timeout.dist.Uniform: missing field "high"`},
		{`{"Uniform":{"low":10.0,"high":20.0}}`, `{"Uniform":{"low":10.0,"high":20.0,"mid":15.0}}`, `json: states[1].action.SendPadding.timeout.dist.Uniform: unknown field "mid", want one of low, high`},
		{`"lambda":3.5}},"start":1.0`, `"lambda":3.5}},"start":1.0,"min":0.0`, `json: states[1].action.SendPadding.limit: unknown field "min", want one of dist, start, max`},
		{`{"Geometric":{"probability":0.3}}`, `{"Geometric":[0.3]}`, `json: states[2].counter[B].dist.dist.Geometric: got an array, want an object`},
		{`]}]}`, `]}]}{}`, `json: more than one value`},
		{`]}]}`, `]}]`, `json: unexpected EOF`},
		{`"states":[`, `"states":[,`, `json: at byte 136: invalid character ',' at start of value`},
	} {
		if n := strings.Count(testMachineJSON, tc.old); n != 1 {
			t.Fatalf("%q occurs %d times in testMachineJSON", tc.old, n)
		}
		doc := strings.Replace(testMachineJSON, tc.old, tc.new, 1)
		checkUnmarshalError(t, doc, tc.want)
	}
}

func TestUnmarshalJSONBadDocuments(t *testing.T) {
	checkUnmarshalError(t, ``, `json: unexpected EOF`)
	checkUnmarshalError(t, `[]`, `json: got an array, want an object`)
	checkUnmarshalError(t, `{"states":[]}`, `json: missing field "allowed_padding_packets"`)
	checkUnmarshalError(t, `{"allowed_padding_packets":0,"max_padding_frac":0,"allowed_blocked_microsec":0,`+
		`"max_blocking_frac":0,"states":{}}`, `json: states: got an object, want an array`)
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	checkUnmarshalError(t, deep, `json: nested more than 32 levels deep`)
	deep = `{"states":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 101)
	checkUnmarshalError(t, deep, `json: nested more than 32 levels deep`)
	deep = strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth)
	checkUnmarshalError(t, deep, `json: got an array, want an object`)
	deep = "[" + deep + "]"
	checkUnmarshalError(t, deep, `json: nested more than 32 levels deep`)

	// A name is at most maxJSONName bytes long, quotes included, and the
	// longest of the JSON form fits with every character escaped.
	long := strings.Repeat("x", maxJSONName-2)
	checkUnmarshalError(t, `{"`+long+`":1}`, `json: unknown field "`+long[:40]+`...", want one of`)
	checkUnmarshalError(t, `{"`+long+`x":1}`, `json: at byte 1: a name of 257 bytes, longer than any field or variant name`)
	var escaped strings.Builder
	for _, c := range "allowed_blocked_microsec" {
		fmt.Fprintf(&escaped, `\u%04x`, c)
	}
	if n := escaped.Len() + 2; n > maxJSONName {
		t.Fatalf("allowed_blocked_microsec takes %d bytes escaped, more than maxJSONName", n)
	}
	doc := strings.Replace(testMachineJSON, `"allowed_blocked_microsec"`, `"`+escaped.String()+`"`, 1)
	var m Machine
	if err := m.UnmarshalJSON([]byte(doc)); err != nil || !reflect.DeepEqual(&m, testMachine()) {
		t.Errorf("the machine with an escaped name: %v", err)
	}
}

func TestUnmarshalJSONSyntax(t *testing.T) {
	// The syntax errors encoding/json finds, with jsontext's messages and
	// the offset of the byte at fault.
	for _, tc := range []struct{ doc, want string }{
		{`{"a":1,}`, `json: at byte 6: invalid character ',' at start of value`},
		{`{1:2}`, `json: at byte 1: object member name must be a string`},
		{`{"a" 1}`, `json: at byte 5: invalid character '1' after object name (expecting ':')`},
		{`{"a":1 "b":2}`, `json: at byte 7: invalid character '"' after object value (expecting ',' or '}')`},
		{`{"a":}`, `json: at byte 5: missing value after object name`},
		{`[1,]`, `json: at byte 2: invalid character ',' at start of value`},
		{`[1 2]`, `json: at byte 3: invalid character '2' after array element (expecting ',' or ']')`},
		{`[1}`, `json: at byte 2: invalid character '}' after array element (expecting ',' or ']')`},
		{`[01]`, `json: at byte 2: invalid character '1' after array element (expecting ',' or ']')`},
		{`[+1]`, `json: at byte 1: invalid character '+' at start of value`},
		{`[-]`, `json: at byte 2: invalid character ']' in number (expecting digit)`},
		{`[1.]`, `json: at byte 3: invalid character ']' in number (expecting digit)`},
		{`[.5]`, `json: at byte 1: invalid character '.' at start of value`},
		{`[1e+]`, `json: at byte 4: invalid character ']' in number (expecting digit)`},
		{`[NaN]`, `json: at byte 1: invalid character 'N' at start of value`},
		{`[nul]`, `json: at byte 4: invalid character ']' in literal null (expecting 'l')`},
		{`[True]`, `json: at byte 1: invalid character 'T' at start of value`},
		{"[\"a\tb\"]", `json: at byte 3: invalid character '\t' in string (expecting non-control character)`},
		{`["\x"]`, "json: at byte 2: invalid escape sequence `\\x` in string"},
		{`["\u12g4"]`, "json: at byte 2: invalid escape sequence `\\u12g4` in string"},
		{`['a']`, `json: at byte 1: invalid character '\'' at start of value`},
		{"\xef\xbb\xbf{}", `json: at byte 0: invalid character '\ufeff' at start of value`},
		{"{}\x00", `json: at byte 2: invalid character '\x00' at start of value`},
		{`{} ]`, `json: at byte 3: invalid character ']' at start of value`},
		{`{} 1`, `json: more than one value`},
		{`null null`, `json: more than one value`},
		{`{"a":[1,"b`, `json: unexpected EOF`},
		{`{"a":tr`, `json: unexpected EOF`},
		{`{"a":1e`, `json: unexpected EOF`},
		{` `, `json: unexpected EOF`},
	} {
		if json.Valid([]byte(tc.doc)) {
			t.Fatalf("%q is valid JSON", tc.doc)
		}
		m := *testMachine()
		err := m.UnmarshalJSON([]byte(tc.doc))
		if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("UnmarshalJSON(%q) = %v, want an error ending %q", tc.doc, err, tc.want)
		}
		if strings.HasSuffix(tc.want, "EOF") && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("UnmarshalJSON(%q) = %v, not io.ErrUnexpectedEOF", tc.doc, err)
		}
	}
}

func TestUnmarshalJSONStrings(t *testing.T) {
	// Names may be escaped.
	var c Counter
	if err := c.UnmarshalJSON([]byte(`{"op\u0065ration":"Incr\u0065ment","dist":null,"\u0063opy":true}`)); err != nil {
		t.Fatal(err)
	}
	if c != (Counter{Operation: CounterIncrement, Copy: true}) {
		t.Errorf("got %+v", c)
	}
	// Errors show strings as encoding/json decodes them: invalid UTF-8 and
	// unpaired surrogates become U+FFFD.
	for _, tc := range []struct{ doc, want string }{
		{`{"operation":"S\u00e9t\ud83d\ude00"}`, `json: operation: unknown variant "Sét😀"`},
		{"{\"operation\":\"\xffS\\ud800et\\udc00\"}", "json: operation: unknown variant \"\uFFFDS\uFFFDet\uFFFD\""},
		{`{"operation":"\"\\\/\b\f\n\r\t"}`, `json: operation: unknown variant "\"\\/\b\f\n\r\t"`},
		{`{"operation":"Set","c\u00f6py":true}`, `json: unknown field "cöpy"`},
		{`{"operation":"Set","dist":null,"copy":"` + strings.Repeat(`\u0053`, 50) + `"}`,
			`json: copy: got the string "` + strings.Repeat("S", 40) + `...", want true or false`},
	} {
		err := c.UnmarshalJSON([]byte(tc.doc))
		if !errors.Is(err, ErrInvalidMachine) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("UnmarshalJSON(%s) = %v, want an error containing %s", tc.doc, err, tc.want)
		}
	}
}

// checkUnmarshalError checks that doc does not unmarshal into a Machine,
// with an error wrapping ErrInvalidMachine that contains want, and that the
// failure leaves the machine alone.
func checkUnmarshalError(t *testing.T, doc, want string) {
	t.Helper()
	m := *testMachine()
	err := m.UnmarshalJSON([]byte(doc))
	switch {
	case err == nil:
		t.Errorf("UnmarshalJSON(%s) succeeds, want an error containing %q", doc, want)
	case !errors.Is(err, ErrInvalidMachine):
		t.Errorf("error %q does not wrap ErrInvalidMachine", err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("error %q does not contain %q", err, want)
	case !reflect.DeepEqual(&m, testMachine()):
		t.Errorf("a failed UnmarshalJSON changed the machine")
	}
}

func TestUnmarshalJSONLenient(t *testing.T) {
	// Optional members may be left out, floats may be written as integers,
	// and probabilities as the reference prints them, widened to float64.
	doc := `{"allowed_padding_packets":0,"max_padding_frac":1,"allowed_blocked_microsec":0,` +
		`"max_blocking_frac":0,"states":[{"counter":[{"operation":"Increment","copy":false},null],"transitions":` +
		transitionsJSON(map[Event]string{
			NormalSent:  "[[0,0.16699999570846558],[4294967295,0.3970000147819519]]",
			PaddingSent: "[[0,0.167],[4294967295,0.397]]",
		}) + `,"action":{"UpdateTimer":{"replace":true,"duration":{"start":0,"max":0,` +
		`"dist":{"Uniform":{"high":2,"low":1}}}}}}]}`
	var m Machine
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	want := Machine{MaxPaddingFrac: 1, States: []State{{
		Action:   UpdateTimer{Replace: true, Duration: Dist{Type: Uniform{Low: 1, High: 2}}},
		CounterA: &Counter{},
	}}}
	want.States[0].Transitions[NormalSent] = []Trans{{0, 0.167}, {StateEnd, 0.397}}
	want.States[0].Transitions[PaddingSent] = []Trans{{0, 0.167}, {StateEnd, 0.397}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %v\nwant %v", &m, &want)
	}

	// White space may come anywhere between tokens, however much of it.
	spaced := strings.NewReplacer("{", "{ \n\t\r"+strings.Repeat(" ", 2*maxJSONName),
		",", ","+strings.Repeat("\n", 2*maxJSONName), ":", strings.Repeat("\t", maxJSONName)+":").Replace(testMachineJSON)
	m = Machine{}
	if err := m.UnmarshalJSON([]byte(spaced)); err != nil || !reflect.DeepEqual(&m, testMachine()) {
		t.Errorf("testMachineJSON with white space: %v", err)
	}

	// null leaves the machine as it is, as encoding/json asks.
	m = *testMachine()
	if err := m.UnmarshalJSON([]byte("null")); err != nil || !reflect.DeepEqual(&m, testMachine()) {
		t.Errorf("UnmarshalJSON(null) = %v, or changed the machine", err)
	}
}

func TestUnmarshalJSONDoesNotValidate(t *testing.T) {
	doc := strings.Replace(testMachineJSON, `"max_padding_frac":0.5`, `"max_padding_frac":2.0`, 1)
	doc = strings.Replace(doc, `[[2,0.5],[4294967295,0.25]]`, `[]`, 1)
	var m Machine
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	if m.MaxPaddingFrac != 2 || m.States[1].Transitions[PaddingSent] == nil || len(m.States[1].Transitions[PaddingSent]) != 0 {
		t.Errorf("got %v", &m)
	}
	if err := m.Validate(); err == nil {
		t.Error("Validate accepts max_padding_frac 2.0")
	}
}

// foreignAction is an Action from outside the four of the package (as a
// type embedding one of them could be): it has no JSON form.
type foreignAction struct{ Cancel }

func TestMarshalJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		change func(m *Machine)
		want   string
	}{
		{func(m *Machine) { m.States[4].Action = Cancel{Timer: 7} }, `json: states[4].action.Cancel.timer: 7 is not a variant of Action, Internal, All`},
		{func(m *Machine) { m.States[4].CounterB.Operation = 3 }, `json: states[4].counter[B].operation: 3 is not a variant of Increment, Decrement, Set`},
		{func(m *Machine) { m.States[4].Action = foreignAction{} }, `json: states[4].action: type maybenot.foreignAction has no JSON form`},
		{func(m *Machine) { m.States[2].CounterB.Dist.Type = nil }, `json: states[2].counter[B].dist.dist: nil has no JSON form`},
	} {
		m := testMachine()
		tc.change(m)
		_, err := json.Marshal(m)
		switch {
		case err == nil:
			t.Errorf("Marshal succeeds, want an error containing %q", tc.want)
		case !errors.Is(err, ErrInvalidMachine):
			t.Errorf("error %q does not wrap ErrInvalidMachine", err)
		case !strings.Contains(err.Error(), tc.want):
			t.Errorf("error %q does not contain %q", err, tc.want)
		}
	}
}

func TestMarshalJSONNonFinite(t *testing.T) {
	// serde_json writes NaN and the infinities as null, which then does not
	// unmarshal as a number.
	m := testMachine()
	m.MaxPaddingFrac = math.NaN()
	m.States[1].Action = SendPadding{Timeout: Dist{Type: Normal{Mean: math.Inf(1)}, Max: math.Inf(-1)}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"max_padding_frac":null`, `{"Normal":{"mean":null,"stdev":0.0}},"start":0.0,"max":null}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not contain %s", b, want)
		}
	}
	if err := json.Unmarshal(b, new(Machine)); err == nil {
		t.Error("a document with null for a float unmarshals")
	}
}
