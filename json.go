package maybenot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// This file holds the JSON form of machines: the one serde_json gives the
// reference's types. Machine.UnmarshalJSON documents the rules.
//
// Every type with an object form lists its members once, as jsonFields: a
// serde name and a pointer to the Go field. Encoding and decoding both walk
// that list and pick a codec for each field by its pointer's type, so the
// two directions cannot drift apart.

// MarshalJSON returns the JSON form of the machine, as the reference writes
// it with serde_json (see UnmarshalJSON for the layout). Numbers are written
// as serde_json writes them: integers exactly, a float64 in the shortest
// form that reads back to the same value with ".0" added to integral values
// (20000.0), transition probabilities in the shortest form of their float32.
// A NaN or infinite float becomes null, as serde_json makes it; such a
// document does not unmarshal again, in the reference or here.
//
// An Action or DistType of a type outside this package, or a Timer or
// Operation outside its constants, has no JSON form: the error wraps
// ErrInvalidMachine and gives the path to the value. MarshalJSON does not
// otherwise validate the machine.
func (m Machine) MarshalJSON() ([]byte, error) { return marshalJSON(&m) }

// UnmarshalJSON sets m from its JSON form, the one serde_json gives the
// reference's types:
//
//   - a struct is an object with the reference's snake_case field names:
//     allowed_padding_packets, max_padding_frac, allowed_blocked_microsec,
//     max_blocking_frac and states for a machine;
//   - an enum is externally tagged: a variant with fields is an object whose
//     only member is named after the variant ({"Uniform":{"low":1.0,
//     "high":2.0}}), a variant without fields is its name as a string
//     ("Increment", "Action");
//   - an absent optional value (a nil pointer or Action) is null, and may
//     also be left out;
//   - a state's counters are the two-element array "counter" ([A, B]), and
//     its transitions the NumEvents-element array "transitions", indexed by
//     Event, of null or arrays of [state, probability] pairs.
//
// Every other member is required. Integers must be written as integers that
// fit their type (a state index in 32 bits); a float may be written in any
// JSON number form. A probability is read as a float64 and then rounded to
// float32, as the reference reads one, so the widened form the reference
// prints (0.16699999570846558) gives back the same float32 as 0.167.
//
// UnmarshalJSON is stricter than the reference on purpose. A member the type
// does not have is an error, so that a misspelt field name cannot pass
// silently as a missing optional value. A struct must be an object (serde
// also takes an array of its fields in order) and a fieldless variant a
// string (serde also takes {"Increment":null}). Like serde, it rejects a
// member given twice. The error wraps ErrInvalidMachine and gives the path
// to the problem, such as states[3].transitions[PaddingSent][1].
//
// UnmarshalJSON does not validate the machine: call Validate for that. On
// error m is left unchanged. As encoding/json asks of unmarshalers, a JSON
// null leaves m unchanged and is not an error.
func (m *Machine) UnmarshalJSON(data []byte) error { return unmarshalStruct(data, m) }

// MarshalJSON returns the JSON form of the state: an object with the members
// action, counter and transitions. See Machine.MarshalJSON.
func (s State) MarshalJSON() ([]byte, error) { return marshalJSON(&s) }

// UnmarshalJSON sets s from its JSON form, by the rules of
// Machine.UnmarshalJSON. Target states are not checked against any machine.
func (s *State) UnmarshalJSON(data []byte) error { return unmarshalStruct(data, s) }

// MarshalJSON returns the JSON form of the distribution: an object with the
// members dist (the tagged type, such as {"Normal":{"mean":1.0,
// "stdev":2.0}}), start and max. See Machine.MarshalJSON.
func (d Dist) MarshalJSON() ([]byte, error) { return marshalJSON(&d) }

// UnmarshalJSON sets d from its JSON form, by the rules of
// Machine.UnmarshalJSON. The parameters are not validated.
func (d *Dist) UnmarshalJSON(data []byte) error { return unmarshalStruct(data, d) }

// MarshalJSON returns the JSON form of the counter: an object with the
// members operation ("Increment", "Decrement" or "Set"), dist (null for
// none) and copy. See Machine.MarshalJSON.
func (c Counter) MarshalJSON() ([]byte, error) { return marshalJSON(&c) }

// UnmarshalJSON sets c from its JSON form, by the rules of
// Machine.UnmarshalJSON.
func (c *Counter) UnmarshalJSON(data []byte) error { return unmarshalStruct(data, c) }

// MarshalJSON returns the JSON form of the action, tagged as in a state:
// {"Cancel":{"timer":"Internal"}}. See Machine.MarshalJSON.
func (a Cancel) MarshalJSON() ([]byte, error) { return marshalAction(a) }

// UnmarshalJSON sets a from the tagged JSON form that MarshalJSON writes. A
// different action is an error.
func (a *Cancel) UnmarshalJSON(data []byte) error { return unmarshalAction(data, a) }

// MarshalJSON returns the JSON form of the action, tagged as in a state:
// {"SendPadding":{"bypass":false,"replace":false,"timeout":{...},
// "limit":null}}. See Machine.MarshalJSON.
func (a SendPadding) MarshalJSON() ([]byte, error) { return marshalAction(a) }

// UnmarshalJSON sets a from the tagged JSON form that MarshalJSON writes. A
// different action is an error.
func (a *SendPadding) UnmarshalJSON(data []byte) error { return unmarshalAction(data, a) }

// MarshalJSON returns the JSON form of the action, tagged as in a state:
// {"BlockOutgoing":{"bypass":false,"replace":false,"timeout":{...},
// "duration":{...},"limit":null}}. See Machine.MarshalJSON.
func (a BlockOutgoing) MarshalJSON() ([]byte, error) { return marshalAction(a) }

// UnmarshalJSON sets a from the tagged JSON form that MarshalJSON writes. A
// different action is an error.
func (a *BlockOutgoing) UnmarshalJSON(data []byte) error { return unmarshalAction(data, a) }

// MarshalJSON returns the JSON form of the action, tagged as in a state:
// {"UpdateTimer":{"replace":false,"duration":{...},"limit":null}}. See
// Machine.MarshalJSON.
func (a UpdateTimer) MarshalJSON() ([]byte, error) { return marshalAction(a) }

// UnmarshalJSON sets a from the tagged JSON form that MarshalJSON writes. A
// different action is an error.
func (a *UpdateTimer) UnmarshalJSON(data []byte) error { return unmarshalAction(data, a) }

// jsonField is one member of a struct's JSON object: its serde name and a
// pointer to the Go field it stands for. The pointer's type chooses the
// codec (see appendValue and decodeValue).
type jsonField struct {
	name string
	ptr  any
}

// jsonStruct is implemented by pointers to the structs that have a JSON
// object form.
type jsonStruct interface {
	jsonFields() []jsonField
}

// structPtr is *T, for a struct type T with a JSON object form.
type structPtr[T any] interface {
	*T
	jsonStruct
}

// counterPair points to a state's two counters, which form one JSON member.
type counterPair [2]**Counter

// counterLabels name the elements of a counterPair in error paths.
var counterLabels = [2]string{"A", "B"}

func (m *Machine) jsonFields() []jsonField {
	return []jsonField{
		{"allowed_padding_packets", &m.AllowedPaddingPackets},
		{"max_padding_frac", &m.MaxPaddingFrac},
		{"allowed_blocked_microsec", &m.AllowedBlockedMicrosec},
		{"max_blocking_frac", &m.MaxBlockingFrac},
		{"states", &m.States},
	}
}

func (s *State) jsonFields() []jsonField {
	return []jsonField{
		{"action", &s.Action},
		{"counter", counterPair{&s.CounterA, &s.CounterB}},
		{"transitions", &s.Transitions},
	}
}

func (c *Counter) jsonFields() []jsonField {
	return []jsonField{{"operation", &c.Operation}, {"dist", &c.Dist}, {"copy", &c.Copy}}
}

func (d *Dist) jsonFields() []jsonField {
	return []jsonField{{"dist", &d.Type}, {"start", &d.Start}, {"max", &d.Max}}
}

func (a *Cancel) jsonFields() []jsonField { return []jsonField{{"timer", &a.Timer}} }

func (a *SendPadding) jsonFields() []jsonField {
	return []jsonField{{"bypass", &a.Bypass}, {"replace", &a.Replace}, {"timeout", &a.Timeout}, {"limit", &a.Limit}}
}

func (a *BlockOutgoing) jsonFields() []jsonField {
	return []jsonField{{"bypass", &a.Bypass}, {"replace", &a.Replace}, {"timeout", &a.Timeout},
		{"duration", &a.Duration}, {"limit", &a.Limit}}
}

func (a *UpdateTimer) jsonFields() []jsonField {
	return []jsonField{{"replace", &a.Replace}, {"duration", &a.Duration}, {"limit", &a.Limit}}
}

func (t *Uniform) jsonFields() []jsonField   { return []jsonField{{"low", &t.Low}, {"high", &t.High}} }
func (t *Normal) jsonFields() []jsonField    { return []jsonField{{"mean", &t.Mean}, {"stdev", &t.Stdev}} }
func (t *LogNormal) jsonFields() []jsonField { return []jsonField{{"mu", &t.Mu}, {"sigma", &t.Sigma}} }
func (t *Geometric) jsonFields() []jsonField { return []jsonField{{"probability", &t.Probability}} }
func (t *Pareto) jsonFields() []jsonField    { return scaleShapeFields(&t.Scale, &t.Shape) }
func (t *Poisson) jsonFields() []jsonField   { return []jsonField{{"lambda", &t.Lambda}} }
func (t *Weibull) jsonFields() []jsonField   { return scaleShapeFields(&t.Scale, &t.Shape) }
func (t *Gamma) jsonFields() []jsonField     { return scaleShapeFields(&t.Scale, &t.Shape) }
func (t *Beta) jsonFields() []jsonField      { return []jsonField{{"alpha", &t.Alpha}, {"beta", &t.Beta}} }

func (t *SkewNormal) jsonFields() []jsonField {
	return []jsonField{{"location", &t.Location}, {"scale", &t.Scale}, {"shape", &t.Shape}}
}

func (t *Binomial) jsonFields() []jsonField {
	return []jsonField{{"trials", &t.Trials}, {"probability", &t.Probability}}
}

// scaleShapeFields are the fields of Pareto, Weibull and Gamma.
func scaleShapeFields(scale, shape *float64) []jsonField {
	return []jsonField{{"scale", scale}, {"shape", shape}}
}

// structVariant is one variant of an externally tagged enum whose variants
// are structs: an Action or a DistType.
type structVariant struct {
	name string
	// fields returns the JSON fields of v, or false if v is not of the
	// variant's type.
	fields func(v any) ([]jsonField, bool)
	// decode reads the variant's object into a new value of its type.
	decode func(n *jsonNode) (any, error)
}

// variantOf returns the structVariant of the type T, named name.
func variantOf[T any, P structPtr[T]](name string) structVariant {
	return structVariant{
		name: name,
		fields: func(v any) ([]jsonField, bool) {
			t, ok := v.(T)
			if !ok {
				return nil, false
			}
			return P(&t).jsonFields(), true
		},
		decode: func(n *jsonNode) (any, error) {
			var t T
			if err := decodeObject(n, P(&t).jsonFields()); err != nil {
				return nil, err
			}
			return t, nil
		},
	}
}

// The variants of Action and DistType, by their serde names. They are set
// in init, because decoding a variant may decode another one: a variable
// initializer cannot refer to itself.
var actionVariants, distVariants []structVariant

func init() {
	actionVariants = []structVariant{
		variantOf[Cancel]("Cancel"),
		variantOf[SendPadding]("SendPadding"),
		variantOf[BlockOutgoing]("BlockOutgoing"),
		variantOf[UpdateTimer]("UpdateTimer"),
	}
	distVariants = []structVariant{
		variantOf[Uniform]("Uniform"),
		variantOf[Normal]("Normal"),
		variantOf[SkewNormal]("SkewNormal"),
		variantOf[LogNormal]("LogNormal"),
		variantOf[Binomial]("Binomial"),
		variantOf[Geometric]("Geometric"),
		variantOf[Pareto]("Pareto"),
		variantOf[Poisson]("Poisson"),
		variantOf[Weibull]("Weibull"),
		variantOf[Gamma]("Gamma"),
		variantOf[Beta]("Beta"),
	}
}

// marshalJSON returns the JSON form of the value p points to.
func marshalJSON(p any) ([]byte, error) {
	b, err := appendValue(nil, p)
	if err != nil {
		return nil, invalid(atRoot(err))
	}
	return b, nil
}

// marshalAction returns the tagged JSON form of a.
func marshalAction(a Action) ([]byte, error) { return marshalJSON(&a) }

// unmarshalJSON parses data and hands the document to decode, unless it is
// null. Errors wrap ErrInvalidMachine.
func unmarshalJSON(data []byte, decode func(n *jsonNode) error) error {
	n, err := parseJSON(data)
	if err == nil && n.kind != jsonNull {
		err = decode(n)
	}
	if err != nil {
		return invalid(atRoot(err))
	}
	return nil
}

// unmarshalStruct decodes the object form of a struct into *dst, leaving
// *dst alone on error.
func unmarshalStruct[T any, P structPtr[T]](data []byte, dst P) error {
	return unmarshalJSON(data, func(n *jsonNode) error {
		var t T
		if err := decodeObject(n, P(&t).jsonFields()); err != nil {
			return err
		}
		*dst = t
		return nil
	})
}

// unmarshalAction decodes the tagged form of an action of type T into *dst.
func unmarshalAction[T Action](data []byte, dst *T) error {
	return unmarshalJSON(data, func(n *jsonNode) error {
		var a Action
		if err := decodeTagged(n, actionVariants, &a); err != nil {
			return err
		}
		t, ok := a.(T)
		if !ok {
			return fmt.Errorf("got a %v action, want %v", a.actionKind(), (*dst).actionKind())
		}
		*dst = t
		return nil
	})
}

// Encoding.

// appendValue appends the JSON form of the value p points to.
func appendValue(b []byte, p any) ([]byte, error) {
	switch p := p.(type) {
	case *bool:
		return strconv.AppendBool(b, *p), nil
	case *uint64:
		return strconv.AppendUint(b, *p, 10), nil
	case *float64:
		return appendFloat(b, *p, 64), nil
	case *Timer:
		return appendUnitVariant(b, timerNames, int(*p))
	case *Operation:
		return appendUnitVariant(b, operationNames, int(*p))
	case *DistType:
		return appendTagged(b, distVariants, *p)
	case *Action:
		if *p == nil {
			return append(b, "null"...), nil
		}
		return appendTagged(b, actionVariants, *p)
	case **Dist:
		return appendOptional(b, *p)
	case **Counter:
		return appendOptional(b, *p)
	case counterPair:
		return appendCounters(b, p)
	case *[]State:
		return appendStates(b, *p)
	case *[NumEvents][]Trans:
		return appendTransitions(b, p)
	case jsonStruct:
		return appendObject(b, p.jsonFields())
	}
	return nil, fmt.Errorf("no JSON form for %T", p)
}

// appendObject appends an object with the given members.
func appendObject(b []byte, fields []jsonField) ([]byte, error) {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, f.name)
		var err error
		if b, err = appendValue(b, f.ptr); err != nil {
			return nil, inField(f.name, err)
		}
	}
	return append(b, '}'), nil
}

// appendKey appends a member name and its colon. Names here are plain ASCII
// identifiers, which need no escaping.
func appendKey(b []byte, name string) []byte {
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendOptional appends null for a nil p, else the object p points to.
func appendOptional[T any, P structPtr[T]](b []byte, p P) ([]byte, error) {
	if p == nil {
		return append(b, "null"...), nil
	}
	return appendObject(b, p.jsonFields())
}

// appendUnitVariant appends the name of variant i of a fieldless enum with
// the given variant names.
func appendUnitVariant(b []byte, names []string, i int) ([]byte, error) {
	if i >= len(names) {
		return nil, fmt.Errorf("%d is not a variant of %s", i, strings.Join(names, ", "))
	}
	return strconv.AppendQuote(b, names[i]), nil
}

// appendTagged appends v, a value of one of the variants, externally tagged:
// {"Name":{...}}.
func appendTagged(b []byte, variants []structVariant, v any) ([]byte, error) {
	for _, sv := range variants {
		fields, ok := sv.fields(v)
		if !ok {
			continue
		}
		b = append(b, '{')
		b = appendKey(b, sv.name)
		b, err := appendObject(b, fields)
		if err != nil {
			return nil, inField(sv.name, err)
		}
		return append(b, '}'), nil
	}
	if v == nil {
		return nil, errors.New("nil has no JSON form")
	}
	return nil, fmt.Errorf("type %T has no JSON form", v)
}

// appendArray appends an array of n elements, each appended by elem. label
// names element i in error paths.
func appendArray(b []byte, n int, label func(i int) string, elem func(b []byte, i int) ([]byte, error)) ([]byte, error) {
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = elem(b, i); err != nil {
			return nil, inElem(label(i), err)
		}
	}
	return append(b, ']'), nil
}

// appendCounters appends a state's two counters as a two-element array.
func appendCounters(b []byte, c counterPair) ([]byte, error) {
	return appendArray(b, len(c), counterLabel, func(b []byte, i int) ([]byte, error) {
		return appendOptional(b, *c[i])
	})
}

// appendStates appends the states as an array.
func appendStates(b []byte, states []State) ([]byte, error) {
	return appendArray(b, len(states), strconv.Itoa, func(b []byte, i int) ([]byte, error) {
		return appendObject(b, states[i].jsonFields())
	})
}

// appendTransitions appends a state's transitions: an array with one element
// per event, null or an array of [state, probability] pairs.
func appendTransitions(b []byte, transitions *[NumEvents][]Trans) ([]byte, error) {
	return appendArray(b, NumEvents, eventLabel, func(b []byte, e int) ([]byte, error) {
		ts := transitions[e]
		if ts == nil {
			return append(b, "null"...), nil
		}
		return appendArray(b, len(ts), strconv.Itoa, func(b []byte, i int) ([]byte, error) {
			b = append(b, '[')
			b = strconv.AppendUint(b, uint64(ts[i].State), 10)
			b = append(b, ',')
			b = appendFloat(b, float64(ts[i].Probability), 32)
			return append(b, ']'), nil
		})
	})
}

// counterLabel and eventLabel name the elements of a state's counter and
// transitions arrays in error paths.
func counterLabel(i int) string { return counterLabels[i] }
func eventLabel(e int) string   { return Event(e).String() }

// appendFloat appends f, a float64 or (bitSize 32) a float32, as serde_json
// writes it: null for NaN and the infinities; otherwise the shortest decimal
// that reads back to f, in plain notation when its decimal exponent is small
// (-5 to 15 for a float64, -6 to 12 for a float32), with ".0" after an
// integral value, and else in scientific notation with an explicit exponent
// sign: 0.0, -0.0, 20000.0, 0.125, 0.00001, 1e-10, 1.844e+19.
func appendFloat(b []byte, f float64, bitSize int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	// strconv gives the shortest digits as "-d.ddde±xx".
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, bitSize)
	if s[0] == '-' {
		b = append(b, '-')
		s = s[1:]
	}
	mant, exp, _ := strings.Cut(string(s), "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp) // always a valid exponent
	minExp, maxExp := -5, 15
	if bitSize == 32 {
		minExp, maxExp = -6, 12
	}
	switch {
	case e < minExp || e > maxExp:
		b = append(b, digits[0])
		if len(digits) > 1 {
			b = append(b, '.')
			b = append(b, digits[1:]...)
		}
		b = append(b, 'e')
		if e >= 0 {
			b = append(b, '+')
		}
		return strconv.AppendInt(b, int64(e), 10)
	case e < 0:
		b = append(b, "0."...)
		b = append(b, strings.Repeat("0", -e-1)...)
		return append(b, digits...)
	case e >= len(digits)-1:
		b = append(b, digits...)
		b = append(b, strings.Repeat("0", e-(len(digits)-1))...)
		return append(b, ".0"...)
	}
	b = append(b, digits[:e+1]...)
	b = append(b, '.')
	return append(b, digits[e+1:]...)
}

// Decoding.

// decodeValue decodes n into the value p points to.
func decodeValue(n *jsonNode, p any) error {
	var err error
	switch p := p.(type) {
	case *bool:
		*p, err = n.boolean()
	case *uint64:
		*p, err = n.uint64()
	case *float64:
		*p, err = n.float64()
	case *Timer:
		err = decodeUnitVariant(n, timerNames, p)
	case *Operation:
		err = decodeUnitVariant(n, operationNames, p)
	case *DistType:
		err = decodeTagged(n, distVariants, p)
	case *Action:
		*p = nil
		if n.kind != jsonNull {
			err = decodeTagged(n, actionVariants, p)
		}
	case **Dist:
		err = decodeOptional(n, p)
	case **Counter:
		err = decodeOptional(n, p)
	case counterPair:
		err = decodeCounters(n, p)
	case *[]State:
		err = decodeStates(n, p)
	case *[NumEvents][]Trans:
		err = decodeTransitions(n, p)
	case jsonStruct:
		err = decodeObject(n, p.jsonFields())
	default:
		err = fmt.Errorf("no JSON form for %T", p)
	}
	return err
}

// optionalField reports whether a member of type p (a field pointer) may be
// left out: the reference's Option types.
func optionalField(p any) bool {
	switch p.(type) {
	case *Action, **Dist, **Counter:
		return true
	}
	return false
}

// decodeObject decodes an object with exactly the given members, less any
// optional ones left out.
func decodeObject(n *jsonNode, fields []jsonField) error {
	if n.kind != jsonObject {
		return n.typeError("an object")
	}
	if err := checkMembers(n, fields); err != nil {
		return err
	}
	for _, f := range fields {
		v := n.member(f.name)
		if v == nil {
			if optionalField(f.ptr) {
				continue
			}
			return fmt.Errorf("missing field %q", f.name)
		}
		if err := decodeValue(v, f.ptr); err != nil {
			return inField(f.name, err)
		}
	}
	return nil
}

// checkMembers rejects members that are not among fields, and members
// given more than once.
func checkMembers(n *jsonNode, fields []jsonField) error {
	for i, m := range n.members {
		if !hasField(fields, m.key) {
			return fmt.Errorf("unknown field %q, want one of %s", m.key, nameList(fields, jsonField.fieldName))
		}
		if n.member(m.key) != &n.members[i].value {
			return fmt.Errorf("field %q given more than once", m.key)
		}
	}
	return nil
}

func hasField(fields []jsonField, name string) bool {
	for _, f := range fields {
		if f.name == name {
			return true
		}
	}
	return false
}

// decodeOptional sets *dst to nil for null, else to a new value decoded from
// the object n.
func decodeOptional[T any, P structPtr[T]](n *jsonNode, dst *P) error {
	if n.kind == jsonNull {
		*dst = nil
		return nil
	}
	var t T
	if err := decodeObject(n, P(&t).jsonFields()); err != nil {
		return err
	}
	*dst = &t
	return nil
}

// decodeUnitVariant decodes the name of a fieldless enum variant into its
// index.
func decodeUnitVariant[T ~uint8](n *jsonNode, names []string, dst *T) error {
	if n.kind != jsonString {
		return n.typeError("a string: one of " + strings.Join(names, ", "))
	}
	for i, name := range names {
		if n.text == name {
			*dst = T(i)
			return nil
		}
	}
	return fmt.Errorf("unknown variant %q, want one of %s", n.text, strings.Join(names, ", "))
}

// decodeTagged decodes an externally tagged value of one of the variants:
// an object whose only member is named after the variant and holds its
// fields.
func decodeTagged[T any](n *jsonNode, variants []structVariant, dst *T) error {
	const want = "an object with one member, named after the variant"
	if n.kind != jsonObject {
		return n.typeError(want)
	}
	if len(n.members) != 1 {
		return fmt.Errorf("got an object with %d members, want %s", len(n.members), want)
	}
	m := &n.members[0]
	for _, sv := range variants {
		if sv.name != m.key {
			continue
		}
		v, err := sv.decode(&m.value)
		if err != nil {
			return inField(m.key, err)
		}
		*dst = v.(T)
		return nil
	}
	return fmt.Errorf("unknown variant %q, want one of %s", m.key, nameList(variants, structVariant.variantName))
}

func (f jsonField) fieldName() string       { return f.name }
func (v structVariant) variantName() string { return v.name }

// nameList joins the names of xs for an error message.
func nameList[T any](xs []T, name func(T) string) string {
	names := make([]string, len(xs))
	for i, x := range xs {
		names[i] = name(x)
	}
	return strings.Join(names, ", ")
}

// decodeArray decodes an array of length elements, or of any length if
// length < 0, calling elem for each. label names element i in error paths.
func decodeArray(n *jsonNode, length int, label func(i int) string, elem func(i int, n *jsonNode) error) error {
	if err := n.checkArray(length); err != nil {
		return err
	}
	for i := range n.elems {
		if err := elem(i, &n.elems[i]); err != nil {
			return inElem(label(i), err)
		}
	}
	return nil
}

// decodeCounters decodes a state's counters from a two-element array.
func decodeCounters(n *jsonNode, c counterPair) error {
	return decodeArray(n, len(c), counterLabel, func(i int, n *jsonNode) error {
		return decodeOptional(n, c[i])
	})
}

// decodeStates decodes an array of states. An empty array gives nil, as in
// ParseMachine.
func decodeStates(n *jsonNode, dst *[]State) error {
	var states []State
	if n.kind == jsonArray && len(n.elems) > 0 {
		states = make([]State, len(n.elems))
	}
	err := decodeArray(n, -1, strconv.Itoa, func(i int, n *jsonNode) error {
		return decodeObject(n, states[i].jsonFields())
	})
	if err != nil {
		return err
	}
	*dst = states
	return nil
}

// decodeTransitions decodes a state's transitions: an array with one
// element per event, each null or an array of [state, probability] pairs.
// An empty array of pairs gives an empty, non-nil list (which Validate
// rejects).
func decodeTransitions(n *jsonNode, dst *[NumEvents][]Trans) error {
	var transitions [NumEvents][]Trans
	err := decodeArray(n, NumEvents, eventLabel, func(e int, n *jsonNode) error {
		if n.kind == jsonNull {
			return nil
		}
		ts := make([]Trans, len(n.elems))
		transitions[e] = ts
		return decodeArray(n, -1, strconv.Itoa, func(i int, n *jsonNode) error {
			var err error
			ts[i], err = decodeTrans(n)
			return err
		})
	})
	if err != nil {
		return err
	}
	*dst = transitions
	return nil
}

// decodeTrans decodes one [state, probability] pair. The state must fit in
// 32 bits: StateEnd is the largest meaningful one.
func decodeTrans(n *jsonNode) (Trans, error) {
	if err := n.checkArray(2); err != nil {
		return Trans{}, err
	}
	target, err := n.elems[0].uint64()
	if err != nil {
		return Trans{}, fmt.Errorf("state: %w", err)
	}
	if target > math.MaxUint32 {
		return Trans{}, fmt.Errorf("state %d is above the largest, StateEnd (%d)", target, StateEnd)
	}
	p, err := n.elems[1].float32()
	if err != nil {
		return Trans{}, fmt.Errorf("probability: %w", err)
	}
	return Trans{State: uint32(target), Probability: p}, nil
}

// Errors.

// jsonPathError is a problem with the value at path in a JSON document.
type jsonPathError struct {
	path string // such as ".states[3].transitions[PaddingSent][1]"
	err  error
}

func (e *jsonPathError) Error() string {
	if e.path == "" {
		return "json: " + e.err.Error()
	}
	return "json: " + strings.TrimPrefix(e.path, ".") + ": " + e.err.Error()
}

func (e *jsonPathError) Unwrap() error { return e.err }

// inField places err inside the object member name.
func inField(name string, err error) error { return within("."+name, err) }

// inElem places err inside the array element label (an index, or the name
// it stands for).
func inElem(label string, err error) error { return within("["+label+"]", err) }

// atRoot places err at the top of the document, unless it has a path.
func atRoot(err error) error { return within("", err) }

// within prefixes the path of err with seg, starting a path if err has none.
func within(seg string, err error) error {
	if pe, ok := err.(*jsonPathError); ok {
		return &jsonPathError{path: seg + pe.path, err: pe.err}
	}
	return &jsonPathError{path: seg, err: err}
}

// The syntax tree.

// maxJSONDepth bounds the nesting of a document. The deepest member of a
// machine sits 8 levels down; the bound only keeps hostile input from
// recursing without end.
const maxJSONDepth = 32

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonNode is a parsed JSON value. Numbers keep their text, so that an
// integer is read exactly and a float is read once, to its final type.
type jsonNode struct {
	kind    jsonKind
	text    string       // jsonString: the string; jsonNumber: the number as written
	truth   bool         // jsonBool
	elems   []jsonNode   // jsonArray
	members []jsonMember // jsonObject, in document order, repeats included
}

// jsonMember is one member of an object.
type jsonMember struct {
	key   string
	value jsonNode
}

// parseJSON parses data, which must hold exactly one JSON value.
func parseJSON(data []byte) (*jsonNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readJSON(dec, 0)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return &n, nil
		}
		if err == nil {
			err = errors.New("more than one value")
		}
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// readJSON reads the next value from dec, depth levels down.
func readJSON(dec *json.Decoder, depth int) (jsonNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return jsonNode{}, err
	}
	switch tok := tok.(type) {
	case bool:
		return jsonNode{kind: jsonBool, truth: tok}, nil
	case json.Number:
		return jsonNode{kind: jsonNumber, text: string(tok)}, nil
	case string:
		return jsonNode{kind: jsonString, text: tok}, nil
	case nil:
		return jsonNode{kind: jsonNull}, nil
	}
	if depth >= maxJSONDepth {
		return jsonNode{}, fmt.Errorf("nested more than %d levels deep", maxJSONDepth)
	}
	switch tok {
	case json.Delim('['):
		return readJSONArray(dec, depth)
	case json.Delim('{'):
		return readJSONObject(dec, depth)
	}
	return jsonNode{}, fmt.Errorf("unexpected %v", tok)
}

// readJSONArray reads the elements and the end of an array.
func readJSONArray(dec *json.Decoder, depth int) (jsonNode, error) {
	n := jsonNode{kind: jsonArray}
	for dec.More() {
		v, err := readJSON(dec, depth+1)
		if err != nil {
			return jsonNode{}, err
		}
		n.elems = append(n.elems, v)
	}
	_, err := dec.Token() // the ']'
	return n, err
}

// readJSONObject reads the members and the end of an object.
func readJSONObject(dec *json.Decoder, depth int) (jsonNode, error) {
	n := jsonNode{kind: jsonObject}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonNode{}, err
		}
		key, ok := tok.(string) // the decoder allows nothing else here
		if !ok {
			return jsonNode{}, fmt.Errorf("unexpected %v where a member name belongs", tok)
		}
		v, err := readJSON(dec, depth+1)
		if err != nil {
			return jsonNode{}, err
		}
		n.members = append(n.members, jsonMember{key: key, value: v})
	}
	_, err := dec.Token() // the '}'
	return n, err
}

// member returns the value of the first member named key, or nil.
func (n *jsonNode) member(key string) *jsonNode {
	for i := range n.members {
		if n.members[i].key == key {
			return &n.members[i].value
		}
	}
	return nil
}

// describe names the value for error messages.
func (n *jsonNode) describe() string {
	switch n.kind {
	case jsonBool:
		return strconv.FormatBool(n.truth)
	case jsonNumber:
		return "the number " + clip(n.text)
	case jsonString:
		return "the string " + strconv.Quote(clip(n.text))
	case jsonArray:
		return "an array"
	case jsonObject:
		return "an object"
	}
	return "null"
}

// clip shortens a long string or number for an error message.
func clip(s string) string {
	const maxLen = 40
	if len(s) <= maxLen {
		return s
	}
	return s[:maxLen] + "..."
}

// typeError reports that n is not what was wanted.
func (n *jsonNode) typeError(want string) error {
	return fmt.Errorf("got %s, want %s", n.describe(), want)
}

func (n *jsonNode) boolean() (bool, error) {
	if n.kind != jsonBool {
		return false, n.typeError("true or false")
	}
	return n.truth, nil
}

// uint64 reads an integer in [0, 2^64-1], written without fraction or
// exponent, as serde_json requires of a u64.
func (n *jsonNode) uint64() (uint64, error) {
	const want = "an integer from 0 to 18446744073709551615"
	if n.kind != jsonNumber {
		return 0, n.typeError(want)
	}
	v, err := strconv.ParseUint(n.text, 10, 64)
	if err != nil {
		return 0, n.typeError(want)
	}
	return v, nil
}

// float64 reads a number, rounded to the nearest float64. A number beyond
// the float64 range is an error, as in serde_json.
func (n *jsonNode) float64() (float64, error) {
	if n.kind != jsonNumber {
		return 0, n.typeError("a number")
	}
	v, err := strconv.ParseFloat(n.text, 64)
	if err != nil {
		return 0, fmt.Errorf("the number %s is out of the float64 range", clip(n.text))
	}
	return v, nil
}

// float32 reads a number as the reference reads an f32: rounded to a float64
// first, then to a float32. A number beyond the float32 range is an error.
func (n *jsonNode) float32() (float32, error) {
	v, err := n.float64()
	if err != nil {
		return 0, err
	}
	if math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("the number %s is out of the float32 range", clip(n.text))
	}
	return float32(v), nil
}

// checkArray checks that n is an array of length elements, or of any length
// if length < 0.
func (n *jsonNode) checkArray(length int) error {
	if n.kind != jsonArray {
		return n.typeError("an array")
	}
	if length >= 0 && len(n.elems) != length {
		return fmt.Errorf("got an array of length %d, want length %d", len(n.elems), length)
	}
	return nil
}
