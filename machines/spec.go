package machines

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/maybenot-go/maybenot"
)

// Spec names one defense of this package with its parameters: one entry of
// a defense's list of machines, as the reference's StaticMachine is. Its
// string form is a name followed by the parameters, separated by white
// space:
//
//	noop
//	netflow
//	break_pad_client
//	break_pad_server
//	interspace_client
//	interspace_server
//	front padding_budget_max window_min window_max num_states
//	tamaraw p stop_window
//	regulator_client u c
//	regulator_server r d t n b
//	scrambler_client
//	scrambler_server interval min_count min_trail max_trail
//
// for example "front 1700 1 14 5" or "tamaraw 0.04 3000000" (SpecForms
// lists them). Its JSON form is the reference's serde form: a string for a
// defense without parameters ("NoOp", "SimpleNetFlow", "BreakPadClient",
// "BreakPadServer", "InterspaceClient", "InterspaceServer",
// "ScramblerClient") and an object with one member, named after the
// defense, holding its parameters for the others:
//
//	{"Front":{"padding_budget_max":1700,"window_min":1.0,"window_max":14.0,"num_states":5}}
//	{"Tamaraw":{"p":0.04,"stop_window":3000000.0}}
//	{"RegulatorClient":{"u":3.95,"c":1.77}}
//	{"RegulatorServer":{"r":277.0,"d":0.94,"t":3.55,"n":3550.0,"b":30}}
//	{"ScramblerServer":{"interval":1.0,"min_count":2.0,"min_trail":3.0,"max_trail":4.0}}
//
// The zero Spec is "noop": one state that never acts. A Spec holds only
// its name and parameters; Build turns specs into machines, checking the
// parameters then.
type Spec struct {
	kind   kind
	budget uint32     // Front's padding_budget_max
	f      [4]float64 // the float parameters, in order
	n      uint64     // Front's num_states, RegulatorServer's b
}

// kind is a defense of the package, in the order of the reference's
// StaticMachine.
type kind uint8

const (
	kindNoOp kind = iota
	kindSimpleNetFlow
	kindRegulatorClient
	kindRegulatorServer
	kindTamaraw
	kindInterspaceClient
	kindInterspaceServer
	kindFront
	kindBreakPadClient
	kindBreakPadServer
	kindScramblerClient
	kindScramblerServer
	numKinds
)

// param is one parameter of a spec: its name (in the string form's errors
// and as the JSON member) and where a Spec holds it (a *float64, *uint32
// or *uint64).
type param struct {
	name  string
	field func(*Spec) any
}

func floatParam(name string, i int) param {
	return param{name, func(s *Spec) any { return &s.f[i] }}
}

var (
	budgetParam = param{"padding_budget_max", func(s *Spec) any { return &s.budget }}
	countParam  = func(name string) param { return param{name, func(s *Spec) any { return &s.n }} }
)

// kindInfo describes a kind: its name in the string form and in the JSON
// form, and its parameters in order.
type kindInfo struct {
	word, variant string
	params        []param
}

var kinds = [numKinds]kindInfo{
	kindNoOp:             {"noop", "NoOp", nil},
	kindSimpleNetFlow:    {"netflow", "SimpleNetFlow", nil},
	kindRegulatorClient:  {"regulator_client", "RegulatorClient", []param{floatParam("u", 0), floatParam("c", 1)}},
	kindRegulatorServer:  {"regulator_server", "RegulatorServer", []param{floatParam("r", 0), floatParam("d", 1), floatParam("t", 2), floatParam("n", 3), countParam("b")}},
	kindTamaraw:          {"tamaraw", "Tamaraw", []param{floatParam("p", 0), floatParam("stop_window", 1)}},
	kindInterspaceClient: {"interspace_client", "InterspaceClient", nil},
	kindInterspaceServer: {"interspace_server", "InterspaceServer", nil},
	kindFront:            {"front", "Front", []param{budgetParam, floatParam("window_min", 0), floatParam("window_max", 1), countParam("num_states")}},
	kindBreakPadClient:   {"break_pad_client", "BreakPadClient", nil},
	kindBreakPadServer:   {"break_pad_server", "BreakPadServer", nil},
	kindScramblerClient:  {"scrambler_client", "ScramblerClient", nil},
	kindScramblerServer:  {"scrambler_server", "ScramblerServer", []param{floatParam("interval", 0), floatParam("min_count", 1), floatParam("min_trail", 2), floatParam("max_trail", 3)}},
}

// form returns the kind's string form with its parameters' names, such as
// "tamaraw p stop_window".
func (k kind) form() string {
	info := &kinds[k]
	var b strings.Builder
	b.WriteString(info.word)
	for _, p := range info.params {
		b.WriteString(" " + p.name)
	}
	return b.String()
}

// SpecForms returns the string form of every defense, with its parameters
// named, one per defense in the order of the Spec documentation: "noop",
// ..., "front padding_budget_max window_min window_max num_states", ....
func SpecForms() []string {
	forms := make([]string, 0, numKinds)
	for _, k := range specFormOrder {
		forms = append(forms, k.form())
	}
	return forms
}

// specFormOrder is the order SpecForms lists the kinds in: the
// reference's list of its spec strings.
var specFormOrder = []kind{
	kindNoOp, kindSimpleNetFlow, kindBreakPadClient, kindBreakPadServer,
	kindInterspaceClient, kindInterspaceServer, kindFront, kindTamaraw,
	kindRegulatorClient, kindRegulatorServer, kindScramblerClient,
	kindScramblerServer,
}

// parsedInOrder are the kinds with parameters in the order ParseSpec tries
// them, with the text that selects each: the reference looks for it
// anywhere in the string (so "xfront 1 2 3 4" is a FRONT spec), in this
// order.
var parsedInOrder = []struct {
	kind kind
	mark string
}{
	{kindTamaraw, "tamaraw "},
	{kindRegulatorClient, "regulator_client "},
	{kindRegulatorServer, "regulator_server "},
	{kindFront, "front "},
	{kindScramblerServer, "scrambler_server"},
}

// ParseSpec parses the string form of a spec, exactly as the reference
// does: a string containing "tamaraw ", "regulator_client ",
// "regulator_server ", "front " or "scrambler_server" (tried in this order,
// anywhere in the string) is that defense's spec and must have its
// parameters after the name, separated by white space; otherwise the
// string must be one of the names without parameters. Numbers are
// decimal: the floats as Rust writes them (an optional sign, digits with
// an optional point and exponent, or inf, infinity or nan in any case),
// the integers as digits with an optional "+". The error wraps
// ErrInvalidSpec and names the parameter at fault.
//
// ParseSpec checks only the form: Build checks the values.
func ParseSpec(s string) (Spec, error) {
	for _, p := range parsedInOrder {
		if strings.Contains(s, p.mark) {
			return parseParams(p.kind, s)
		}
	}
	for k := range kinds {
		if info := &kinds[k]; info.params == nil && s == info.word {
			return Spec{kind: kind(k)}, nil
		}
	}
	return Spec{}, fmt.Errorf("%w %q: not one of %s", ErrInvalidSpec, s, strings.Join(SpecForms(), ", "))
}

// parseParams parses s as a spec of kind k: the name and its parameters.
func parseParams(k kind, s string) (Spec, error) {
	info := &kinds[k]
	fields := strings.Fields(s)
	if len(fields) != 1+len(info.params) {
		return Spec{}, fmt.Errorf("%w %q: want %q", ErrInvalidSpec, s, k.form())
	}
	spec := Spec{kind: k}
	for i, p := range info.params {
		text := fields[1+i]
		var ok bool
		switch v := p.field(&spec).(type) {
		case *float64:
			*v, ok = parseFloat(text)
		case *uint32:
			var n uint64
			n, ok = parseUint(text, math.MaxUint32)
			*v = uint32(n)
		case *uint64:
			*v, ok = parseUint(text, math.MaxUint64)
		}
		if !ok {
			return Spec{}, fmt.Errorf("%w %q: parameter %s: %q is not %s", ErrInvalidSpec, s, p.name, text, p.want(&spec))
		}
	}
	return spec, nil
}

// want says what a parameter's value must be.
func (p param) want(s *Spec) string {
	switch p.field(s).(type) {
	case *uint32:
		return "an integer from 0 to 4294967295"
	case *uint64:
		return "an integer from 0 to 18446744073709551615"
	}
	return "a number"
}

// parseFloat parses a float as Rust's f64 parsing does: an optional sign,
// then inf, infinity or nan in any case, or a decimal with at least one
// digit, an optional point and an optional exponent. Out of range values
// give infinities or zeros, as there. NaN is the quiet NaN Rust makes,
// with the sign given.
func parseFloat(s string) (float64, bool) {
	body := s
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		bits := uint64(0x7FF8000000000000)
		if neg {
			bits |= 1 << 63
		}
		return math.Float64frombits(bits), true
	}
	if !isDecimal(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// isDecimal reports whether s is digits with an optional point, at least
// one digit, then an optional exponent: e or E, an optional sign and at
// least one digit.
func isDecimal(s string) bool {
	i, digits := 0, 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && isDigit(s[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseUint parses an unsigned integer as Rust does: an optional "+", then
// decimal digits, at most limit.
func parseUint(s string, limit uint64) (uint64, bool) {
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		return 0, false
	}
	return n, true
}

// String returns the spec's string form, which ParseSpec parses back to
// the same spec: "tamaraw 0.04 3000000". Floats are written in the
// shortest form that reads back exactly.
func (s Spec) String() string {
	info := &kinds[s.kindOrNoOp()]
	b := []byte(info.word)
	for _, p := range info.params {
		b = append(b, ' ')
		b = appendValue(b, p.field(&s))
	}
	return string(b)
}

// kindOrNoOp returns the spec's kind; a Spec only ever holds a valid one.
func (s *Spec) kindOrNoOp() kind {
	if s.kind >= numKinds {
		return kindNoOp
	}
	return s.kind
}

// appendValue appends the parameter value v points to, in the string
// form: integers in decimal, floats in plain decimal notation when their
// magnitude is from 1e-6 to below 1e21 (or 0), else in scientific
// notation, always in the fewest digits that read back exactly; NaN and
// the infinities as NaN (-NaN with the sign bit set), +Inf and -Inf.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case *uint32:
		return strconv.AppendUint(b, uint64(*v), 10)
	case *uint64:
		return strconv.AppendUint(b, *v, 10)
	case *float64:
		f := *v
		if math.IsNaN(f) && math.Signbit(f) {
			return append(b, "-NaN"...)
		}
		if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
			return strconv.AppendFloat(b, f, 'f', -1, 64)
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	return b
}

// Build returns the machines of the specs, in order: each spec's machines
// (one, two, three or seven, by defense) one after the other, as the
// reference's get_machine does. The builders that draw (front,
// interspace_client and interspace_server) draw from rng in turn, so the
// same specs and source give the same machines, the reference's; nil draws
// from math/rand/v2's top-level generator, which is what defending real
// traffic needs.
//
// The error, wrapping ErrInvalidParameter, names the spec at fault and
// why: parameters for which the reference would panic (see each builder).
func Build(specs []Spec, rng rand.Source) ([]maybenot.Machine, error) {
	rng = orDefault(rng)
	var all []maybenot.Machine
	for i := range specs {
		ms, err := specs[i].build(rng)
		if err != nil {
			return nil, fmt.Errorf("spec %d (%s): %w", i, specs[i].String(), err)
		}
		all = append(all, ms...)
	}
	return all, nil
}

// Machines returns the machines of the one defense s names, as Build does
// for a list of one spec, drawing from rng if the defense draws (nil: a
// fresh source).
func (s Spec) Machines(rng rand.Source) ([]maybenot.Machine, error) {
	return s.build(orDefault(rng))
}

// build returns the machines of one spec.
func (s *Spec) build(rng rand.Source) ([]maybenot.Machine, error) {
	one := func(m maybenot.Machine, err error) ([]maybenot.Machine, error) {
		if err != nil {
			return nil, err
		}
		return []maybenot.Machine{m}, nil
	}
	f := &s.f
	switch s.kindOrNoOp() {
	case kindSimpleNetFlow:
		return one(SimpleNetFlow())
	case kindRegulatorClient:
		return RegulatorClient(f[0], f[1])
	case kindRegulatorServer:
		if s.n > maxRegulatorBins {
			return nil, binsError(s.n)
		}
		return RegulatorServer(f[0], f[1], f[2], f[3], int(s.n))
	case kindTamaraw:
		return Tamaraw(f[0], f[1])
	case kindInterspaceClient:
		return InterspaceClient(rng)
	case kindInterspaceServer:
		return InterspaceServer(rng)
	case kindFront:
		if s.n > maxFrontStates {
			return nil, numStatesError(s.n)
		}
		return Front(s.budget, f[0], f[1], int(s.n), rng)
	case kindBreakPadClient:
		return BreakPadClient()
	case kindBreakPadServer:
		return BreakPadServer()
	case kindScramblerClient:
		return ScramblerClient()
	case kindScramblerServer:
		return ScramblerServer(f[0], f[1], f[2], f[3])
	}
	return one(noOp())
}

// noOp is the machine that does nothing: one state without transitions or
// action.
func noOp() (maybenot.Machine, error) {
	return machine("noop", 0, 0, 0, 0, []maybenot.State{{}})
}
