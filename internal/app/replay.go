package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/model"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/pages"
	"github.com/traffic-grapher/traffic_grapher/record"
)

const replayUsage = `Usage: traffic_grapher replay [flags] FILE

Shows a recording (--record FILE) on the same screen as a live run: its
hosts, every page, and every key ([ and ] to scroll back, + and - to zoom).
Without --speed it shows the recording as it stood at --at (default: its
end), stopped; with --speed it plays on from --at (default: its start) at
that many times real time. --once prints the snapshot at --at instead, as a
live --once does, and exits as a check (0 ok, 1 warning, 2 critical);
--batch prints a line per recorded round from --at (default: the start),
as a live --batch does.

Keys while replaying: space plays or stops, < and > change the speed (x1
x2 x5 x10 x30 x60), t jumps to a time typed as --at takes it: forward, the
recording plays up to there at once; back, the view pauses there.

--at takes a time on the recording's clock: 2026-12-01T14:05:00Z,
"2026-12-01 14:05:00" or 14:05 (in --timezone, on the recording's last
day), or an offset: -10m from its end, +1h from its start.

Flags:
`

// replayOptions are replay's flags.
type replayOptions struct {
	file, at, config, pages, timezone string
	speed                             float64
	once, batch                       bool
	count                             int
	output                            string
	history                           time.Duration
	displayOptions
}

// runReplay is `traffic_grapher replay`.
func runReplay(ctx context.Context, stop *stopper, args []string, stdout, stderr io.Writer) int {
	o, err := parseReplayArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher replay: %v\nRun 'traffic_grapher replay --help' for usage.\n", err)
		return 2
	}
	if o == nil {
		return 0 // --help
	}
	r, err := loadReplay(o)
	if err != nil {
		return failed(stderr, "replay", err)
	}
	if o.once {
		if err := o.writeSnapshot(stdout, r.pctx, r.data, r.at, r.data.Errors(), r.data.AllWarnings()); err != nil {
			fmt.Fprintf(stderr, "traffic_grapher replay: %v\n", err)
			return 1
		}
		if err := o.savePicture(r.pctx, r.data); err != nil {
			fmt.Fprintf(stderr, "traffic_grapher replay: %v\n", err)
			return 1
		}
		return checkStatus(r.pctx.Report(), r.data.Store(), r.at, false)
	}
	if o.batch {
		return r.batchLines(ctx, o, stdout, stderr)
	}
	p := &player{r: r, sum: r.sum, loc: r.loc, wake: make(chan struct{}, 1)}
	r.pctx.Player = p
	return screen(ctx, stop, model.New(r.pctx, r.data, p.feed(ctx), 0), &o.displayOptions, stderr)
}

func parseReplayArgs(args []string, stderr io.Writer) (*replayOptions, error) {
	o := &replayOptions{}
	fs := pflag.NewFlagSet("replay", pflag.ContinueOnError)
	var history string
	fs.StringVar(&o.at, "at", "", "the instant to show, or to play from with --speed (see above)")
	fs.Float64Var(&o.speed, "speed", 0, "play the recording on at this many times real time (1 to 3600)")
	fs.BoolVar(&o.once, "once", false, "print the snapshot at --at and exit")
	fs.BoolVar(&o.batch, "batch", false, "print a line per recorded round from --at (default: the start) as a live --batch does (--format text or json), then exit")
	fs.IntVar(&o.count, "count", 0, "with --batch: stop after this many lines")
	fs.StringVar(&o.output, "output", "", "with --batch: write the lines to this file (created or truncated) instead of stdout")
	fs.StringVarP(&o.config, "config", "c", "", "a YAML dashboard to show the recording with (records it does not hold say so)")
	fs.StringVar(&o.pages, "pages", "ats", "built-in pages: "+strings.Join(pages.Names(), ", "))
	fs.StringVar(&o.timezone, "timezone", "UTC", "IANA time zone for the clock and --at, or Local")
	fs.StringVar(&history, "history", "", "history to keep (default: the whole recording, at most 7 days)")
	addDisplayFlags(fs, &o.displayOptions)
	file, help, err := parseFileArgs(fs, args, replayUsage, stderr)
	if err != nil || help {
		return nil, err
	}
	o.file = file
	switch {
	case o.batch && o.once:
		return nil, usageError{"--batch and --once: choose one"}
	case !o.batch && (fs.Changed("count") || o.output != ""):
		return nil, usageError{"--count and --output need --batch"}
	case o.count < 0:
		return nil, usageError{fmt.Sprintf("--count %d: want a positive number of lines", o.count)}
	}
	if o.speed < 0 || o.speed > 3600 || fs.Changed("speed") && o.speed == 0 {
		return nil, usageError{fmt.Sprintf("--speed %v: want 1 to 3600 (times real time)", o.speed)}
	}
	if history != "" {
		d, err := parseSeconds("--history", history)
		if err != nil {
			return nil, err
		}
		o.history = d
	}
	return o, nil
}

// replay is a recording loaded up to an instant, ready to show.
type replay struct {
	file  string
	pctx  *model.ProgramContext
	data  *monitor.State
	at    time.Time // what is shown: everything up to here is applied
	end   time.Time // the recording's last entry
	clock *replayClock
	sum   record.Summary
	loc   *time.Location
}

// loadReplay reads the recording's hosts and span, then applies every
// entry up to --at.
func loadReplay(o *replayOptions) (*replay, error) {
	sum, interval, err := surveyRecording(o.file)
	if err != nil {
		return nil, err
	}
	if sum.Entries == 0 {
		return nil, fmt.Errorf("%s: no samples recorded", o.file)
	}
	loc, err := time.LoadLocation(o.timezone)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--timezone %q: unknown time zone", o.timezone)}
	}
	at := sum.Last
	if o.speed > 0 || o.batch {
		at = sum.First
	}
	if o.at != "" {
		if at, err = parseAt(o.at, sum, loc); err != nil {
			return nil, err
		}
	}
	dash, err := recordingDashboard(context.Background(), o.pages, o.config)
	if err != nil {
		return nil, err
	}
	history := o.history
	if history == 0 {
		history = min(max(sum.Last.Sub(sum.First)+2*interval, config.MinHistorySec*time.Second), config.MaxHistorySec*time.Second)
	}
	history = max(history, 2*interval)
	names := hostNames(sum)
	data, err := monitor.New(dash, names, history, interval)
	if err != nil {
		return nil, err
	}
	r := &replay{file: o.file, sum: sum, loc: loc, data: data, at: at, end: sum.Last,
		clock: &replayClock{from: at, speed: max(o.speed, 1), playing: o.speed > 0, end: sum.Last, began: time.Now()}}
	r.pctx = &model.ProgramContext{
		Dashboard: dash, Title: dashboardTitle(dash) + " replay", Hosts: names, Interval: interval, History: history,
		Location: loc, Styles: model.DefaultStyles(), Keys: model.DefaultKeyMap(), Now: r.clock.now,
	}
	o.displayOptions.apply(r.pctx, os.Getenv)
	// What the history cannot hold is not applied, but for a minute
	// before it that the rates have their baselines.
	from := at.Add(-history - replayWarmup)
	_, err = record.ReadFile(o.file, func(e record.Entry) error {
		if e.Time.After(at) {
			return errStop
		}
		if !e.Time.Before(from) {
			r.data.Apply(result(e))
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	return r, nil
}

// batchLines is replay --batch: the entries after --at applied round by
// round (a round ends where a host's next entry begins the next), a
// line printed after each, as a live --batch prints them. The exit
// status is the check's at the last line.
func (r *replay) batchLines(ctx context.Context, o *replayOptions, stdout, stderr io.Writer) int {
	out, closeOut, err := batchOutput(o.output, stdout)
	if err != nil {
		return failed(stderr, "replay", fmt.Errorf("--output: %w", err))
	}
	defer closeOut()
	bp := &batchPrinter{rc: r.pctx.Report(), data: r.data, json: o.json(), w: out}
	seen := make([]bool, len(r.pctx.Hosts))
	pending, answered := false, false
	var lastAt time.Time
	flush := func() error {
		if !pending {
			return nil
		}
		pending = false
		clear(seen)
		return bp.line(lastAt)
	}
	_, err = record.ReadFile(r.file, func(e record.Entry) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !e.Time.After(r.at) {
			return nil
		}
		if seen[e.Host] {
			if err := flush(); err != nil {
				return err
			}
			if o.count > 0 && bp.printed >= o.count {
				return errStop
			}
		}
		r.data.Apply(result(e))
		seen[e.Host], pending, lastAt = true, true, e.Time
		answered = answered || e.Err == ""
		return nil
	})
	if err == nil && (o.count == 0 || bp.printed < o.count) {
		err = flush()
	}
	if err != nil && !errors.Is(err, errStop) {
		return failed(stderr, "replay", err)
	}
	if lastAt.IsZero() {
		fmt.Fprintf(stderr, "traffic_grapher replay: nothing recorded after %s\n", r.at.In(r.loc).Format(time.RFC3339))
		return 1
	}
	return checkStatus(bp.rc, r.data.Store(), lastAt, !answered)
}

// replayWarmup is how much before the history a replay applies, so that
// its first rates are there from its first second.
const replayWarmup = time.Minute

// errStop ends a read early.
var errStop = errors.New("stop")

// result is an entry as the collector would have delivered it.
func result(e record.Entry) collect.Result {
	r := collect.Result{Host: e.Host, Snapshot: metrics.Snapshot{Time: e.Time, Values: e.Values}}
	if e.Err != "" {
		r.Err, r.Snapshot.Values = errors.New(e.Err), nil
	}
	return r
}

// surveyRecording reads a recording once for its hosts, its span and its
// collection interval (the median time between a host's entries).
func surveyRecording(path string) (record.Summary, time.Duration, error) {
	last := map[int]time.Time{}
	var gaps []time.Duration
	sum, err := record.ReadTimes(path, func(e record.Entry) error {
		if t, ok := last[e.Host]; ok && e.Time.After(t) && len(gaps) < 10000 {
			gaps = append(gaps, e.Time.Sub(t))
		}
		last[e.Host] = e.Time
		return nil
	})
	if err != nil {
		return sum, 0, err
	}
	interval := time.Second
	if len(gaps) > 0 {
		sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
		interval = gaps[len(gaps)/2].Round(100 * time.Millisecond)
	}
	return sum, min(max(interval, 100*time.Millisecond), time.Hour), nil
}

// parseAt reads --at against the recording's span.
func parseAt(s string, sum record.Summary, loc *time.Location) (time.Time, error) {
	bad := usageError{fmt.Sprintf("--at %q: want a time (2026-12-01T14:05:00Z, \"2026-12-01 14:05\", 14:05) or an offset (-10m from the end, +1h from the start)", s)}
	switch {
	case strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+"):
		d, err := time.ParseDuration(s[1:])
		if err != nil {
			return time.Time{}, bad
		}
		if s[0] == '-' {
			return sum.Last.Add(-d), nil
		}
		return sum.First.Add(d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			day := sum.Last.In(loc)
			return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 1e9 {
		return time.Unix(n, 0), nil // unix seconds
	}
	return time.Time{}, bad
}

// replayClock is the recording's time as a replay shows it: standing
// still, or moving at a speed from where playing began, up to the
// recording's end.
type replayClock struct {
	mu      sync.Mutex
	from    time.Time // recording time when playing began, or where it stands
	began   time.Time // real time then
	playing bool
	speed   float64
	end     time.Time
}

func (c *replayClock) nowLocked() time.Time {
	if !c.playing {
		return c.from
	}
	t := c.from.Add(time.Duration(float64(time.Since(c.began)) * c.speed))
	if t.After(c.end) {
		return c.end
	}
	return t
}

func (c *replayClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

// set moves the clock to t, playing on from there if it was.
func (c *replayClock) set(t time.Time) {
	c.mu.Lock()
	c.from, c.began = t, time.Now()
	c.mu.Unlock()
}

func (c *replayClock) setPlaying(on bool) {
	c.mu.Lock()
	c.from, c.began, c.playing = c.nowLocked(), time.Now(), on
	c.mu.Unlock()
}

func (c *replayClock) setSpeed(s float64) {
	c.mu.Lock()
	c.from, c.began, c.speed = c.nowLocked(), time.Now(), s
	c.mu.Unlock()
}

// state is whether the clock moves (not at the end) and how fast.
func (c *replayClock) state() (playing bool, speed float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.playing && c.nowLocked().Before(c.end), c.speed
}

// player is a replay's model.Player: it delivers the recording's entries
// after what was loaded as the clock reaches them, and answers the
// screen's keys by changing the clock.
type player struct {
	r    *replay
	sum  record.Summary
	loc  *time.Location
	wake chan struct{} // the clock changed: entries may be due sooner
}

func (p *player) Playing() bool {
	on, _ := p.r.clock.state()
	return on
}

func (p *player) AtEnd() bool { return !p.r.clock.now().Before(p.r.end) }

func (p *player) SetPlaying(on bool) { p.r.clock.setPlaying(on); p.nudge() }

func (p *player) Speed() float64 {
	_, s := p.r.clock.state()
	return s
}

func (p *player) SetSpeed(s float64) { p.r.clock.setSpeed(min(max(s, 1), 3600)); p.nudge() }

func (p *player) Seek(at string) (time.Time, error) {
	t, err := parseAt(strings.TrimSpace(at), p.sum, p.loc)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return time.Time{}, errors.New(strings.TrimPrefix(ue.msg, "--at "))
		}
		return time.Time{}, err
	}
	if t.Before(p.sum.First) {
		t = p.sum.First
	}
	if t.After(p.sum.Last) {
		t = p.sum.Last
	}
	if t.After(p.r.clock.now()) {
		p.r.clock.set(t)
		p.nudge()
	}
	return t, nil
}

func (p *player) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// feed sends the entries after r.at as the clock reaches them, until the
// recording ends or ctx does.
func (p *player) feed(ctx context.Context) <-chan collect.Result {
	out := make(chan collect.Result, 16)
	r := p.r
	go func() {
		defer close(out)
		record.ReadFile(r.file, func(e record.Entry) error {
			if !e.Time.After(r.at) {
				return nil
			}
			for {
				now := r.clock.now()
				if !e.Time.After(now) {
					break
				}
				// Stopped: until the clock changes. Playing: until the
				// entry is due at this speed, or the clock changes.
				var due <-chan time.Time
				var t *time.Timer
				if on, speed := r.clock.state(); on {
					t = time.NewTimer(time.Duration(float64(e.Time.Sub(now)) / speed))
					due = t.C
				}
				select {
				case <-ctx.Done():
				case <-p.wake:
				case <-due:
				}
				if t != nil {
					t.Stop()
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
			}
			res := result(e)
			if res.Snapshot.Values != nil {
				res.Snapshot.Values = maps.Clone(e.Values) // the reader reuses its map
			}
			select {
			case out <- res:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return out
}
