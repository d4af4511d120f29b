package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot"
)

// decodeCases is the conformance data of real machine strings, in the
// shared directory next to the repository's checkout.
const decodeCases = "../../../shared/conformance/decode.jsonl"

// decodeCase is one line of decode.jsonl.
type decodeCase struct {
	Input   string          `json:"input"`
	OK      bool            `json:"ok"`
	Machine json.RawMessage `json:"machine"`
}

func readDecodeCases(t *testing.T) []decodeCase {
	t.Helper()
	f, err := os.Open(decodeCases)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping: no conformance data at %s (it comes with the shared directory next to the repository)", decodeCases)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []decodeCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var c decodeCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s line %d: %v", decodeCases, len(cases)+1, err)
		}
		if c.OK {
			cases = append(cases, c)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s holds no machine", decodeCases)
	}
	return cases
}

// TestConformanceMachines runs inspect, json and encode on every machine
// string of the conformance data: inspect describes every state, json
// gives the reference's JSON form, and encode turns that back into a
// string of the same machine.
func TestConformanceMachines(t *testing.T) {
	for i, c := range readDecodeCases(t) {
		want, err := maybenot.ParseMachine(c.Input)
		if err != nil {
			t.Errorf("case %d: %v", i+1, err)
			continue
		}

		code, stdout, stderr := runCLI(t, "", "inspect", c.Input)
		if code != exitOK {
			t.Errorf("case %d: inspect: exit status %d: %s", i+1, code, stderr)
		} else if stdout != want.String() || strings.Count(stdout, "\n  state ") != len(want.States) {
			t.Errorf("case %d: inspect printed\n%s", i+1, stdout)
		}

		code, js, stderr := runCLI(t, "", "json", c.Input)
		if code != exitOK {
			t.Errorf("case %d: json: exit status %d: %s", i+1, code, stderr)
			continue
		}
		var got, ref maybenot.Machine
		if err := json.Unmarshal([]byte(js), &got); err != nil {
			t.Errorf("case %d: json printed what does not unmarshal: %v", i+1, err)
			continue
		}
		if err := json.Unmarshal(c.Machine, &ref); err != nil {
			t.Fatalf("case %d: the reference's JSON does not unmarshal: %v", i+1, err)
		}
		if !reflect.DeepEqual(got, ref) {
			t.Errorf("case %d: json printed\n%s\nwhich is not the reference's\n%s", i+1, js, c.Machine)
		}

		code, str, stderr := runCLI(t, js, "encode")
		if code != exitOK {
			t.Errorf("case %d: encode: exit status %d: %s", i+1, code, stderr)
			continue
		}
		back, err := maybenot.ParseMachine(strings.TrimSuffix(str, "\n"))
		if err != nil || !reflect.DeepEqual(back, want) {
			t.Errorf("case %d: encode printed %q, which parses to a different machine (%v)", i+1, str, err)
		}
	}
}

// TestConformanceMachinesTogether reads all the machine strings at once
// from standard input, as a file of machines would be read.
func TestConformanceMachinesTogether(t *testing.T) {
	cases := readDecodeCases(t)
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(c.Input + "\n")
	}
	code, stdout, stderr := runCLI(t, in.String(), "inspect", "-")
	if code != exitOK {
		t.Fatalf("inspect: exit status %d: %s", code, stderr)
	}
	if n := strings.Count(stdout, "Machine "); n != len(cases) {
		t.Errorf("inspect described %d machines, want %d", n, len(cases))
	}
	code, js, stderr := runCLI(t, in.String(), "json")
	if code != exitOK {
		t.Fatalf("json: exit status %d: %s", code, stderr)
	}
	code, strs, stderr := runCLI(t, js, "encode")
	if code != exitOK {
		t.Fatalf("encode: exit status %d: %s", code, stderr)
	}
	if n := strings.Count(strs, "\n"); n != len(cases) {
		t.Errorf("encode printed %d machine strings, want %d", n, len(cases))
	}
}
