// Command govaudit audits a district government portal's open-government
// (政务公开) columns: it crawls them, checks them against the district's
// assessment measures, and helps inspectors review, score and report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand of govaudit.
type command struct {
	name    string
	summary string // one line, shown by "govaudit help"
	// run executes the command with the arguments after its name. It
	// returns a usageError for bad flags or arguments, a configError for a
	// bad configuration, and any other error for a failure.
	run func(ctx context.Context, app *app, args []string) error
}

// commands lists every subcommand. Each is defined in a file of its own.
func commands() []command {
	return []command{
		versionCmd(),
		initCmd(),
		crawlCmd(),
		inspectCmd(),
		discoverCmd(),
		runsCmd(),
		coverageCmd(),
		portalsimCmd(),
		demoCmd(),
		dueCmd(),
		checkCmd(),
		findingsCmd(),
		reportCmd(),
		digestCmd(),
		adjustmentsCmd(),
		serveCmd(),
		userCmd(),
		nightlyCmd(),
		daemonCmd(),
		backupCmd(),
		verifyCmd(),
		compactCmd(),
	}
}

// app is what every command shares: the output streams and the logger.
type app struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	stdin          io.Reader // nil: os.Stdin (user add reads a password from it)
}

// usageError marks a mistake on the command line (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// configError marks a bad configuration file (exit status 2).
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain runs govaudit with args and returns the exit status.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, log: newLogger(stderr, os.Getenv("GOVAUDIT_LOG_FORMAT"))}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, a, args[1:])
		return exitStatus(stderr, c.name, err)
	}
	fmt.Fprintf(stderr, "govaudit: unknown command %q (see govaudit help)\n", args[0])
	return 2
}

// exitStatus reports err and maps it to an exit status.
func exitStatus(stderr io.Writer, name string, err error) int {
	var ue usageError
	var ce configError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "govaudit %s: %v\n", name, err)
		return 2
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "govaudit %s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "govaudit %s: %v\n", name, err)
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "govaudit — 政务公开 audit of a district government portal")
	fmt.Fprintln(w, "\nUsage: govaudit <command> [flags]   (govaudit <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
}

// newLogger returns a text logger, or a JSON one when format is "json".
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// newFlagSet returns a flag set for a subcommand that reports errors
// instead of exiting, with a usage line.
func newFlagSet(a *app, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: govaudit %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and wraps a flag error as a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}
