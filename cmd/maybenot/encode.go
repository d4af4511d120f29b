package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/maybenot-go/maybenot"
)

var encodeCmd = &command{
	name:    "encode",
	args:    "[FILE|-]",
	summary: "turn machines in their JSON form into machine strings",
	doc: `Encode reads machines in their JSON form (as "maybenot json" prints them),
validates them and prints the machine string of each, one per line, in
the order of the input. A machine whose encoding would take more than
the 1 MiB that parsing a machine string allows (a valid machine of more
than about 65,500 states may) is refused: no parser would read its
string back.

The input is the file FILE, or standard input with "-" or no argument. It
holds one or more JSON documents, one after the other; each is a machine
or an array of machines. An error names the document (and the machine in
an array) when there is more than one.

Examples:
  maybenot encode machine.json
  maybenot json 02eNpjYEAHjOgCAAA0AAI= | maybenot encode
`,
	setup: func(*flag.FlagSet) func(*env, []string) error { return runEncode },
}

// runEncode prints the machine string of every machine in the input.
func runEncode(e *env, args []string) error {
	if len(args) > 1 {
		return usageError{fmt.Sprintf("want at most one argument, got %d", len(args))}
	}
	name := "-"
	if len(args) == 1 {
		name = args[0]
	}
	data, err := readFile(e, name)
	if err != nil {
		return err
	}
	machines, err := decodeMachines(data)
	if err != nil {
		return err
	}
	var out strings.Builder
	for i := range machines {
		// MarshalText refuses a machine too large for any parser to read
		// back, which Serialize would print all the same.
		text, err := machines[i].MarshalText()
		if err != nil {
			if len(machines) > 1 {
				return fmt.Errorf("machine %d of the input: %w", i+1, err)
			}
			return err
		}
		out.Write(text)
		out.WriteByte('\n')
	}
	_, err = io.WriteString(e.stdout, out.String())
	return err
}

// decodeMachines reads the JSON documents in data, each a machine or an
// array of machines, and returns the machines, validated, in order.
func decodeMachines(data []byte) ([]maybenot.Machine, error) {
	// No JSON document starts with 02 (JSON numbers have no leading zero),
	// but every machine string does.
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("02")) {
		return nil, errors.New(`the input holds machine strings, not JSON: encode reads the JSON form that "maybenot json" prints`)
	}
	docs, err := splitDocuments(data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, errors.New("no machine in the input")
	}
	var machines []maybenot.Machine
	for i, doc := range docs {
		where := ""
		if len(docs) > 1 {
			where = fmt.Sprintf("document %d: ", i+1)
		}
		ms, err := decodeDocument(doc, where)
		if err != nil {
			return nil, err
		}
		machines = append(machines, ms...)
	}
	return machines, nil
}

// splitDocuments splits data into its JSON documents. A syntax error gives
// its line and column.
func splitDocuments(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var docs []json.RawMessage
	for {
		var doc json.RawMessage
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("invalid JSON: the input ends inside a document")
		case err != nil:
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		docs = append(docs, doc)
	}
}

// position returns the line and column (both from 1, the column in bytes)
// of the byte that a json.SyntaxError with the given offset is about: the
// last one read.
func position(data []byte, offset int64) (line, col int) {
	at := int(min(max(offset-1, 0), int64(len(data))))
	before := data[:at]
	line = bytes.Count(before, []byte("\n")) + 1
	col = at - bytes.LastIndexByte(before, '\n')
	return line, col
}

// decodeDocument decodes one JSON document, a machine or an array of
// machines, and validates each machine. where prefixes errors.
func decodeDocument(doc json.RawMessage, where string) ([]maybenot.Machine, error) {
	if doc[0] != '[' {
		m, err := decodeMachine(doc)
		if err != nil {
			return nil, fmt.Errorf("%s%w", where, err)
		}
		return []maybenot.Machine{m}, nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(doc, &elems); err != nil {
		return nil, fmt.Errorf("%s%w", where, err)
	}
	if len(elems) == 0 {
		return nil, fmt.Errorf("%san empty array holds no machine", where)
	}
	machines := make([]maybenot.Machine, len(elems))
	for i, elem := range elems {
		m, err := decodeMachine(elem)
		if err != nil {
			return nil, fmt.Errorf("%smachine %d of the array: %w", where, i+1, err)
		}
		machines[i] = m
	}
	return machines, nil
}

// decodeMachine decodes and validates the JSON form of one machine.
func decodeMachine(doc json.RawMessage) (maybenot.Machine, error) {
	var m maybenot.Machine
	if bytes.Equal(doc, []byte("null")) {
		return m, errors.New("null is not a machine")
	}
	if err := json.Unmarshal(doc, &m); err != nil {
		return m, err
	}
	return m, m.Validate()
}
