// Command workbench is Journey Workbench: load customer data from every silo
// into one SQLite file, explore cross-channel journeys, simulate orchestration
// policies offline and export the winning decision model.
//
// With no subcommand it opens the interactive workbench on the built-in
// sample. Every analysis is also a subcommand that prints a table, CSV or
// JSON; run `workbench help` for the list.
//
// This package only parses flags and wires packages together: the logic
// lives in analysis/, sim/, sample/ and tui/.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand. Each lives in its own file and registers
// itself from init.
type command struct {
	name    string
	summary string // one line for `workbench help`
	usage   string // argument synopsis, e.g. "--out DIR [--customers N]"
	// run executes the command with the arguments after its name. It
	// returns errUsage (possibly wrapped) when the arguments are wrong.
	run func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("workbench: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// errUsage marks an error caused by wrong arguments: main prints it with
// the command's usage and exits with status 2.
var errUsage = errors.New("usage")

// defaultCommand runs when the program starts without a subcommand (or
// with only global flags such as --db). It is set by the file that owns
// the default behaviour.
var defaultCommand func(args []string, stdout, stderr io.Writer) error

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name := args[0]
		if name == "help" {
			if len(args) > 1 {
				if c, ok := commands[args[1]]; ok {
					return exitCode(c.run([]string{"--help"}, stdout, stderr), c, stderr)
				}
			}
			printHelp(stdout)
			return 0
		}
		c, ok := commands[name]
		if !ok {
			fmt.Fprintf(stderr, "workbench: unknown command %q; run `workbench help` for the list\n", name)
			return 2
		}
		return exitCode(c.run(args[1:], stdout, stderr), c, stderr)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		printHelp(stdout)
		return 0
	}
	if defaultCommand == nil {
		printHelp(stdout)
		return 0
	}
	return exitCode(defaultCommand(args, stdout, stderr), nil, stderr)
}

func exitCode(err error, c *command, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		msg := strings.TrimSuffix(strings.TrimPrefix(err.Error(), errUsage.Error()), ": ")
		msg = strings.TrimPrefix(msg, ": ")
		if msg != "" {
			fmt.Fprintf(stderr, "workbench: %s\n", msg)
		}
		if c != nil {
			fmt.Fprintf(stderr, "usage: workbench %s %s\nrun `workbench %s --help` for details\n", c.name, c.usage, c.name)
		}
		return 2
	default:
		fmt.Fprintf(stderr, "workbench: %v\n", err)
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `Journey Workbench: unify customer data, explore cross-channel journeys,
simulate orchestration policies offline and export the winning decision model.

usage:
  workbench [--db FILE]          open the interactive workbench (the built-in sample by default)
  workbench COMMAND [flags]      run one command headless
  workbench help COMMAND         explain a command

commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
}

// newFlagSet returns a FlagSet for a command whose --help prints the
// command's summary, usage and the description given, then its flags.
func newFlagSet(c *command, description string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "workbench %s: %s\n\nusage: workbench %s %s\n", c.name, c.summary, c.name, c.usage)
		if description != "" {
			fmt.Fprintf(stdout, "\n%s\n", strings.TrimSpace(description))
		}
		fmt.Fprintln(stdout, "\nflags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
