package maybenot

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Match them with errors.Is: the errors
// actually returned wrap these with details of what was wrong and where.
var (
	// ErrInvalidMachine reports a machine that cannot be used: a machine
	// string that does not parse, a JSON form that does not decode, or a
	// machine that breaks a validation rule. The wrapping error names the
	// rule and the place (state index, event, field).
	ErrInvalidMachine = errors.New("maybenot: invalid machine")

	// ErrPaddingLimit reports a framework-wide max padding fraction outside
	// [0, 1] (NaN included).
	ErrPaddingLimit = errors.New("maybenot: max padding fraction must be in [0, 1]")

	// ErrBlockingLimit reports a framework-wide max blocking fraction outside
	// [0, 1] (NaN included).
	ErrBlockingLimit = errors.New("maybenot: max blocking fraction must be in [0, 1]")
)

// invalid wraps err, a description of a broken rule, in ErrInvalidMachine.
func invalid(err error) error {
	return fmt.Errorf("%w: %w", ErrInvalidMachine, err)
}
