package maybenot

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/maybenot-go/maybenot/internal/splitmix"
)

// samplesCase is one line of samples.jsonl.
type samplesCase struct {
	Dist    samplesDist `json:"dist"`
	Seed    uint64      `json:"seed"`
	N       int         `json:"n"`
	Samples []float64   `json:"samples"`
}

// samplesDist is the reference's JSON form of a Dist (serde's): the type is
// an object with one key, the variant's name.
type samplesDist struct {
	Dist  map[string]samplesParams `json:"dist"`
	Start float64                  `json:"start"`
	Max   float64                  `json:"max"`
}

// samplesParams holds the fields of every variant; each uses its own.
type samplesParams struct {
	Low         float64 `json:"low"`
	High        float64 `json:"high"`
	Mean        float64 `json:"mean"`
	Stdev       float64 `json:"stdev"`
	Location    float64 `json:"location"`
	Scale       float64 `json:"scale"`
	Shape       float64 `json:"shape"`
	Mu          float64 `json:"mu"`
	Sigma       float64 `json:"sigma"`
	Trials      uint64  `json:"trials"`
	Probability float64 `json:"probability"`
	Lambda      float64 `json:"lambda"`
	Alpha       float64 `json:"alpha"`
	Beta        float64 `json:"beta"`
}

func (s samplesDist) toDist() (Dist, error) {
	if len(s.Dist) != 1 {
		return Dist{}, fmt.Errorf("dist has %d keys, want 1", len(s.Dist))
	}
	d := Dist{Start: s.Start, Max: s.Max}
	for name, p := range s.Dist {
		switch name {
		case "Uniform":
			d.Type = Uniform{Low: p.Low, High: p.High}
		case "Normal":
			d.Type = Normal{Mean: p.Mean, Stdev: p.Stdev}
		case "SkewNormal":
			d.Type = SkewNormal{Location: p.Location, Scale: p.Scale, Shape: p.Shape}
		case "LogNormal":
			d.Type = LogNormal{Mu: p.Mu, Sigma: p.Sigma}
		case "Binomial":
			d.Type = Binomial{Trials: p.Trials, Probability: p.Probability}
		case "Geometric":
			d.Type = Geometric{Probability: p.Probability}
		case "Pareto":
			d.Type = Pareto{Scale: p.Scale, Shape: p.Shape}
		case "Poisson":
			d.Type = Poisson{Lambda: p.Lambda}
		case "Weibull":
			d.Type = Weibull{Scale: p.Scale, Shape: p.Shape}
		case "Gamma":
			d.Type = Gamma{Scale: p.Scale, Shape: p.Shape}
		case "Beta":
			d.Type = Beta{Alpha: p.Alpha, Beta: p.Beta}
		default:
			return Dist{}, fmt.Errorf("unknown distribution %q", name)
		}
	}
	return d, nil
}

// TestConformanceSamples requires every sample the reference drew, of
// every distribution type, bit for bit from the same SplitMix64 seed.
func TestConformanceSamples(t *testing.T) {
	lines := conformanceLines(t, "samples.jsonl")
	exact := 0
	types := map[distKind]bool{}
	for i, line := range lines {
		var c samplesCase
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		d, err := c.Dist.toDist()
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if len(c.Samples) != c.N || c.N == 0 {
			t.Fatalf("line %d: %d samples, n = %d", i+1, len(c.Samples), c.N)
		}
		types[d.Type.distType()] = true
		rng := splitmix.New(c.Seed)
		same := true
		for j, want := range c.Samples {
			if got := d.Sample(rng); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("line %d (%v), sample %d: got %v (%#x), want %v (%#x)", i+1, d, j, got, math.Float64bits(got), want, math.Float64bits(want))
				same = false
				break
			}
		}
		if same {
			exact++
		}
	}
	t.Logf("%d of %d cases bit-identical", exact, len(lines))
	if len(types) != int(numDistKinds) {
		t.Errorf("samples.jsonl covers %d distribution types, want all %d", len(types), numDistKinds)
	}
}
