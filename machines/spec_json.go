package machines

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// MarshalJSON returns the spec's JSON form (see Spec): the reference's
// serde form, which UnmarshalJSON and the reference read back. Floats are
// written as in String; a NaN or infinite parameter, which JSON cannot
// hold, is an error.
func (s Spec) MarshalJSON() ([]byte, error) {
	info := &kinds[s.kindOrNoOp()]
	if info.params == nil {
		return strconv.AppendQuote(nil, info.variant), nil
	}
	b := append(strconv.AppendQuote([]byte{'{'}, info.variant), ":{"...)
	for i, p := range info.params {
		if f, ok := p.field(&s).(*float64); ok && !isFinite(*f) {
			return nil, fmt.Errorf("machines: spec %s: parameter %s is %v, which JSON cannot hold", s.String(), p.name, *f)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(strconv.AppendQuote(b, p.name), ':')
		b = appendValue(b, p.field(&s))
	}
	return append(b, "}}"...), nil
}

// UnmarshalJSON sets the spec from its JSON form (see Spec), read as the
// reference's serde reads it: a defense without parameters as its name in
// a string (or as an object with its name as the only member, holding
// null); a defense with parameters as an object with its name as the only
// member, holding an object with every parameter once (other members are
// ignored) or an array of the parameters in order. Floats take any JSON
// number within range; integers, JSON integers (no fraction or exponent)
// within their range. The error wraps ErrInvalidSpec and says what is
// wrong where. On error the spec is left unchanged.
//
// Reading takes time and memory linear in len(data).
func (s *Spec) UnmarshalJSON(data []byte) error {
	spec, err := decodeSpec(data)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	*s = spec
	return nil
}

// decodeSpec decodes the JSON form of a spec.
func decodeSpec(data []byte) (Spec, error) {
	if !utf8.Valid(data) {
		return Spec{}, errors.New("not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return Spec{}, syntaxError(err)
	}
	var spec Spec
	switch tok := tok.(type) {
	case string:
		k, err := lookupVariant(tok)
		if err != nil {
			return Spec{}, err
		}
		if kinds[k].params != nil {
			return Spec{}, fmt.Errorf("%s needs its parameters: want {%q:{...}}", tok, tok)
		}
		spec = Spec{kind: k}
	case json.Delim:
		if tok != '{' {
			return Spec{}, fmt.Errorf("want a string or an object, got %v", tok)
		}
		if spec, err = decodeVariant(d); err != nil {
			return Spec{}, err
		}
	default:
		return Spec{}, fmt.Errorf("want a string or an object, got %s", describe(tok))
	}
	if _, err := d.Token(); err != io.EOF {
		return Spec{}, errors.New("data after the spec")
	}
	return spec, nil
}

// decodeVariant decodes the rest of an object holding one defense, after
// its '{'.
func decodeVariant(d *json.Decoder) (Spec, error) {
	tok, err := d.Token()
	if err != nil {
		return Spec{}, syntaxError(err)
	}
	name, ok := tok.(string)
	if !ok {
		return Spec{}, errors.New("want an object with one member, named after the defense; got an empty object")
	}
	k, err := lookupVariant(name)
	if err != nil {
		return Spec{}, err
	}
	spec := Spec{kind: k}
	if kinds[k].params == nil {
		tok, err := d.Token()
		if err != nil {
			return Spec{}, syntaxError(err)
		}
		if tok != nil {
			return Spec{}, fmt.Errorf("%s: want null, got %s", name, describe(tok))
		}
	} else if err := decodeParams(d, &spec); err != nil {
		return Spec{}, fmt.Errorf("%s: %w", name, err)
	}
	tok, err = d.Token()
	if err != nil {
		return Spec{}, syntaxError(err)
	}
	if tok != json.Delim('}') {
		return Spec{}, errors.New("want an object with one member, named after the defense; got more members")
	}
	return spec, nil
}

// decodeParams decodes the parameters of spec's kind: an object or an
// array.
func decodeParams(d *json.Decoder, spec *Spec) error {
	params := kinds[spec.kind].params
	tok, err := d.Token()
	if err != nil {
		return syntaxError(err)
	}
	switch tok {
	case json.Delim('['):
		for i, p := range params {
			if !d.More() {
				return fmt.Errorf("an array of %d parameters, want %d", i, len(params))
			}
			if err := decodeNumber(d, p, spec); err != nil {
				return err
			}
		}
		if d.More() {
			return fmt.Errorf("an array of more than %d parameters", len(params))
		}
		_, err := d.Token() // ']'
		return syntaxError(err)
	case json.Delim('{'):
		var seen [4 + 1]bool
		for d.More() {
			tok, err := d.Token()
			if err != nil {
				return syntaxError(err)
			}
			key := tok.(string) // an object's members start with a string
			i := paramIndex(params, key)
			if i < 0 {
				if err := skipValue(d); err != nil {
					return err
				}
				continue
			}
			if seen[i] {
				return fmt.Errorf("parameter %s given twice", key)
			}
			seen[i] = true
			if err := decodeNumber(d, params[i], spec); err != nil {
				return err
			}
		}
		for i, p := range params {
			if !seen[i] {
				return fmt.Errorf("parameter %s missing", p.name)
			}
		}
		_, err := d.Token() // '}'
		return syntaxError(err)
	}
	return fmt.Errorf("want the parameters in an object or an array, got %s", describe(tok))
}

// decodeNumber decodes the value of parameter p into spec.
func decodeNumber(d *json.Decoder, p param, spec *Spec) error {
	tok, err := d.Token()
	if err != nil {
		return syntaxError(err)
	}
	num, ok := tok.(json.Number)
	if !ok {
		return fmt.Errorf("parameter %s: want a number, got %s", p.name, describe(tok))
	}
	text := string(num)
	switch v := p.field(spec).(type) {
	case *float64:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil { // only out of range: the decoder checked the syntax
			return fmt.Errorf("parameter %s: %s is out of range", p.name, text)
		}
		*v = f
	case *uint32:
		n, ok := jsonUint(text, math.MaxUint32)
		if !ok {
			return fmt.Errorf("parameter %s: %s is not an integer from 0 to 4294967295", p.name, text)
		}
		*v = uint32(n)
	case *uint64:
		n, ok := jsonUint(text, math.MaxUint64)
		if !ok {
			return fmt.Errorf("parameter %s: %s is not an integer from 0 to 18446744073709551615", p.name, text)
		}
		*v = n
	}
	return nil
}

// jsonUint parses a JSON number as an unsigned integer of at most limit:
// digits only, as serde reads integers (so not -0, 1.0 or 1e2).
func jsonUint(text string, limit uint64) (uint64, bool) {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil || n > limit {
		return 0, false
	}
	return n, true
}

// skipValue reads past the next value, however nested.
func skipValue(d *json.Decoder) error {
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return syntaxError(err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// paramIndex returns the index of the parameter called name, or -1.
func paramIndex(params []param, name string) int {
	for i, p := range params {
		if p.name == name {
			return i
		}
	}
	return -1
}

// lookupVariant returns the kind whose JSON name is name.
func lookupVariant(name string) (kind, error) {
	for k := range kinds {
		if kinds[k].variant == name {
			return kind(k), nil
		}
	}
	names := make([]string, numKinds)
	for k := range kinds {
		names[k] = kinds[k].variant
	}
	return 0, fmt.Errorf("unknown defense %q, want one of %q", name, names)
}

// describe names a JSON token for errors.
func describe(tok json.Token) string {
	switch tok := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case json.Delim:
		if tok == '{' {
			return "an object"
		}
		if tok == '[' {
			return "an array"
		}
	}
	return fmt.Sprint(tok)
}

// syntaxError is err as a JSON syntax error: the end of the data where a
// value was due is one too.
func syntaxError(err error) error {
	if err == io.EOF {
		return errors.New("unexpected end of JSON")
	}
	return err
}
