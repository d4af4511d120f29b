package maybenot

import (
	"errors"
	"strings"
	"testing"
)

// Bounds on UnmarshalJSON for a document that carries one huge string: an
// unknown member name, an unknown variant or a value of the wrong type. The
// error names it clipped, as it does a long number, or gives only its
// length.
const (
	// jsonHugeName is the length of the string.
	jsonHugeName = 8 << 20
	// jsonMaxError bounds the length of the error message, here and for
	// any input (see FuzzMachineUnmarshalJSON).
	jsonMaxError = 1 << 10
	// jsonHugeNameMaxRatio bounds the allocation, as a multiple of the
	// document.
	jsonHugeNameMaxRatio = 3
)

func TestUnmarshalJSONHugeNames(t *testing.T) {
	name := strings.Repeat("a", jsonHugeName)
	intoMachine := func(b []byte) error { return new(Machine).UnmarshalJSON(b) }
	intoCounter := func(b []byte) error { return new(Counter).UnmarshalJSON(b) }
	intoDist := func(b []byte) error { return new(Dist).UnmarshalJSON(b) }
	for _, tc := range []struct {
		what string
		into func([]byte) error
		doc  string
		want string // the start of the error, after ErrInvalidMachine's
	}{
		{"unknown field", intoMachine, `{"` + name + `":1}`, `json: at byte 1: a name of 8388610 bytes, longer than any`},
		{"unknown field, escaped", intoMachine, `{"\u0061` + name[1:] + `":1}`, `json: at byte 1: a name of 8388615 bytes`},
		{"unknown field, invalid UTF-8", intoMachine, "{\"\xff" + name[1:] + `":1}`, `json: at byte 1: a name of 8388610 bytes`},
		{"unknown field, then a syntax error", intoMachine, `{"` + name + `" 1}`, `json: at byte 1: a name of 8388610 bytes`},
		{"unknown field, then the end", intoMachine, `{"` + name + `":`, `json: at byte 1: a name of 8388610 bytes`},
		{"unknown field, unterminated", intoMachine, `{"` + name, `json: unexpected EOF`},
		{"unknown tagged variant", intoDist, `{"dist":{"` + name + `":{}},"start":0,"max":0}`, `json: at byte 9: a name of 8388610 bytes`},
		{"unknown unit variant", intoCounter, `{"operation":"` + name + `","dist":null,"copy":false}`, `json: operation: unknown variant "aaaa`},
		{"unknown unit variant, escaped", intoCounter, `{"operation":"\u0061` + name[1:] + `","dist":null,"copy":false}`, `json: operation: unknown variant "aaaa`},
		{"wrong type", intoCounter, `{"copy":"` + name + `","operation":"Set","dist":null}`, `json: copy: got the string "aaaa`},
	} {
		t.Run(tc.what, func(t *testing.T) {
			doc := []byte(tc.doc)
			var err error
			_, alloc := measure(measureRuns, func() { err = tc.into(doc) })
			if !errors.Is(err, ErrInvalidMachine) {
				t.Fatalf("got %.100v, want an error wrapping ErrInvalidMachine", err)
			}
			msg := err.Error()
			t.Logf("%d bytes: a %d-byte error, %d bytes allocated (%.2f times the document)",
				len(doc), len(msg), alloc, float64(alloc)/float64(len(doc)))
			if !strings.HasPrefix(msg, ErrInvalidMachine.Error()+": "+tc.want) {
				t.Errorf("error %.200q does not start with %q", msg, tc.want)
			}
			if len(msg) > jsonMaxError {
				t.Errorf("the error takes %d bytes, more than %d", len(msg), jsonMaxError)
			}
			if alloc > jsonHugeNameMaxRatio*uint64(len(doc)) {
				t.Errorf("%d bytes allocated, more than %d times the %d-byte document", alloc, jsonHugeNameMaxRatio, len(doc))
			}
		})
	}
}
