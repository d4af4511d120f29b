package maybenot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
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
// The syntax is encoding/json's: invalid UTF-8 may occur in strings, and
// nothing may follow the value but white space. A syntax error is reported
// ahead of any problem with the machine, with the offset of the byte at
// fault. Nesting deeper than 32 levels is an error (a machine needs 8),
// and so is a member name longer than 256 bytes, quotes included (the
// longest name of the JSON form takes 146 with every character escaped),
// as soon as it is read.
//
// UnmarshalJSON does not validate the machine: call Validate for that. It
// only rejects more than StateMax states, which no valid machine has, at
// the first state too many. On error m is left unchanged. As encoding/json
// asks of unmarshalers, a JSON null leaves m unchanged and is not an error.
//
// Memory follows what the document holds, not what it claims: the document
// is read in place, only the values returned are built, and an error quotes
// at most 40 bytes of any string or number of the document, so that it
// stays short whatever the input.
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
	decode func(r *jsonReader) (any, error)
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
		decode: func(r *jsonReader) (any, error) {
			var t T
			if err := decodeObject(r, P(&t).jsonFields()); err != nil {
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

// unmarshalJSON hands a reader of data to decode, unless data is null, and
// then reads the rest of the document. The first problem with the syntax
// (see jsonReader) is the error, ahead of whatever decode reports. Errors
// wrap ErrInvalidMachine. It reports whether decode read a value that is
// to be kept.
func unmarshalJSON(data []byte, decode func(r *jsonReader) error) (bool, error) {
	r := newJSONReader(data)
	null := r.null()
	var err error
	if !null {
		err = r.attempt(func() error { return decode(r) })
	}
	if e := r.finish(); e != nil {
		err = e
	}
	if err != nil {
		return false, invalid(atRoot(err))
	}
	return !null, nil
}

// unmarshalStruct decodes the object form of a struct into *dst, leaving
// *dst alone on error.
func unmarshalStruct[T any, P structPtr[T]](data []byte, dst P) error {
	var t T
	ok, err := unmarshalJSON(data, func(r *jsonReader) error {
		return decodeObject(r, P(&t).jsonFields())
	})
	if ok {
		*dst = t
	}
	return err
}

// unmarshalAction decodes the tagged form of an action of type T into *dst.
func unmarshalAction[T Action](data []byte, dst *T) error {
	var t T
	ok, err := unmarshalJSON(data, func(r *jsonReader) error {
		var a Action
		if err := decodeTagged(r, actionVariants, &a); err != nil {
			return err
		}
		var isT bool
		if t, isT = a.(T); !isT {
			return fmt.Errorf("got a %v action, want %v", a.actionKind(), t.actionKind())
		}
		return nil
	})
	if ok {
		*dst = t
	}
	return err
}

// Encoding.
//
// The writer appends to a byte slice itself rather than through a
// jsontext.Encoder: every name it writes is a known ASCII identifier that
// needs no escaping, and the numbers must look as serde_json writes them
// (see appendFloat), which jsontext's formatting does not (it writes
// 20000.0 as 20000 and 1e-6 as 0.000001), so an encoder would only add a
// check of output that is valid by construction.

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
//
// The decoders read the values in document order, in one pass, and build
// only the values they return. Where a container holds several problems they report
// the one a reader checking in a fixed order would meet first: for an
// object, an unknown or repeated member, then its fields in the order of
// jsonFields; for an array of fixed length, its length, then its elements
// in order. To do so they note the first failure, skip the rest of the
// failed value and read on to the end of the container.

// decodeValue decodes the next value into the value p points to.
func decodeValue(r *jsonReader, p any) error {
	var err error
	switch p := p.(type) {
	case *bool:
		*p, err = r.boolean()
	case *uint64:
		*p, err = r.uint64()
	case *float64:
		*p, err = r.float(64)
	case *Timer:
		err = decodeUnitVariant(r, timerNames, p)
	case *Operation:
		err = decodeUnitVariant(r, operationNames, p)
	case *DistType:
		err = decodeTagged(r, distVariants, p)
	case *Action:
		*p = nil
		if !r.null() {
			err = decodeTagged(r, actionVariants, p)
		}
	case **Dist:
		err = decodeOptional(r, p)
	case **Counter:
		err = decodeOptional(r, p)
	case counterPair:
		err = decodeCounters(r, p)
	case *[]State:
		err = decodeStates(r, p)
	case *[NumEvents][]Trans:
		err = decodeTransitions(r, p)
	case jsonStruct:
		err = decodeObject(r, p.jsonFields())
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
func decodeObject(r *jsonReader, fields []jsonField) error {
	if r.peek() != '{' {
		return r.typeError("an object")
	}
	r.open()
	var given uint64 // bit i is set once fields[i] has been read
	// failed is the first field, in the order of fields, whose value did
	// not decode, and err says why.
	failed, err := len(fields), error(nil)
	for r.more() {
		key := r.name()
		i := fieldIndex(fields, key)
		switch {
		case i < 0:
			return fmt.Errorf("unknown field %s, want one of %s", quoteClip(key), nameList(fields, jsonField.fieldName))
		case given&(1<<i) != 0:
			return fmt.Errorf("field %q given more than once", key)
		}
		given |= 1 << i
		if i > failed {
			r.skip() // an earlier field has failed already
			continue
		}
		if e := r.attempt(func() error { return decodeValue(r, fields[i].ptr) }); e != nil {
			failed, err = i, inField(fields[i].name, e)
		}
	}
	for i, f := range fields[:failed] {
		if given&(1<<i) == 0 && !optionalField(f.ptr) {
			return fmt.Errorf("missing field %q", f.name)
		}
	}
	return err
}

// fieldIndex returns the index of the field named name, or -1.
func fieldIndex(fields []jsonField, name []byte) int {
	for i, f := range fields {
		if f.name == string(name) {
			return i
		}
	}
	return -1
}

// decodeOptional sets *dst to nil for null, else to a new value decoded from
// the object that comes next.
func decodeOptional[T any, P structPtr[T]](r *jsonReader, dst *P) error {
	if r.null() {
		*dst = nil
		return nil
	}
	var t T
	if err := decodeObject(r, P(&t).jsonFields()); err != nil {
		return err
	}
	*dst = &t
	return nil
}

// decodeUnitVariant decodes the name of a fieldless enum variant into its
// index.
func decodeUnitVariant[T ~uint8](r *jsonReader, names []string, dst *T) error {
	if r.peek() != '"' {
		return r.typeError("a string: one of " + strings.Join(names, ", "))
	}
	s := r.str()
	for i, name := range names {
		if string(s) == name {
			*dst = T(i)
			return nil
		}
	}
	return fmt.Errorf("unknown variant %s, want one of %s", quoteClip(s), strings.Join(names, ", "))
}

// decodeTagged decodes an externally tagged value of one of the variants:
// an object whose only member is named after the variant and holds its
// fields. A wrong number of members is reported before an unknown variant,
// and that before a problem inside the variant.
func decodeTagged[T any](r *jsonReader, variants []structVariant, dst *T) error {
	const want = "an object with one member, named after the variant"
	if r.peek() != '{' {
		return r.typeError(want)
	}
	r.open()
	var v any
	var err error
	n := 0
	for ; r.more(); n++ {
		key := r.name()
		if n == 0 {
			v, err = decodeVariant(r, variants, key)
		} else {
			r.skip()
		}
	}
	if n != 1 {
		return fmt.Errorf("got an object with %d members, want %s", n, want)
	}
	if err != nil {
		return err
	}
	*dst = v.(T)
	return nil
}

// decodeVariant decodes the fields of the variant named name, or skips them
// if there is no such variant.
func decodeVariant(r *jsonReader, variants []structVariant, name []byte) (any, error) {
	for _, sv := range variants {
		if sv.name != string(name) {
			continue
		}
		var v any
		err := r.attempt(func() (err error) {
			v, err = sv.decode(r)
			return err
		})
		if err != nil {
			return nil, inField(sv.name, err)
		}
		return v, nil
	}
	err := fmt.Errorf("unknown variant %s, want one of %s", quoteClip(name), nameList(variants, structVariant.variantName))
	r.skip()
	return nil, err
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
// length < 0, calling elem to read element i. label names element i in
// error paths; a nil label leaves the errors of elem as they are. An array
// of the wrong length is reported rather than a failed element.
func decodeArray(r *jsonReader, length int, label func(i int) string, elem func(i int) error) error {
	if r.peek() != '[' {
		return r.typeError("an array")
	}
	r.open()
	var err error
	n := 0
	for ; r.more(); n++ {
		if err != nil || length >= 0 && n >= length {
			r.skip()
			continue
		}
		if err = r.attempt(func() error { return elem(n) }); err != nil {
			if label != nil {
				err = inElem(label(n), err)
			}
			if length < 0 {
				return err
			}
		}
	}
	if length >= 0 && n != length {
		return fmt.Errorf("got an array of length %d, want length %d", n, length)
	}
	return err
}

// decodeCounters decodes a state's counters from a two-element array.
func decodeCounters(r *jsonReader, c counterPair) error {
	return decodeArray(r, len(c), counterLabel, func(i int) error {
		return decodeOptional(r, c[i])
	})
}

// stateBlock is how many states decodeStates decodes into each block.
const stateBlock = 16

// decodeStates decodes an array of states. An empty array gives nil, as in
// ParseMachine. More than StateMax states are an error at the first state
// too many, as such a machine can never be valid.
//
// The states are decoded into blocks of stateBlock states, which are then
// copied into a slice of the final length, so memory grows with the states
// actually decoded and is not copied over and over, as it would be if one
// slice grew by appending.
func decodeStates(r *jsonReader, dst *[]State) error {
	var blocks []*[stateBlock]State
	n := 0
	err := decodeArray(r, -1, strconv.Itoa, func(i int) error {
		if i == StateMax {
			return fmt.Errorf("more than the maximum %d states", StateMax)
		}
		if i%stateBlock == 0 {
			blocks = append(blocks, new([stateBlock]State))
		}
		n = i + 1
		return decodeObject(r, blocks[i/stateBlock][i%stateBlock].jsonFields())
	})
	if err != nil {
		return err
	}
	var states []State
	if n > 0 {
		states = make([]State, n)
		for i, b := range blocks {
			copy(states[i*stateBlock:], b[:])
		}
	}
	*dst = states
	return nil
}

// decodeTransitions decodes a state's transitions: an array with one
// element per event, each null or an array of [state, probability] pairs.
// An empty array of pairs gives an empty, non-nil list (which Validate
// rejects). Each list is gathered in the reader's scratch space and then
// copied to a slice of its exact length.
func decodeTransitions(r *jsonReader, dst *[NumEvents][]Trans) error {
	var transitions [NumEvents][]Trans
	err := decodeArray(r, NumEvents, eventLabel, func(e int) error {
		if r.null() {
			return nil
		}
		r.pairs = r.pairs[:0]
		err := decodeArray(r, -1, strconv.Itoa, func(int) error {
			t, err := decodeTrans(r)
			r.pairs = append(r.pairs, t)
			return err
		})
		if err != nil {
			return err
		}
		transitions[e] = make([]Trans, len(r.pairs))
		copy(transitions[e], r.pairs)
		return nil
	})
	if err != nil {
		return err
	}
	*dst = transitions
	return nil
}

// decodeTrans decodes one [state, probability] pair. The state must fit in
// 32 bits: StateEnd is the largest meaningful one.
func decodeTrans(r *jsonReader) (Trans, error) {
	var t Trans
	err := decodeArray(r, 2, nil, func(i int) error {
		if i == 0 {
			target, err := r.uint64()
			switch {
			case err != nil:
				return fmt.Errorf("state: %w", err)
			case target > math.MaxUint32:
				return fmt.Errorf("state %d is above the largest, StateEnd (%d)", target, StateEnd)
			}
			t.State = uint32(target)
			return nil
		}
		p, err := r.float(32)
		if err != nil {
			return fmt.Errorf("probability: %w", err)
		}
		t.Probability = float32(p)
		return nil
	})
	return t, err
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

// Reading JSON.
//
// A jsontext.Decoder reads the document in one pass, in place, allocating
// nothing for its structure or its strings, and checks its syntax as it
// goes. The decoders read the values they decode through a jsonReader,
// which also reads whatever they skip and, at the end, the rest of the
// document, so that every byte is checked. The first problem with the
// syntax stops the reading and is the error, ahead of any problem with the
// machine, as if the syntax had been checked first.

// maxJSONDepth bounds the nesting of a document. The deepest member of a
// machine sits 8 levels down; the bound only keeps hostile input from
// nesting without end.
const maxJSONDepth = 32

// maxJSONName bounds the length of a member name in a document, quotes
// included. The longest name of the JSON form, allowed_blocked_microsec,
// takes 146 bytes with every character escaped (\u0061), so a longer name
// is unknown wherever it is, and is rejected at once: jsontext would copy
// the names of the members a syntax error sits in into the error's path,
// several times over (about 8 times the names in all).
const maxJSONName = 256

// jsonReader reads a document with a jsontext.Decoder. Besides the
// decoder's syntax errors it rejects nesting deeper than maxJSONDepth and
// names longer than maxJSONName. After the first such problem, err, it
// reads nothing more: peek returns 0 and every read gives nothing. After a
// decoder fails, the reader may be anywhere inside the value it was
// reading; attempt moves it past the value.
type jsonReader struct {
	dec   *jsontext.Decoder
	err   error   // the first problem with the syntax
	pairs []Trans // scratch space for decodeTransitions
}

// newJSONReader returns a reader of data that accepts what encoding/json
// accepts: invalid UTF-8 and unpaired surrogates pass inside strings (see
// str), and a name may occur twice in an object. A repeated name is left
// to the decoders, which reject it where a member means something; the
// jsontext check for it would keep a copy of every name.
func newJSONReader(data []byte) *jsonReader {
	return &jsonReader{dec: jsontext.NewDecoder(bytes.NewBuffer(data),
		jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))}
}

// fail records err, from the decoder, as the problem with the syntax, unless
// there is one already. The end of the input becomes io.ErrUnexpectedEOF,
// and a syntax error is given with its offset. The JSON pointer that
// jsontext adds is left out: it names the members the error sits in.
func (r *jsonReader) fail(err error) {
	var se *jsontext.SyntacticError
	switch {
	case r.err != nil:
		return
	case err == io.EOF || errors.As(err, &se) && se.Err == io.ErrUnexpectedEOF:
		err = io.ErrUnexpectedEOF
	case se != nil:
		err = fmt.Errorf("at byte %d: %w", se.ByteOffset, se.Err)
	}
	r.err = err
}

// peek returns the kind of the next token: 'n', 'f', 't', '"', '0' (a
// number), '{', '}', '[' or ']', without reading it; or 0 if there is none
// to read.
func (r *jsonReader) peek() jsontext.Kind {
	if r.err != nil {
		return 0
	}
	k := r.dec.PeekKind()
	if k == 0 { // the next read reports why
		_, err := r.dec.ReadToken()
		r.fail(err)
	}
	return k
}

// read reads the next token: a literal or a closing bracket.
func (r *jsonReader) read() {
	if r.err == nil {
		if _, err := r.dec.ReadToken(); err != nil {
			r.fail(err)
		}
	}
}

// open reads the bracket that opens an array or an object.
func (r *jsonReader) open() {
	if r.err == nil && r.dec.StackDepth() == maxJSONDepth {
		r.err = fmt.Errorf("nested more than %d levels deep", maxJSONDepth)
	}
	r.read()
}

// text reads the next value, a scalar, and returns its text, which holds
// until the next read.
func (r *jsonReader) text() []byte {
	if r.err != nil {
		return nil
	}
	v, err := r.dec.ReadValue()
	if err != nil {
		r.fail(err)
	}
	return v
}

// skip reads past the next value, token by token, checking it as the
// decoders' own reads do.
func (r *jsonReader) skip() {
	depth := r.dec.StackDepth()
	for {
		switch in, n := r.dec.StackIndex(r.dec.StackDepth()); r.peek() {
		case 0:
			return
		case '[', '{':
			r.open()
		case ']', '}':
			r.read()
		default:
			if in == '{' && n%2 == 0 {
				r.name()
			} else {
				r.text()
			}
		}
		if r.err != nil || r.dec.StackDepth() <= depth {
			return
		}
	}
}

// finish reads the rest of the document, after the value, or what is left
// of it, and returns the first problem with the syntax, if any: nothing but
// white space may follow the value.
func (r *jsonReader) finish() error {
	for r.err == nil && r.dec.StackDepth() > 0 {
		r.close()
	}
	if r.err == nil {
		switch _, err := r.dec.ReadToken(); err {
		case io.EOF:
		case nil:
			r.err = errors.New("more than one value")
		default:
			r.fail(err)
		}
	}
	return r.err
}

// close reads the rest of the array or object the reader is in, and its
// closing bracket.
func (r *jsonReader) close() {
	for r.more() {
		r.skip()
	}
}

// attempt calls decode to read the next value. If decode fails, attempt
// moves past the value, so that reading can go on after it, and returns the
// error.
func (r *jsonReader) attempt(decode func() error) error {
	depth, start := r.dec.StackDepth(), r.dec.InputOffset()
	err := decode()
	if err == nil {
		return nil
	}
	for r.err == nil && r.dec.StackDepth() > depth { // each array or object left open
		r.close()
	}
	if r.dec.InputOffset() == start { // decode read nothing
		r.skip()
	}
	return err
}

// more is called after an array or object has been opened and after each
// of its elements or members. It reports whether one comes next; if not,
// it reads the closing bracket.
func (r *jsonReader) more() bool {
	switch r.peek() {
	case 0:
		return false
	case ']', '}':
		r.read()
		return false
	}
	return true
}

// null reads a null, if one comes next, and reports whether it did.
func (r *jsonReader) null() bool {
	if r.peek() != 'n' {
		return false
	}
	r.read()
	return true
}

// name reads a member name, which must not be longer than maxJSONName, and
// returns it as str does.
func (r *jsonReader) name() []byte {
	t := r.text()
	if len(t) > maxJSONName {
		r.err = fmt.Errorf("at byte %d: a name of %d bytes, longer than any field or variant name",
			r.dec.InputOffset()-int64(len(t)), len(t))
		return nil
	}
	return unquote(t)
}

// str reads a string and returns its value (see unquote).
func (r *jsonReader) str() []byte { return unquote(r.text()) }

// unquote returns the value of the string whose text is t as encoding/json
// decodes it: escapes are replaced, and so are bytes that are not valid
// UTF-8 and unpaired surrogates, each by U+FFFD. The value is part of t,
// unless the string has escapes or invalid UTF-8.
func unquote(t []byte) []byte {
	if len(t) < 2 { // nothing was read
		return nil
	}
	if s := t[1 : len(t)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return s
	}
	s, _ := jsontext.AppendUnquote(nil, t) // the error only reports a replacement
	return s
}

// number reads the next value if it is a number and returns its text, or
// else reads nothing and returns nil.
func (r *jsonReader) number() []byte {
	if r.peek() != '0' {
		return nil
	}
	return r.text()
}

// typeError reports that the next value is not what was wanted, naming the
// value.
func (r *jsonReader) typeError(want string) error {
	var got string
	switch r.peek() {
	case '{':
		got = "an object"
	case '[':
		got = "an array"
	case '"':
		got = "the string " + quoteClip(r.str())
	case '0':
		got = "the number " + clip(r.text())
	default:
		got = string(r.text()) // true, false or null, or nothing
	}
	return fmt.Errorf("got %s, want %s", got, want)
}

// clip returns s, a string's value or a number's text, for an error
// message: as it is if short, else cut after at most 40 bytes, at the start
// of a character, and followed by "...".
func clip(s []byte) string {
	const maxLen = 40
	if len(s) <= maxLen {
		return string(s)
	}
	n := maxLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return string(s[:n]) + "..."
}

// quoteClip returns s, a string's value, clipped and quoted for an error
// message.
func quoteClip(s []byte) string { return strconv.Quote(clip(s)) }

func (r *jsonReader) boolean() (bool, error) {
	switch r.peek() {
	case 't':
		r.read()
		return true, nil
	case 'f':
		r.read()
		return false, nil
	}
	return false, r.typeError("true or false")
}

// uint64 reads an integer in [0, 2^64-1], written without fraction or
// exponent, as serde_json requires of a u64.
func (r *jsonReader) uint64() (uint64, error) {
	const want = "an integer from 0 to 18446744073709551615"
	text := r.number()
	if text == nil {
		return 0, r.typeError(want)
	}
	v, err := strconv.ParseUint(string(text), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("got the number %s, want %s", clip(text), want)
	}
	return v, nil
}

// float reads a number rounded to the nearest float64. A number beyond the
// range of a float of bitSize bits (64, or 32) is an error, as in
// serde_json, which reads an f32 as a float64 first, as float does.
func (r *jsonReader) float(bitSize int) (float64, error) {
	text := r.number()
	if text == nil {
		return 0, r.typeError("a number")
	}
	v, err := strconv.ParseFloat(string(text), 64)
	if err != nil || bitSize == 32 && math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("the number %s is out of the float%d range", clip(text), bitSize)
	}
	return v, nil
}
