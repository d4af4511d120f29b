package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/maybenot-go/maybenot"
)

func TestMachines(t *testing.T) {
	runCases(t, []cliCase{
		{name: "machines_list", args: []string{"machines", "-list"}, code: exitOK},
		{name: "machines_tamaraw", args: []string{"machines", "tamaraw 0.04 3000000"}, code: exitOK},
		{name: "machines_seeded", args: []string{"machines", "-seed", "7", "front 1700 1 14 5", "interspace_client", "netflow"}, code: exitOK},
		{name: "machines_json", args: []string{"machines", "-json", "netflow"}, code: exitOK},
		{name: "machines_json_spec", args: []string{"machines", `{"RegulatorClient":{"u":3.95,"c":1.77}}`, `"BreakPadClient"`}, code: exitOK},
		{name: "machines_none", args: []string{"machines"}, code: exitUsage},
		{name: "machines_list_with_spec", args: []string{"machines", "-list", "noop"}, code: exitUsage},
		{name: "machines_bad_seed", args: []string{"machines", "-seed", "-1", "noop"}, code: exitUsage},
		{name: "machines_bad_spec", args: []string{"machines", "noop", "front 1700 1 14"}, code: exitError},
		{name: "machines_bad_json_spec", args: []string{"machines", `{"Tamaraw":{"p":1}}`}, code: exitError},
		{name: "machines_bad_parameter", args: []string{"machines", "front 1 1 14 5"}, code: exitError},
	})
}

// TestMachinesUnseeded checks that without -seed the random defenses
// differ from run to run, and are valid machines.
func TestMachinesUnseeded(t *testing.T) {
	outputs := map[string]bool{}
	for range 3 {
		code, stdout, stderr := runCLI(t, "", "machines", "front 1700 1 14 5")
		if code != exitOK {
			t.Fatalf("exit status %d: %s", code, stderr)
		}
		if _, err := maybenot.ParseMachine(strings.TrimSpace(stdout)); err != nil {
			t.Fatal(err)
		}
		outputs[stdout] = true
	}
	if len(outputs) < 2 {
		t.Error("three runs without -seed gave the same machine")
	}
}

// machinesCases is the conformance data of the reference's machine
// library, in the shared directory next to the repository's checkout.
const machinesCases = "../../../shared/conformance/machines.jsonl"

// TestConformanceSpecs runs the get_machine cases of the conformance data
// through the command: with -seed, it prints the reference's machines.
func TestConformanceSpecs(t *testing.T) {
	data, err := os.ReadFile(machinesCases)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("skipping: no conformance data at %s (it comes with the shared directory next to the repository)", machinesCases)
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var c struct {
			Case struct {
				Kind   string `json:"kind"`
				Params struct {
					Machines []string `json:"machines"`
				} `json:"params"`
				Seed uint64 `json:"seed"`
			} `json:"case"`
			Expect struct {
				Machines []struct {
					Machine json.RawMessage `json:"machine"`
				} `json:"machines"`
			} `json:"expect"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		if c.Case.Kind != "get_machine" {
			continue
		}
		n++
		args := append([]string{"machines", "-json", "-seed", strconv.FormatUint(c.Case.Seed, 10)}, c.Case.Params.Machines...)
		code, stdout, stderr := runCLI(t, "", args...)
		if code != exitOK {
			t.Errorf("%q: exit status %d: %s", args, code, stderr)
			continue
		}
		d := json.NewDecoder(strings.NewReader(stdout))
		for i, want := range c.Expect.Machines {
			var got, ref maybenot.Machine
			if err := d.Decode(&got); err != nil {
				t.Fatalf("%q: machine %d: %v", args, i, err)
			}
			if err := json.Unmarshal(want.Machine, &ref); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, ref) {
				t.Errorf("%q: machine %d is not the reference's", args, i)
			}
		}
		if d.More() {
			t.Errorf("%q: more machines than the reference's %d", args, len(c.Expect.Machines))
		}
	}
	if n == 0 {
		t.Fatal("no get_machine cases")
	}
}
