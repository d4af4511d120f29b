package main

import (
	"os"
	"path/filepath"
	"testing"
)

// maxDecodeError bounds the length of an error of decodeMachines, which
// the command prints on one line.
const maxDecodeError = 2 << 10

// FuzzDecodeMachines feeds encode's reader of JSON documents arbitrary
// input: it never panics, its errors stay short, and the machines it
// returns are valid and read back the same from the JSON that "maybenot
// json" prints for them.
func FuzzDecodeMachines(f *testing.F) {
	for _, name := range []string{"machine.json", "stream.json", "truncated.json", "unknown_field.json", "bad_syntax.json", "bad_rule.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(noop))
	f.Fuzz(func(t *testing.T, data []byte) {
		machines, err := decodeMachines(data)
		if err != nil {
			if n := len(err.Error()); n > maxDecodeError {
				t.Fatalf("error of %d bytes, more than %d", n, maxDecodeError)
			}
			return
		}
		if len(machines) == 0 {
			t.Fatal("no machines and no error")
		}
		var again []byte
		for i := range machines {
			if err := machines[i].Validate(); err != nil {
				t.Fatalf("machine %d does not validate: %v", i, err)
			}
			b, err := marshalMachine(&machines[i])
			if err != nil {
				t.Fatalf("machine %d: %v", i, err)
			}
			again = append(again, b...)
		}
		back, err := decodeMachines(again)
		if err != nil {
			t.Fatalf("the printed JSON does not read back: %v", err)
		}
		if len(back) != len(machines) {
			t.Fatalf("read back %d machines, want %d", len(back), len(machines))
		}
		for i := range back {
			if back[i].Serialize() != machines[i].Serialize() {
				t.Fatalf("machine %d reads back different", i)
			}
		}
	})
}
