package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/pages"
	"github.com/traffic-grapher/traffic_grapher/record"
)

// What the commands that read a recording (replay, export) share: one
// FILE on the command line, a dashboard to read it with, and the exit
// status of a failure.

// parseFileArgs parses a recording command's flags and its one FILE.
// help says --help was asked for (the usage is then printed).
func parseFileArgs(fs *pflag.FlagSet, args []string, usage string, stderr io.Writer) (file string, help bool, err error) {
	fs.SetOutput(io.Discard)
	fs.BoolVarP(&help, "help", "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		if !errors.Is(err, pflag.ErrHelp) {
			return "", false, usageError{err.Error()}
		}
		help = true
	}
	if help {
		fmt.Fprint(stderr, usage+fs.FlagUsages())
		return "", true, nil
	}
	if fs.NArg() != 1 {
		return "", false, usageError{"want one recording FILE"}
	}
	return fs.Arg(0), false, nil
}

// recordingDashboard is the dashboard a recording is read with: -c's
// file, else the --pages built-in one.
func recordingDashboard(ctx context.Context, pagesName, configPath string) (*config.Dashboard, error) {
	if configPath != "" {
		return loadConfig(ctx, configPath)
	}
	dash, ok := pages.Lookup(pagesName)
	if !ok {
		return nil, usageError{fmt.Sprintf("--pages %q: no such built-in pages (known: %s)", pagesName, strings.Join(pages.Names(), ", "))}
	}
	return dash, nil
}

// failed says a recording command's error on stderr and gives its exit
// status: 2 for a mistake on the command line or in the dashboard, 1 for
// anything else (a file that cannot be read).
func failed(stderr io.Writer, command string, err error) int {
	fmt.Fprintf(stderr, "traffic_grapher %s: %v\n", command, err)
	var ue usageError
	var ce *config.Error
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return 2
	}
	return 1
}

// hostNames are a recording's hosts' names, in host order.
func hostNames(sum record.Summary) []string {
	names := make([]string, len(sum.Hosts))
	for i, h := range sum.Hosts {
		names[i] = h.Name
	}
	return names
}
