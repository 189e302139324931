// Command sgm is score-based generative modelling from the command line:
// analytic densities and their scores, Langevin sampling, training the
// blog post's noise-conditional score network on an image, and the figures.
//
// Run "sgm help" for the commands and "sgm help CMD" for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/sgm-dev/sgm/internal/atomicfile"
)

func main() {
	ctx := context.Background()
	if c := lookup(os.Args[1:]); c != nil && c.interruptible {
		// The first interrupt asks the command to stop cleanly (a run
		// saves a checkpoint); a second one stops the process at once.
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		context.AfterFunc(ctx, stop)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go stopOnSignal(sigs, lookup(os.Args[1:]), os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	// Writers the command abandoned (a goroutine still writing when it
	// returned) leave no temporary file.
	atomicfile.Cleanup(func() { os.Exit(code) })
}

// stopOnSignal ends the process on an interrupt or SIGTERM, with status
// 128+signal as a shell reports a death by signal, after removing the
// temporary files in flight. An interruptible command gets the first
// signal as a cancelled context (main's signal.NotifyContext) and is
// ended only by a second.
func stopOnSignal(sigs <-chan os.Signal, c *command, stderr io.Writer, exit func(int)) {
	first := c != nil && c.interruptible
	for sig := range sigs {
		if first {
			first = false
			continue
		}
		code, name := 1, sig.String()
		if s, ok := sig.(syscall.Signal); ok {
			code = 128 + int(s)
			name = map[syscall.Signal]string{syscall.SIGINT: "SIGINT (interrupt)", syscall.SIGTERM: "SIGTERM"}[s]
		}
		fmt.Fprintf(stderr, "sgm: stopped by %s\n", name)
		atomicfile.Cleanup(func() { exit(code) })
		return
	}
}

// lookup returns the command that args name, or nil.
func lookup(args []string) *command {
	switch {
	case len(args) == 0:
		return nil
	case args[0] == "plot" && len(args) > 1:
		return commands["plot "+args[1]]
	}
	return commands[args[0]]
}

// env is what a command's body may use: its output streams.
type env struct {
	stdout, stderr io.Writer
}

// command is one subcommand: its flags are registered by setup, which
// returns the body to run once they are parsed.
type command struct {
	name    string
	args    string // what follows "sgm NAME" in the usage line
	summary string // one line for "sgm help"
	detail  string // paragraphs for "sgm help NAME"
	setup   func(fs *flag.FlagSet) func(ctx context.Context, e *env) error

	// interruptible commands stop cleanly when ctx is cancelled (an
	// interrupt, Ctrl-C); an interrupt stops the others at once.
	interruptible bool
}

var commands = map[string]*command{}

// slowCommands are the commands that train or sample: a build without the
// vectorised kernels warns before running them (warnSlowBuild).
var slowCommands = map[string]bool{"bench": true, "demo": true, "eval": true, "sample": true, "train": true}

func register(c *command) { commands[c.name] = c }

// usageError is a mistake in how sgm was called; it exits with status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printOverview(stdout)
		return 0
	}
	if args[0] == "-version" || args[0] == "--version" {
		args = append([]string{"version"}, args[1:]...)
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if len(args) == 2 && args[1] == "plot" {
				fmt.Fprintf(stdout, "Usage: sgm plot FIGURE [flags], FIGURE one of: %s\nRun \"sgm help plot FIGURE\" for a figure's flags.\n", strings.Join(plotKinds(), ", "))
				return 0
			}
			c := lookup(args[1:])
			if c == nil {
				fmt.Fprintf(stderr, "sgm: unknown command %q; run \"sgm help\" for the list\n", strings.Join(args[1:], " "))
				return 2
			}
			printHelp(stdout, c)
			return 0
		}
		printOverview(stdout)
		return 0
	}
	c := lookup(args)
	if name == "plot" { // "sgm plot KIND": the figures are subcommands of plot
		if len(args) < 2 {
			fmt.Fprintf(stderr, "sgm plot: name a figure: %s\n", strings.Join(plotKinds(), ", "))
			return 2
		}
		name, args = "plot "+args[1], args[1:]
	}
	if c == nil {
		fmt.Fprintf(stderr, "sgm: unknown command %q; run \"sgm help\" for the list\n", name)
		return 2
	}
	fs := flag.NewFlagSet("sgm "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	body := c.setup(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, c)
			return 0
		}
		fmt.Fprintf(stderr, "sgm %s: %v (run \"sgm help %s\")\n", name, err, name)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sgm %s: unexpected argument %q (run \"sgm help %s\")\n", name, fs.Arg(0), name)
		return 2
	}
	if out := fs.Lookup("out"); out != nil {
		sweepOutput(out.Value.String())
	}
	if slowCommands[c.name] {
		warnSlowBuild(stderr)
	}
	if err := body(ctx, e); err != nil {
		fmt.Fprintf(stderr, "sgm %s: %s\n", name, oneLine(err.Error()))
		var u usageError
		if errors.As(err, &u) {
			return 2
		}
		return 1
	}
	return 0
}

// sweepOutput removes the temporary files that a killed sgm left beside
// an --out file, or in and beside an --out directory (a model's, the
// demo's), before the command writes there again.
func sweepOutput(out string) {
	if out == "" {
		return
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		atomicfile.Sweep(out)
	}
	atomicfile.Sweep(filepath.Dir(out))
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func printOverview(w io.Writer) {
	fmt.Fprintln(w, "sgm: score-based generative modelling (Song & Ermon 2019) in Go.")
	fmt.Fprintln(w, "\nUsage: sgm COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"sgm help COMMAND\" for a command's flags.")
}

// hasFlags reports whether fs defines any flag.
func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func printHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: sgm %s %s\n\n%s\n", c.name, c.args, c.summary)
	if c.detail != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.detail))
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.setup(fs)
	if !hasFlags(fs) {
		fmt.Fprintln(w, "\nFlags: none")
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}
