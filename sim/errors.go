package sim

import "errors"

// Errors of the package, to match with errors.Is.
var (
	// ErrInvalidTrace: a trace that cannot be parsed, or has no packets.
	ErrInvalidTrace = errors.New("sim: invalid trace")
	// ErrTraceTooLarge: a trace of more than MaxTracePackets packets.
	ErrTraceTooLarge = errors.New("sim: trace too large")
	// ErrInvalidBinDist: a BinDist that cannot be parsed or is out of range.
	ErrInvalidBinDist = errors.New("sim: invalid bin distribution")
	// ErrInvalidOptions: a Network or Options out of range, or not fitting
	// the trace.
	ErrInvalidOptions = errors.New("sim: invalid options")
	// ErrTimeLimit: the simulation reached MaxTime.
	ErrTimeLimit = errors.New("sim: simulated time reached its limit")
)
