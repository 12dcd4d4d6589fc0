// Package app is traffic_grapher's wiring: the command line, the hosts
// and their sources, the dashboard, and the three ways of running (the
// screen, --once, the metrics browser). main calls Main; tests call it
// (and the pieces) directly.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/traffic-grapher/traffic_grapher/collect"
	_ "github.com/traffic-grapher/traffic_grapher/collect/all" // every source kind registers itself
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/internal/terminal"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/pages"
	"github.com/traffic-grapher/traffic_grapher/record"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// Version is what --version prints; main sets it (from -ldflags "-X
// main.version=...").
var Version = "0.1.0-dev"

// Main runs traffic_grapher with args (without the program's name) and
// returns the exit status: 0 fine, 1 failure while running, 2 bad command
// line or configuration, 70 an internal error, 128+N ended by signal N.
// --once and --batch exit as a monitoring check does (checkStatus): 0 ok,
// 1 a warning, 2 critical, 3 no host answered.
func Main(args []string, stdout, stderr io.Writer) int { return run(args, stdout, stderr) }

// run is main without the exit, so tests can drive it (see Main for the
// exit status). Both ways of running go through one stopper: the one
// signal path.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "metrics" {
		stop := newStopper()
		defer stop.stop()
		return stop.exitCode(runMetrics(stop.ctx, args[1:], stdout, stderr))
	}
	if len(args) > 0 && args[0] == "export" {
		stop := newStopper()
		defer stop.stop()
		return stop.exitCode(runExport(stop.ctx, args[1:], stdout, stderr))
	}
	if len(args) > 0 && args[0] == "replay" {
		stop := newStopper()
		defer stop.stop()
		return stop.exitCode(runReplay(stop.ctx, stop, args[1:], stdout, stderr))
	}
	opts, err := parseArgs(args, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: %v\nRun 'traffic_grapher --help' for usage.\n", err)
		return 2
	}
	if opts.help {
		return 0
	}
	if opts.version {
		fmt.Fprintf(stdout, "traffic_grapher %s\n", Version)
		return 0
	}
	if opts.printPages != "" {
		b, ok := pages.YAML(opts.printPages)
		if !ok {
			fmt.Fprintf(stderr, "traffic_grapher: --print-pages: no built-in pages %q (known: %s)\n", opts.printPages, strings.Join(pages.Names(), ", "))
			return 2
		}
		stdout.Write(b)
		return 0
	}
	stop := newStopper()
	defer stop.stop()
	ctx := stop.ctx

	app, err := setup(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return stop.exitCode(1) // a signal: say nothing more
		}
		fmt.Fprintf(stderr, "traffic_grapher: %v\n", err)
		var ce *config.Error
		var ue usageError
		if errors.As(err, &ce) || errors.As(err, &ue) {
			return 2
		}
		if opts.once || opts.batch {
			return statusUnknown // a check that cannot reach its hosts
		}
		return 1
	}
	defer app.close()
	if err := app.startRecording(); err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: %v\n", err)
		return 1
	}
	defer app.stopRecording(stderr)

	if opts.once {
		return stop.exitCode(app.once(ctx, stdout, stderr))
	}
	if opts.batch {
		return stop.exitCode(app.batchLines(ctx, stdout, stderr))
	}
	return stop.exitCode(app.interactive(ctx, stop, stderr))
}

// app is a configured run: dashboard, hosts and their sources.
type app struct {
	opts     *options
	pctx     *model.ProgramContext
	hosts    []collect.Host
	data     *monitor.State
	closers  []func()
	interval time.Duration
	rec      *record.Writer // --record; nil without
}

// closeBound is how long closing the hosts' connections may take at exit:
// an SSH peer that no longer answers must not keep the program alive.
const closeBound = 500 * time.Millisecond

func (a *app) close() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := len(a.closers) - 1; i >= 0; i-- {
			a.closers[i]()
		}
	}()
	select {
	case <-done:
	case <-time.After(closeBound):
	}
}

// setup loads the dashboard and connects the hosts' sources.
func setup(ctx context.Context, opts *options) (*app, error) {
	var cfg *config.Dashboard
	if opts.config != "" {
		d, err := loadConfig(ctx, opts.config)
		if err != nil {
			return nil, err
		}
		cfg = d
	}
	eps, err := endpoints(opts, cfg)
	if err != nil {
		return nil, err
	}
	if eps, err = discoverHosts(ctx, opts, eps); err != nil {
		return nil, err
	}
	dash, err := choosePages(opts.pages, opts.config, cfg, eps)
	if err != nil {
		return nil, err
	}
	history := opts.history
	if dash.HistorySeconds > 0 && !opts.historySet {
		history = time.Duration(dash.HistorySeconds) * time.Second
	}
	tzName := opts.timezone
	if dash.Timezone != "" && !opts.tzSet {
		tzName = dash.Timezone
	}
	loc, err := time.LoadLocation(tzName)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--timezone %q: unknown time zone (want an IANA name such as Europe/Paris, UTC or Local)", tzName)}
	}

	a := &app{opts: opts, interval: opts.interval}
	if err := a.openHosts(ctx, eps, cfg); err != nil {
		a.close()
		return nil, err
	}
	if err := checkExporterPages(ctx, dash, eps, a.hosts); err != nil {
		a.close()
		return nil, err
	}
	names := make([]string, len(a.hosts))
	deadlines := make([]time.Duration, len(a.hosts))
	for i, h := range a.hosts {
		names[i] = h.Name
		deadlines[i] = collect.RequestDeadline(h.Source, opts.interval)
	}
	var groups []string // nil unless some host has one
	if slices.ContainsFunc(eps, func(ep collect.Endpoint) bool { return ep.Group != "" }) {
		groups = make([]string, len(eps))
		for i, ep := range eps {
			groups[i] = ep.Group
		}
	}
	a.data, err = monitor.New(dash, names, history, opts.interval)
	if err != nil {
		a.close()
		return nil, err
	}
	a.pctx = &model.ProgramContext{
		Dashboard: dash,
		Title:     dashboardTitle(dash),
		Hosts:     names,
		Groups:    groups,
		Interval:  opts.interval,
		History:   history,
		Location:  loc,
		Styles:    model.DefaultStyles(),
		Keys:      model.DefaultKeyMap(),
		Now:       time.Now,
		Deadlines: deadlines,
	}
	opts.displayOptions.apply(a.pctx, os.Getenv)
	return a, nil
}

// onceRounds is how many collections --once makes at most: a rate needs a
// baseline and two changes, so a counter that moves every poll has its
// value from the third. Figures that only exist as 5 s-synced records may
// still be waiting then; the report says which.
const onceRounds = 3

// once prints a plain-text snapshot: it samples until every series has a
// value, or onceRounds times (2 s at the default interval). Errors and
// warnings of the last round go to stderr with --format text and into the
// JSON with --format json. The exit status is checkStatus's.
func (a *app) once(ctx context.Context, stdout, stderr io.Writer) int {
	c := collect.NewCollector(a.hosts, a.pctx.Dashboard.Keys(), a.interval)
	var errs []string
	var at time.Time // the newest result's: what the snapshot is of
	for round := 0; ; round++ {
		errs = errs[:0]
		results := c.Once(ctx)
		for _, r := range results {
			a.record(r)
			a.data.Apply(r)
			if r.Snapshot.Time.After(at) {
				at = r.Snapshot.Time
			}
			if r.Err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", a.pctx.Hosts[r.Host], r.Err))
			}
		}
		if len(errs) == len(a.hosts) {
			break // nobody answers: waiting will not help
		}
		if round > 0 && a.data.AllHaveValues() || round+1 >= onceRounds || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(a.interval):
		}
	}
	if ctx.Err() != nil {
		return 1 // a signal: the exit status says which
	}
	// The snapshot is of the last round's time, not of the moment it is
	// printed, which a loaded machine can make a second later: its
	// windows are the data's ("last 3 seconds"), as a replay of the
	// recording at its end says them.
	if at.IsZero() {
		at = time.Now()
	}
	// The last round's warnings, as applied (errors stay plain, without
	// the screen's "(3 failures in a row)": one round says nothing of rows).
	warns := a.data.AllWarnings()
	if err := a.opts.displayOptions.writeSnapshot(stdout, a.pctx, a.data, at, errs, warns); err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: %v\n", err)
		return 1
	}
	if err := a.opts.displayOptions.savePicture(a.pctx, a.data); err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: %v\n", err)
		return 1
	}
	if !a.opts.displayOptions.json() {
		for _, w := range warns {
			fmt.Fprintf(stderr, "traffic_grapher: warning: %s\n", w)
		}
	}
	if len(errs) == len(a.hosts) {
		for _, e := range errs {
			fmt.Fprintf(stderr, "traffic_grapher: %s\n", e)
		}
	}
	return checkStatus(a.pctx.Report(), a.data.Store(), at, len(errs) == len(a.hosts))
}

// Exit statuses of --once and --batch, a monitoring check's (Nagios's).
const (
	statusOK       = 0
	statusWarning  = 1
	statusCritical = 2
	statusUnknown  = 3
)

// checkStatus is what --once and --batch (and replay --once) exit with:
// 3 when no host answered, else 2 while a series is over a critical limit
// of the dashboard, 1 over a warning one, 0 when all is well.
func checkStatus(rc report.Context, store *metrics.Store, at time.Time, noneAnswered bool) int {
	if noneAnswered {
		return statusUnknown
	}
	if !rc.Dashboard.HasLimits() {
		return statusOK
	}
	switch report.Status(report.Alerts(rc, store, metrics.Span{End: at, Window: rc.History})) {
	case metrics.LevelCrit:
		return statusCritical
	case metrics.LevelWarn:
		return statusWarning
	}
	return statusOK
}

// interactive runs the full-screen dashboard until q, Ctrl-C, a signal or
// --run-for. Exit status 0, or 70 after an internal error (a panic), which
// is printed with its stack once the terminal is restored.
func (a *app) interactive(ctx context.Context, stop *stopper, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if a.opts.cpuProfile != "" {
		f, err := os.OpenFile(a.opts.cpuProfile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "traffic_grapher: --cpuprofile: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "traffic_grapher: --cpuprofile: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	runtime.MemProfileRate = heapSampling(a.opts.memProfile, runtime.MemProfileRate)
	if a.opts.memProfile != "" {
		defer writeHeapProfile(a.opts.memProfile, stderr)
	}
	runtime.GOMAXPROCS(threadsFor(len(a.hosts), os.Getenv("GOMAXPROCS"), runtime.GOMAXPROCS(0)))
	c := a.liveCollector()
	results := a.recording(c.Run(ctx))
	return screen(ctx, stop, model.New(a.pctx, a.data, results, a.opts.runFor), &a.opts.displayOptions, stderr)
}

// heapSampling is the heap profile's sampling rate for a screen run
// (rate: the runtime's): as it is with --memprofile (memProfile), else
// none. The runtime samples an allocation every 512 KB, and keeps every
// sample's call stack for a profile that is then never written: work
// and memory for nothing, if little (a four-host screen's anonymous
// memory was 0.2 MB less in a median of twelve readings, side by side,
// when one reading swings by 3 MB with the GC cycle).
func heapSampling(memProfile string, rate int) int {
	if memProfile == "" {
		return 0
	}
	return rate
}

// threadsFor is how many threads run Go code for a screen of n hosts
// (procs: what the runtime chose): one for the hosts a page draws at once
// (config.MaxHosts). A tick's work is a few milliseconds in short bursts,
// and with a second thread the runtime wakes it to take each goroutine
// made ready, one context switch after another: one thread costs 4–13 %
// less CPU with four hosts (two instances side by side, three times). A
// fleet's replies get every core. GOMAXPROCS in the environment (env) wins.
func threadsFor(n int, env string, procs int) int {
	if env != "" || n > config.MaxHosts {
		return procs
	}
	return 1
}

// liveCollector is the screen's collector. In a fleet it asks every key
// of the pages only of the hosts on them (the model says which through
// pctx.Focus), the rest what the table and the limits need; unless
// --all-keys, or --record, which keeps everything of every host.
func (a *app) liveCollector() *collect.Collector {
	c := collect.NewCollector(a.hosts, a.pctx.Dashboard.Keys(), a.interval)
	if len(a.hosts) > config.MaxHosts && !a.opts.allKeys && a.rec == nil {
		c.Brief(a.pctx.Dashboard.FleetKeys())
		a.pctx.Focus = c.Focus
	}
	return c
}

// writeHeapProfile writes --memprofile's heap profile.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: --memprofile: %v\n", err)
	}
}

// screen runs a model full-screen until it quits, a signal or ctx ends it:
// the live dashboard's and replay's one way to the terminal and back.
func screen(ctx context.Context, stop *stopper, m *model.Model, disp *displayOptions, stderr io.Writer) int {
	var w io.Writer = os.Stdout
	if disp.tty != nil {
		w = disp.tty // shared with the bell
	}
	t, err := terminal.Open(os.Stdin, os.Stdout, w, disp.terminalOptions())
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: %v\n", err)
		return 1
	}
	emergency := t.Emergency
	stop.restore.Store(&emergency)
	g := &guardedModel{Model: m, show: t.Frame}
	width, height := t.Size()
	g.Update(tea.WindowSizeMsg{Width: width, Height: height}) // the first frame is whole
	// Bubble Tea reads the keys and runs the model; the frames are ours
	// (package terminal), written only when one changed.
	p := tea.NewProgram(g, tea.WithContext(ctx), tea.WithoutRenderer(), tea.WithoutSignalHandler(), tea.WithInput(t.Input()))
	t.WatchResize(func(width, height int) { p.Send(tea.WindowSizeMsg{Width: width, Height: height}) })
	_, err = p.Run()
	stop.restore.Store(nil)
	if cerr := t.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if g.panicked != nil {
		fmt.Fprintf(stderr, "traffic_grapher: internal error: %v\n\n%s\nPlease report this, with the lines above.\n", g.panicked, g.stack)
		return 70
	}
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		fmt.Fprintf(stderr, "traffic_grapher: internal error (see the stack above); please report it\n")
		return 70
	case err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "traffic_grapher: %v\n", err)
		return 1
	}
	return 0
}

// startRecording opens --record's file, if asked for.
func (a *app) startRecording() error {
	if a.opts.record == "" {
		return nil
	}
	hosts := make([]record.Host, len(a.hosts))
	for i, h := range a.hosts {
		hosts[i] = record.Host{Name: a.pctx.Hosts[i], Source: h.Source.String()}
	}
	w, err := record.Create(a.opts.record, hosts, a.opts.recordMax)
	if err != nil {
		return err
	}
	a.rec = w
	return nil
}

// stopRecording closes the recording, and says so if it had stopped on an
// error (a full disk): the samples since then are not in it.
func (a *app) stopRecording(stderr io.Writer) {
	if a.rec == nil {
		return
	}
	if err := a.rec.Close(); err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: %v; samples after that were not recorded\n", err)
	}
}

// record appends one collection's result to the recording.
func (a *app) record(r collect.Result) {
	if a.rec == nil {
		return
	}
	if r.Err != nil {
		a.rec.Failure(r.Host, r.Snapshot.Time, r.Err.Error())
		return
	}
	a.rec.Sample(r.Host, r.Snapshot.Time, r.Snapshot.Values)
}

// recording passes results on, recording each first (with --record).
func (a *app) recording(in <-chan collect.Result) <-chan collect.Result {
	if a.rec == nil {
		return in
	}
	out := make(chan collect.Result, cap(in))
	go func() {
		defer close(out)
		for r := range in {
			a.record(r)
			out <- r
		}
	}()
	return out
}

// batchLinesPerHeader is how often --batch --format text repeats its header.
const batchLinesPerHeader = 20

// batchLines is --batch: a collection round every interval, each printed
// as one line, until --count lines or a signal. A host's errors go to
// stderr when they change. The exit status is checkStatus's for the last
// round.
func (a *app) batchLines(ctx context.Context, stdout, stderr io.Writer) int {
	out, closeOut, err := batchOutput(a.opts.output, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher: --output: %v\n", err)
		return 1
	}
	defer closeOut()
	c := collect.NewCollector(a.hosts, a.pctx.Dashboard.Keys(), a.interval)
	bp := &batchPrinter{rc: a.pctx.Report(), data: a.data, json: a.opts.displayOptions.json(), w: out}
	failed := 0
	lastErrs := ""
	var lastAt time.Time
	next := time.Now()
	for a.opts.count == 0 || bp.printed < a.opts.count {
		failed = 0
		var errs []string
		for _, r := range c.Once(ctx) {
			a.record(r)
			a.data.Apply(r)
			if r.Err != nil {
				failed++
				errs = append(errs, fmt.Sprintf("traffic_grapher: %s: %v\n", a.pctx.Hosts[r.Host], r.Err))
			}
		}
		if ctx.Err() != nil {
			break
		}
		if e := strings.Join(errs, ""); e != lastErrs {
			io.WriteString(stderr, e) // said once, until it changes
			lastErrs = e
		}
		lastAt = time.Now()
		if err := bp.line(lastAt); err != nil {
			fmt.Fprintf(stderr, "traffic_grapher: --batch: %v\n", err)
			return 1
		}
		if a.opts.count > 0 && bp.printed >= a.opts.count {
			break
		}
		next = next.Add(a.interval)
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(next)):
		}
	}
	if lastAt.IsZero() {
		return 1 // a signal before the first line
	}
	return checkStatus(bp.rc, a.data.Store(), lastAt, failed == len(a.hosts))
}

// batchOutput is where --batch writes: --output's file (created or
// truncated), else stdout; close closes the file.
func batchOutput(path string, stdout io.Writer) (w io.Writer, close func(), err error) {
	if path == "" {
		return stdout, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// batchPrinter writes --batch's lines, of a live run or of a replay: JSON
// Lines of every page present, or the first page's values in columns
// under a header repeated every batchLinesPerHeader lines (and whenever a
// wildcard's members change the columns).
type batchPrinter struct {
	rc      report.Context
	data    *monitor.State
	json    bool
	w       io.Writer
	header  string
	printed int
}

// line writes the values at at.
func (b *batchPrinter) line(at time.Time) error {
	span := metrics.Span{End: at, Window: b.rc.History}
	var line string
	if b.json {
		rc := b.rc
		rc.Status = b.data.Status()
		r := report.BuildAll(rc, b.data.Store(), span)
		r.Errors = b.data.Errors()
		out, err := report.JSONLine(r)
		if err != nil {
			return err
		}
		line = string(out)
	} else {
		r := report.Build(b.rc, b.data.Store(), span, []int{0})
		if cols := report.NewColumns(r); cols.Header() != b.header || b.printed%batchLinesPerHeader == 0 {
			b.header = cols.Header()
			line = b.header + cols.Row(r)
		} else {
			line = cols.Row(r)
		}
	}
	if _, err := io.WriteString(b.w, line); err != nil {
		return err
	}
	b.printed++
	return nil
}
