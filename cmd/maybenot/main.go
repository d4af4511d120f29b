package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/maybenot-go/maybenot"
	"github.com/maybenot-go/maybenot/machines"
	"golang.org/x/term"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // invalid input, or a file that cannot be read or written
	exitUsage = 2 // an unknown command or flag, or wrong arguments
)

// env is what a command may use of the outside world, so that tests can run
// commands in-process.
type env struct {
	stdin io.Reader
	// stdinTerminal is set when standard input is a terminal: a command
	// that reads it only for want of an argument then shows its usage
	// instead of waiting for typing.
	stdinTerminal  bool
	stdout, stderr io.Writer
}

// isTerminal reports whether r is a terminal.
var isTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// errNoInput is the usage error of a command given no input argument while
// standard input is a terminal.
var errNoInput = usageError{`no input: give it as an argument or pipe it in ("-" reads standard input)`}

// command is one subcommand of maybenot.
type command struct {
	name    string
	args    string // the arguments after the flags, for the usage line
	summary string // one line for the list of commands
	doc     string // what the command does, with examples
	// setup defines the command's flags on fs and returns the function
	// that runs the command, with the arguments left after the flags.
	setup func(fs *flag.FlagSet) func(e *env, args []string) error
}

// commands are the subcommands, in the order the usage lists them.
var commands = []*command{inspectCmd, jsonCmd, encodeCmd, machinesCmd, simulateCmd, plotCmd, versionCmd}

// usageError is a mistake in how the command was called: it is reported
// with the command's usage and exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run runs maybenot with the arguments args (without the program name) and
// returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdinTerminal: isTerminal(stdin), stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printMainUsage(stderr)
		return exitUsage
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				fs, _ := c.flags()
				c.printUsage(stdout, fs)
				return exitOK
			}
			return mainUsageError(stderr, fmt.Sprintf("unknown command %q", args[1]))
		}
		printMainUsage(stdout)
		return exitOK
	}
	c := lookup(args[0])
	if c == nil {
		if strings.HasPrefix(args[0], "-") {
			return mainUsageError(stderr, fmt.Sprintf("unknown flag %s: flags go after the command", args[0]))
		}
		return mainUsageError(stderr, fmt.Sprintf("unknown command %q", args[0]))
	}
	return c.run(e, args[1:])
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// mainUsageError reports a usage mistake made before any command was
// chosen.
func mainUsageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "maybenot: %s\n", msg)
	printMainUsage(stderr)
	return exitUsage
}

// printMainUsage lists the commands.
func printMainUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: maybenot <command> [flags] [arguments]\n\n")
	fmt.Fprint(w, "Inspect, convert and try Maybenot machines.\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun \"maybenot <command> -h\" or \"maybenot help <command>\" for a command's\nflags and examples.\n")
}

// flags returns a new flag set with the command's flags defined, set up to
// print nothing itself (run reports flag errors), and the function that
// runs the command.
func (c *command) flags() (*flag.FlagSet, func(e *env, args []string) error) {
	fs := flag.NewFlagSet("maybenot "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs, c.setup(fs)
}

// run parses the command's flags, runs it and returns the exit status.
// -h and -help print the usage to stdout; a usage error prints the problem
// and a short usage to stderr; any other error prints one line to stderr.
func (c *command) run(e *env, args []string) int {
	fs, action := c.flags()
	err := fs.Parse(args)
	if err == nil {
		err = action(e, fs.Args())
	} else if !errors.Is(err, flag.ErrHelp) {
		err = usageError{err.Error()}
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(e.stdout, fs)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "maybenot %s: %s\n", c.name, ue.msg)
		fmt.Fprintf(e.stderr, "Usage: maybenot %s %s\nRun \"maybenot %s -h\" for details.\n", c.name, c.args, c.name)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "maybenot: %s\n", errorLine(err))
	return exitError
}

// printUsage prints the command's usage line, description and flags.
func (c *command) printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: maybenot %s %s\n\n%s", c.name, c.args, c.doc)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// errorLine returns err as the one line printed after "maybenot: ". The
// library's errors name their package, which that prefix already gives, so
// the package name is dropped from the library's error texts, wherever
// wrapping put them.
func errorLine(err error) string {
	msg := strings.ReplaceAll(err.Error(), "defense: ", "")
	for _, sentinel := range []error{maybenot.ErrInvalidMachine, maybenot.ErrPaddingLimit, maybenot.ErrBlockingLimit,
		maybenot.ErrMachinesBudget, machines.ErrInvalidParameter, machines.ErrInvalidSpec} {
		text := sentinel.Error()
		_, bare, _ := strings.Cut(text, ": ")
		msg = strings.ReplaceAll(msg, text, bare)
	}
	return strings.ReplaceAll(msg, "\n", " ")
}

// maxInput bounds what a command reads from a file or standard input.
const maxInput = 64 << 20

// readInput reads all of r, or fails if it holds more than maxInput bytes.
// name says what r is, for errors.
func readInput(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxInput>>20)
	}
	return b, nil
}

// createOutput creates the file called name for a command's output. It
// fails if the file exists, unless force is set.
func createOutput(name string, force bool) (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, existsError{name}
	}
	return f, err
}

// existsError is the error of an output file that exists already. It
// matches fs.ErrExist.
type existsError struct{ name string }

func (e existsError) Error() string        { return e.name + " exists: use -force to overwrite it" }
func (e existsError) Is(target error) bool { return target == fs.ErrExist }

// readFile reads the file called name, or standard input if name is "-".
func readFile(e *env, name string) ([]byte, error) {
	if name == "-" {
		return readInput(e.stdin, "standard input")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readInput(f, name)
}

// argOrStdin returns the text of the one optional argument of a command
// taking [TEXT|-]: the argument itself, or standard input when it is "-" or
// missing (but not when missing while standard input is a terminal).
// fromArg reports which.
func argOrStdin(e *env, args []string) (text string, fromArg bool, err error) {
	switch {
	case len(args) > 1:
		return "", false, usageError{fmt.Sprintf("want at most one argument, got %d", len(args))}
	case len(args) == 0 && e.stdinTerminal:
		return "", false, errNoInput
	case len(args) == 0 || args[0] == "-":
		b, err := readInput(e.stdin, "standard input")
		return string(b), false, err
	}
	return args[0], true, nil
}
