package maybenot

import "testing"

// TestConformanceRunAnyDist replays every run of run_anydist.jsonl, whose
// machines use all eleven distribution types, and requires identical
// actions at every step: every distribution samples as the reference does.
func TestConformanceRunAnyDist(t *testing.T) { replayRuns(t, "run_anydist.jsonl") }
