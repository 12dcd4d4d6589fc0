package app

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/pages"
	"github.com/traffic-grapher/traffic_grapher/record"
)

// options is the parsed command line.
type options struct {
	hosts      []string
	interval   time.Duration
	history    time.Duration
	socket     string
	trafficCtl string
	config     string
	pages      string
	timezone   string
	once       bool
	runFor     time.Duration
	cpuProfile string
	memProfile string
	demo       bool
	acceptNew  bool
	version    bool
	printPages string // --print-pages: write that built-in dashboard's YAML
	batch      bool   // --batch: a line per collection round
	count      int    // --count: that many lines (0: for ever)
	output     string // --output: the file --batch writes (default stdout)
	record     string // --record (--log-stats): the recording to append to
	recordMax  record.Options
	allKeys    bool // --all-keys: a fleet's every host asked every key
	help       bool
	historySet bool // given on the command line, so it beats the config file
	tzSet      bool

	// --readout, --format, --no-color, --glyphs, --theme, --mouse (cli_display.go)
	displayOptions
}

// usageError is a command-line mistake: reported with a hint, exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usageText = `traffic_grapher: live Apache Traffic Server metrics as charts in any terminal.

Usage:
  traffic_grapher [flags] [HOST...]
  traffic_grapher metrics SOURCE [REGEX]    list what a source offers (see metrics --help)
  traffic_grapher replay [flags] FILE       show a recording (--record) (see replay --help)
  traffic_grapher export [flags] FILE       write a recording's series as CSV or JSON (see export --help)

HOST is where Traffic Server runs (up to 4, overlaid on every chart):
  localhost                  the local ATS 10 JSON-RPC socket (the default),
                             found via --socket, $TRAFFICSERVER_JSONRPC_SOCKET,
                             traffic_ctl, or the usual install prefixes
  unix:/run/ats2/jsonrpc20.sock
                             a given socket, to compare instances on one machine
  [user@]host[:port]         a remote host, over one persistent SSH connection
                             per host (~/.ssh/config aliases, User, Port,
                             IdentityFile, ProxyJump and ServerAliveInterval
                             apply). The remote needs only sshd: its ATS 10
                             socket is read through a stream-local channel,
                             else traffic_ctl runs there (ATS 9.x, or servers
                             with AllowStreamLocalForwarding no)
  ctl:localhost, ctl:edge1   read with traffic_ctl metric get (ATS 9.x and
                             10.x), here or over SSH
  stats+http://edge1:8080/_stats
                             the stats_over_http plugin's JSON
  prom+http://edge1:9100/metrics
                             a Prometheus exporter (node_exporter pages)
  promql+http://prom:9090#edge1:9100
                             a Prometheus server; the part after # is what
                             $host stands for in the dashboard's queries
  'promql+http://prom:9090?targets=up{job="ats"}'
                             every host the server's targets name (by their
                             instance label; &label=host for another), read
                             as one fleet: one query a round for all
  NAME=HOST                  any of the above, called NAME on the screen
                             (e.g. east=stats+http://10.0.0.5:8080/_stats)
With no HOST, the config file's hosts: are used, else localhost. Hosts whose
names would be the same are told apart by port, path or a #number. Braces
expand as in a shell, quoted or not: 'edge{01..60}', '{ams,fra}-edge{1..8}'.
A page overlays up to 4 hosts. With more (up to 1000), the first screen is the
fleet table: a row per host, worst first (down, alerting, far from the fleet),
with a sparkline per figure; enter opens a host's pages, x marks up to 4 to
overlay, / filters by name, F and esc go back to the table.

Remote hosts authenticate with ssh-agent ($SSH_AUTH_SOCK), then your
identity files; passphrase-protected keys must be in the agent. Host keys are
always checked against ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts: an
unknown host is refused (its fingerprint is printed) unless
--accept-new-host-keys is given, and a changed key is always refused.

Examples:
  traffic_grapher --demo                    try it: a built-in simulated ATS
  traffic_grapher --demo edge1 edge2        two simulated hosts overlaid
  traffic_grapher                           the local ATS
  traffic_grapher --socket /opt/ts/var/trafficserver/jsonrpc20.sock
  traffic_grapher unix:/run/ats1/jsonrpc20.sock unix:/run/ats2/jsonrpc20.sock
  traffic_grapher edge1 edge2 ops@edge3:2222 compare three remote hosts
  traffic_grapher 'edge{01..60}'            a fleet of 60, worst first
  traffic_grapher --hosts-file pops.txt     hosts from a file, one per line
  traffic_grapher --interval 500ms --history 5m
  traffic_grapher -c my_dashboard.yaml      pages from a YAML file (original schema)
  traffic_grapher --once | grep Requests    a plain-text snapshot, then exit
  traffic_grapher prom+http://edge1:8080/_stats/prometheus   ATS's own Prometheus output

The built-in ATS pages chart every figure traffic_top shows (13 pages), then
one series per origin, per remap rule (remap_stats plugin) and per cache
volume, where the server has them. A dashboard file may add formulas (type:
expr, expr: "rate(e) / rate(r) * 100"), tables (view: table) and keys with a
* (plugin.remap_stats.*.status_5xx: one series per match); --print-pages ats
writes the built-in one, to copy.

Keys: ? lists them all. ←/h and →/l change page (while paused: scroll back
in time), 1-9 and 0 jump to a page, p lists the pages, space pauses, + and
- zoom, r switches to a text readout, i to window statistics, a shows
counters' absolute totals, o sorts tables of * series, s saves the page as
a PNG, q or Ctrl-C quits.

A metric with warn: or crit: limits (warn: 2, crit: "< 80", for: 30s) marks
its panel CRIT or WARN, draws the limit dashed and lists the alert in the
footer; --bell rings for each crossing, and --once and --batch exit 0, 1, 2
or 3 (ok, warning, critical, unknown) as a monitoring check.

Flags:
`

// parseArgs parses the command line. It never exits; main decides.
func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := pflag.NewFlagSet("traffic_grapher", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by main
	var interval, history, runFor, recordMax, hostsFile string
	fs.StringVar(&interval, "interval", "1s", "time between collections: seconds (1, 0.5) or a duration (500ms, 2s); at least 100ms")
	fs.StringVar(&history, "history", "60s", "how much history is kept and shown at start (- and + zoom within it, down to 30s): seconds (60) or a duration (5m, 24h)")
	fs.StringVar(&o.socket, "socket", "", "path of the ATS JSON-RPC socket, on this machine and on remote hosts (default: $TRAFFICSERVER_JSONRPC_SOCKET locally, else discovered)")
	fs.StringVar(&o.trafficCtl, "traffic-ctl", "", "the traffic_ctl to run, here and on remote hosts (default: PATH, then the usual prefixes' bin/); on a machine with two installs, name the right one")
	fs.BoolVar(&o.acceptNew, "accept-new-host-keys", false, "record the SSH host key of a remote host not yet in known_hosts, then verify it on later runs (OpenSSH's accept-new); changed keys are still refused")
	fs.StringVarP(&o.config, "config", "c", "", "YAML dashboard file in the original traffic_grapher schema (pages, history, timezone; ours: hosts, builtin_pages, type: expr, view: table)")
	fs.StringVar(&o.pages, "pages", "", "built-in pages to show: "+strings.Join(pages.Names(), ", ")+" (default: those for the first host's source)")
	fs.StringVar(&o.timezone, "timezone", "UTC", "IANA time zone for the header clock, e.g. America/Los_Angeles, or Local")
	fs.BoolVar(&o.once, "once", false, "print a plain-text snapshot of every panel's current values and exit (works in pipes)")
	fs.StringVar(&runFor, "run-for", "", "quit after this long, e.g. 30s (for recordings and measurements)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to this file (for performance work: go tool pprof)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a Go heap profile (what was allocated, and what is still in use) to this file at exit (for performance work: go tool pprof -sample_index=alloc_space)")
	fs.BoolVar(&o.demo, "demo", false, "graph a built-in simulated ATS instead of real hosts (needs nothing installed)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.StringVar(&o.printPages, "print-pages", "", "write a built-in dashboard's YAML ("+strings.Join(pages.Names(), ", ")+") to stdout and exit: a file to copy and change, for -c")
	fs.BoolVar(&o.batch, "batch", false, "print a line per collection round instead of the screen, until --count or a signal: --format text (columns of the first page's values, a header every 20 lines, like vmstat) or json (JSON Lines: every page's values, as --once --format json)")
	fs.IntVar(&o.count, "count", 0, "with --batch: stop after this many lines")
	fs.StringVar(&o.output, "output", "", "with --batch: write the lines to this file (created or truncated) instead of stdout")
	fs.StringVar(&o.record, "record", "", "append every raw sample collected (and every failed collection) to this file: a compact, crash-safe recording (see README: Recording); an existing file is appended to")
	fs.StringVar(&o.record, "log-stats", "", "the original tool's name for --record")
	fs.StringVar(&recordMax, "record-max", "", "rotate the recording at this size (100MB, 1GB) or age (6h, 1d): FILE becomes FILE.1, FILE.1 FILE.2, up to FILE.5")
	fs.BoolVar(&o.allKeys, "all-keys", false, "with more than 4 hosts (a fleet), ask every host every key of the dashboard: by default only the hosts on the pages (and the last few shown) are, and the rest only what the fleet table and the limits need, so the other charts of a host begin when it is opened; --record asks every host everything anyway")
	fs.StringVar(&hostsFile, "hosts-file", "", "read hosts from this file, one per line as on the command line (# comments; edge{01..60} and {a,b} expand), after any given as arguments")
	fs.BoolVarP(&o.help, "help", "h", false, "show this help")
	addDisplayFlags(fs, &o.displayOptions)
	fs.Usage = func() {}

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			o.help = true
			return o, nil
		}
		return nil, usageError{err.Error()}
	}
	if o.help {
		fmt.Fprint(stderr, usageText)
		fmt.Fprint(stderr, fs.FlagUsages())
		return o, nil
	}
	var err error
	if o.interval, err = parseSeconds("--interval", interval); err != nil {
		return nil, err
	}
	if o.interval < 100*time.Millisecond {
		return nil, usageError{fmt.Sprintf("--interval %s is too short: at least 100ms", interval)}
	}
	if o.history, err = parseSeconds("--history", history); err != nil {
		return nil, err
	}
	if o.history < config.MinHistorySec*time.Second || o.history > config.MaxHistorySec*time.Second {
		return nil, usageError{fmt.Sprintf("--history %s is out of range: %ds to %dh", history, config.MinHistorySec, config.MaxHistorySec/3600)}
	}
	if o.history < 2*o.interval {
		return nil, usageError{fmt.Sprintf("--history %s must be at least twice --interval %s", history, interval)}
	}
	if runFor != "" {
		if o.runFor, err = parseSeconds("--run-for", runFor); err != nil {
			return nil, err
		}
		if o.runFor <= 0 {
			return nil, usageError{"--run-for must be positive"}
		}
	}
	switch {
	case o.batch && o.once:
		return nil, usageError{"--batch and --once: choose one (--batch --count 1 is a --once that prints one line)"}
	case !o.batch && fs.Changed("count"):
		return nil, usageError{"--count needs --batch"}
	case !o.batch && o.output != "":
		return nil, usageError{"--output needs --batch"}
	case o.count < 0:
		return nil, usageError{fmt.Sprintf("--count %d: want a positive number of lines (or none: for ever)", o.count)}
	}
	if recordMax != "" {
		if o.record == "" {
			return nil, usageError{"--record-max needs --record FILE"}
		}
		if o.recordMax, err = record.ParseLimit(recordMax); err != nil {
			return nil, usageError{err.Error()}
		}
	}
	o.historySet = fs.Changed("history")
	o.tzSet = fs.Changed("timezone")
	// none: the config's hosts:, else localhost
	if o.hosts, err = expandHosts(fs.Args()); err != nil {
		return nil, err
	}
	if hostsFile != "" {
		more, err := readHostsFile(hostsFile)
		if err != nil {
			return nil, err
		}
		if o.hosts = append(o.hosts, more...); len(o.hosts) > config.MaxFleet {
			return nil, usageError{fmt.Sprintf("%d hosts; at most %d", len(o.hosts), config.MaxFleet)}
		}
	}
	return o, nil
}

// parseSeconds accepts plain seconds ("1", "0.5") as the original tool did,
// or a Go duration ("500ms", "5m").
func parseSeconds(flag, s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f != f || f > 1e9 || f < -1e9 {
			return 0, usageError{fmt.Sprintf("%s %q is not a usable number of seconds", flag, s)}
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, usageError{fmt.Sprintf("%s %q: want seconds (1, 0.5) or a duration (500ms, 2s, 5m)", flag, s)}
	}
	return d, nil
}
