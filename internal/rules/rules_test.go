package rules

import "testing"

// TestTakes is the shared table of the blocking and timer rule: the
// defense and sim packages run the same cases through their own machinery.
func TestTakes(t *testing.T) {
	for _, tt := range TakesCases {
		if got := Takes(tt.Remaining, tt.D, tt.Replace); got != tt.Takes {
			t.Errorf("%s: Takes(%v, %v, %v) = %v, want %v", tt.Name, tt.Remaining, tt.D, tt.Replace, got, tt.Takes)
		}
	}
}

func TestBypasses(t *testing.T) {
	for _, tt := range []struct {
		padding, blocked, bypassable, want bool
	}{
		{false, false, false, false},
		{true, false, false, false},
		{true, false, true, false},
		{true, true, false, false},
		{false, true, true, false},
		{true, true, true, true},
	} {
		if got := Bypasses(tt.padding, tt.blocked, tt.bypassable); got != tt.want {
			t.Errorf("Bypasses(%v, %v, %v) = %v, want %v", tt.padding, tt.blocked, tt.bypassable, got, tt.want)
		}
	}
}
