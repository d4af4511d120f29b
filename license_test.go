package maybenot

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The module is licensed under MIT OR Apache-2.0, as the reference's crates
// are, with one file for each license at the root of the module, under names
// that pkg.go.dev looks for. License checkers recognise the standard texts,
// so both must be the standard texts, unmodified but for the copyright line
// of the MIT license.

// mitLicense is the MIT license, with the module's copyright line.
const mitLicense = `MIT License

Copyright (c) The maybenot-go authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`

// apacheLicenseSHA256 is the SHA-256 digest of the Apache License 2.0 as
// the Apache Software Foundation publishes it, at
// https://www.apache.org/licenses/LICENSE-2.0.txt.
const apacheLicenseSHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"

func TestLicenseMIT(t *testing.T) {
	b, err := os.ReadFile("LICENSE-MIT")
	if err != nil {
		t.Fatal(err)
	}
	got, want := strings.Split(string(b), "\n"), strings.Split(mitLicense, "\n")
	if len(got) != len(want) {
		t.Errorf("LICENSE-MIT has %d lines, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("LICENSE-MIT line %d:\ngot  %q\nwant %q", i+1, got[i], want[i])
		}
	}
}

func TestLicenseApache(t *testing.T) {
	b, err := os.ReadFile("LICENSE-APACHE")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	// The lines that name the license and bound its terms, to say what is
	// wrong before the digest does.
	for _, line := range []string{
		"                                 Apache License\n",
		"                           Version 2.0, January 2004\n",
		"                        http://www.apache.org/licenses/\n",
		"   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION\n",
		"   END OF TERMS AND CONDITIONS\n",
		"   APPENDIX: How to apply the Apache License to your work.\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("LICENSE-APACHE lacks the line %q", line)
		}
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != apacheLicenseSHA256 {
		t.Errorf("LICENSE-APACHE has SHA-256 %s, want %s (the standard text, unmodified)", got, apacheLicenseSHA256)
	}
}
