package maybenot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"testing"
)

// The machine conformance cases: decode.jsonl, encode.jsonl, invalid.jsonl
// and wire.jsonl, each checked as ../shared/conformance/README.md says. Each
// test logs how many of its cases pass; a failing case does not stop the
// others.

// machineCase is a line of one of the machine conformance files. Each file
// uses some of the fields:
//   - decode.jsonl: a real machine string from the reference's repository
//     (Input), its Name, JSON form (Machine) and Reserialized form;
//   - encode.jsonl: a random valid machine in JSON form (Machine), its
//     Serialized form by the reference and the Name of that;
//   - invalid.jsonl: a machine in JSON form breaking one validation rule (OK
//     false), or sitting just inside one (OK true, with its Serialized form);
//   - wire.jsonl: a broken or odd machine string (Input), and for one that
//     parses, the reference's Name and Reserialized form of it.
type machineCase struct {
	Label        string
	Input        string
	OK           bool
	Name         string
	Machine      json.RawMessage
	Serialized   string
	Reserialized string
}

// runConformance checks every case of a conformance file, logs how many
// pass and returns the cases.
func runConformance(t *testing.T, file string, check func(machineCase) error) []machineCase {
	t.Helper()
	lines := conformanceLines(t, file)
	cases := make([]machineCase, len(lines))
	passed := 0
	for i, line := range lines {
		if err := json.Unmarshal(line, &cases[i]); err != nil {
			t.Fatalf("%s: bad line %d: %v", file, i+1, err)
		}
		if err := check(cases[i]); err != nil {
			t.Errorf("%s line %d %s: %v", file, i+1, cases[i].Label, err)
			continue
		}
		passed++
	}
	t.Logf("%s: %d/%d cases pass", file, passed, len(lines))
	return cases
}

func TestConformanceDecode(t *testing.T) {
	runConformance(t, "decode.jsonl", func(c machineCase) error {
		if !c.OK {
			return errors.New("every decode case should be ok")
		}
		m, err := parseNoPanic(c.Input)
		if err != nil {
			return err
		}
		return firstErr(
			checkJSONForm(m, c.Machine),
			checkRoundTrip(m),
			checkName(m, c.Reserialized, c.Name))
	})
}

func TestConformanceEncode(t *testing.T) {
	runConformance(t, "encode.jsonl", func(c machineCase) error {
		if !c.OK {
			return errors.New("every encode case should be ok")
		}
		var m Machine
		if err := json.Unmarshal(c.Machine, &m); err != nil {
			return fmt.Errorf("unmarshal: %w", err)
		}
		if err := m.Validate(); err != nil {
			return err
		}
		return firstErr(
			checkRoundTrip(&m),
			checkSameParse(c.Serialized, &m),
			checkJSONForm(&m, c.Machine),
			checkName(&m, c.Serialized, c.Name))
	})
}

func TestConformanceInvalid(t *testing.T) {
	runConformance(t, "invalid.jsonl", func(c machineCase) error {
		var m Machine
		err := json.Unmarshal(c.Machine, &m)
		if err == nil {
			err = m.Validate()
		}
		if !c.OK {
			return checkRejected(err)
		}
		if err != nil {
			return fmt.Errorf("want a valid machine, got %w", err)
		}
		return checkSameParse(c.Serialized, &m)
	})
}

func TestConformanceWire(t *testing.T) {
	runConformance(t, "wire.jsonl", func(c machineCase) error {
		m, err := parseNoPanic(c.Input)
		if !c.OK {
			return checkRejected(err)
		}
		if err != nil {
			return fmt.Errorf("want a machine, got %w", err)
		}
		return firstErr(
			checkSameParse(c.Reserialized, m),
			checkRoundTrip(m),
			checkName(m, c.Reserialized, c.Name))
	})
}

// parseNoPanic is ParseMachine, turning a panic into an error so that one
// bad case does not hide the others.
func parseNoPanic(s string) (m *Machine, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ParseMachine panicked: %v", r)
		}
	}()
	return ParseMachine(s)
}

// checkRejected checks err, the outcome of a case that must fail.
func checkRejected(err error) error {
	switch {
	case err == nil:
		return errors.New("want an error, got a valid machine")
	case !errors.Is(err, ErrInvalidMachine):
		return fmt.Errorf("error %q does not wrap ErrInvalidMachine", err)
	}
	return nil
}

// checkSameParse checks that s parses to a machine equal to want.
func checkSameParse(s string, want *Machine) error {
	got, err := parseNoPanic(s)
	if err != nil {
		return fmt.Errorf("ParseMachine(%q): %w", s, err)
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("ParseMachine(%q) gives\n%v\nwant\n%v", s, got, want)
	}
	return nil
}

// checkRoundTrip checks that m serializes to a string that parses back to
// m, and that Name is the deterministic digest of that string.
func checkRoundTrip(m *Machine) error {
	s := m.Serialize()
	if err := checkSameParse(s, m); err != nil {
		return fmt.Errorf("round trip: %w", err)
	}
	sum := sha256.Sum256([]byte(s))
	want := hex.EncodeToString(sum[:])[:32]
	if first, again := m.Name(), m.Name(); first != want || again != want {
		return fmt.Errorf("Name() = %s then %s, want %s (the start of the SHA-256 of Serialize())", first, again, want)
	}
	return nil
}

// checkName checks m's name against the reference's, which applies only if
// m serializes to the reference's string.
func checkName(m *Machine, refSerialized, refName string) error {
	if s := m.Serialize(); s != refSerialized {
		return fmt.Errorf("Serialize() = %s, want %s", s, refSerialized)
	}
	if m.Name() != refName {
		return fmt.Errorf("Name() = %s, want %s", m.Name(), refName)
	}
	return nil
}

// checkJSONForm checks that the JSON form of m means the same as want, the
// reference's JSON form, and that want unmarshals to m.
func checkJSONForm(m *Machine, want json.RawMessage) error {
	got, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("marshal: %w", err)
	}
	if err := sameJSON("", decodeGeneric(got), decodeGeneric(want)); err != nil {
		return fmt.Errorf("JSON form: %w\ngot  %s\nwant %s", err, got, want)
	}
	var back Machine
	if err := json.Unmarshal(want, &back); err != nil {
		return fmt.Errorf("unmarshal the reference's JSON: %w", err)
	}
	if !reflect.DeepEqual(&back, m) {
		return fmt.Errorf("the reference's JSON unmarshals to\n%v\nwant\n%v", &back, m)
	}
	return nil
}

// decodeGeneric decodes a JSON document to maps, slices and json.Numbers,
// or to the decoding error.
func decodeGeneric(data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	return v
}

// probabilityPath matches the path of a transition probability.
var probabilityPath = regexp.MustCompile(`\.transitions\[\d+\]\[\d+\]\[1\]$`)

// sameJSON compares two generic JSON values, naming the first difference.
// Numbers compare by value: integers exactly, other numbers as float64 bit
// patterns, and transition probabilities (which the reference writes
// widened from float32) as float32.
func sameJSON(path string, got, want any) error {
	mismatch := func() error { return fmt.Errorf("%s: got %v, want %v", path, got, want) }
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return mismatch()
		}
		for k, wv := range w {
			if err := sameJSON(path+"."+k, g[k], wv); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return mismatch()
		}
		for i := range w {
			if err := sameJSON(path+"["+strconv.Itoa(i)+"]", g[i], w[i]); err != nil {
				return err
			}
		}
		return nil
	case json.Number:
		if g, ok := got.(json.Number); !ok || !sameNumber(g, w, probabilityPath.MatchString(path)) {
			return mismatch()
		}
		return nil
	case error:
		return fmt.Errorf("bad JSON: %w", w)
	}
	if g, ok := got.(error); ok {
		return fmt.Errorf("bad JSON: %w", g)
	}
	if got != want {
		return mismatch()
	}
	return nil
}

// sameNumber compares two JSON numbers by value.
func sameNumber(got, want json.Number, isFloat32 bool) bool {
	gi, gerr := strconv.ParseUint(string(got), 10, 64)
	wi, werr := strconv.ParseUint(string(want), 10, 64)
	if gerr == nil && werr == nil {
		return gi == wi
	}
	gf, gerr := strconv.ParseFloat(string(got), 64)
	wf, werr := strconv.ParseFloat(string(want), 64)
	if gerr != nil || werr != nil {
		return false
	}
	if isFloat32 {
		return float32(gf) == float32(wf)
	}
	return math.Float64bits(gf) == math.Float64bits(wf)
}
