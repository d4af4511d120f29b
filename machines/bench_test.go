package machines

import (
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

func BenchmarkFront(b *testing.B) {
	b.ReportAllocs()
	rng := splitmix.New(1)
	for b.Loop() {
		if _, err := Front(1700, 1, 14, 5, rng); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRegulatorServer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RegulatorServer(277, 0.94, 3.55, 3550, 30); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInterspaceServer(b *testing.B) {
	b.ReportAllocs()
	rng := splitmix.New(1)
	for b.Loop() {
		if _, err := InterspaceServer(rng); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildAll(b *testing.B) {
	b.ReportAllocs()
	specs := allSpecs(b)
	rng := splitmix.New(1)
	for b.Loop() {
		if _, err := Build(specs, rng); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSpec(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSpec("regulator_server 277 0.94 3.55 3550 30"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSpecUnmarshalJSON(b *testing.B) {
	b.ReportAllocs()
	data := []byte(`{"RegulatorServer":{"r":277.0,"d":0.94,"t":3.55,"n":3550.0,"b":30}}`)
	var s Spec
	for b.Loop() {
		if err := s.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

var sink float64

func BenchmarkPow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = pow(0.94, 3.3)
	}
}

func BenchmarkPowE(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = powE(-3.3)
	}
}

func BenchmarkLog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = log(0.94)
	}
}
