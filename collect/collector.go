package collect

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Host is one collection target.
type Host struct {
	Name   string
	Source Source
}

// Result is the outcome of one fetch from one host.
type Result struct {
	// Host indexes the hosts given to NewCollector.
	Host int
	// Snapshot.Time is when the reply was parsed (on Collector.Now's
	// clock); Values is nil when Err is set.
	Snapshot metrics.Snapshot
	Warnings []string
	Err      error
	// Took is how long the fetch ran.
	Took time.Duration
	// Via says how the host was read when that is not the usual local
	// socket ("ssh·jsonrpc", "ssh·traffic_ctl"); sources tell it with a
	// Via() string method.
	Via string
	// Retry, on a failure, is how long until the host is asked again
	// (Backoff); 0 when it is asked at the next tick.
	Retry time.Duration
}

// viaSource is a Source that can say how it reaches its host.
type viaSource interface{ Via() string }

// slowSource is a Source whose requests need more time than a short
// interval allows (a command run through the remote user's login shell):
// its fetches get at least MinTimeout, and simply miss the ticks that
// pass meanwhile.
type slowSource interface{ MinTimeout() time.Duration }

// Per-request deadline bounds: min(interval, maxTimeout), at least
// minTimeout.
const (
	maxTimeout = 5 * time.Second
	minTimeout = 200 * time.Millisecond
)

// A host that keeps failing is asked less and less often, so that a fleet
// with many hosts down does not open a connection to each of them every
// tick: after its second failure in a row it waits one more tick, then
// three, seven (doubling), up to the backoff cap. The cap grows with the
// fleet, a quarter of a second per host (at least one interval, at most
// maxBackoff): the failing hosts together are then tried about four times
// a second at most, and a watch of one to four hosts still tries every
// tick, so a restarted server is seen at once.
const (
	maxBackoff     = 30 * time.Second
	backoffPerHost = 250 * time.Millisecond
)

// DefaultMaxConcurrent is how many fetches may run at once: enough that a
// fleet's round takes one or two request times, few enough that a
// hundred hosts do not open a hundred sockets (or SSH channels) at the
// same instant.
const DefaultMaxConcurrent = 32

// Backoff is how many ticks to let pass before asking again a host that
// has failed failures times in a row, when hosts are polled every
// interval.
func Backoff(failures, hosts int, interval time.Duration) int {
	if failures < 2 || interval <= 0 {
		return 0
	}
	limit := min(max(time.Duration(hosts)*backoffPerHost, interval), maxBackoff)
	most := int(limit/interval) - 1
	return min(1<<min(failures-1, 16)-1, max(most, 0))
}

// Collector fetches the same keys from every host on a shared tick.
//
// Each host has its own goroutine, so a slow or dead host never delays the
// others. A single timer drives all of them: every host is asked at
// the same instant, which keeps multi-host panels aligned and costs one
// timer. The tick is handed to each host's goroutine with a non-blocking
// send on an unbuffered channel, so a host whose previous fetch is still
// running simply misses that tick: fetches never pile up and at most one
// request per host is ever in flight.
type Collector struct {
	hosts    []Host
	units    []unit
	keys     []string
	interval time.Duration

	// Timeout is the per-request deadline; NewCollector sets it to
	// min(interval, 5s), at least 200ms. Change it before Run or Once.
	Timeout time.Duration
	// Now is the clock for Snapshot.Time; NewCollector sets time.Now.
	Now func() time.Time
	// MaxConcurrent bounds the fetches in flight at once (a host waiting
	// for its turn is not yet on its deadline); NewCollector sets
	// DefaultMaxConcurrent.
	MaxConcurrent int

	// brief, when set (Brief), is what hosts out of focus are asked;
	// focus is the set of hosts asked every key.
	brief []string
	focus atomic.Pointer[map[int]bool]

	dropped atomic.Int64
	slots   chan struct{}
}

// Brief makes hosts out of focus (Focus) be asked only keys, not every
// key: a fleet of a hundred hosts shows every key of the dashboard for
// the few hosts on its pages, and a handful of columns for the rest, so
// collecting, keeping and deriving the rest is wasted work. Call it before
// Run; keys nil asks every host everything (the default).
func (c *Collector) Brief(keys []string) {
	c.brief = Dedupe(keys)
	if keys == nil {
		c.brief = nil
	}
}

// Focus names the hosts asked every key from their next fetch on; the
// others are asked the Brief keys. Safe to call at any time, from any
// goroutine; without Brief it changes nothing.
func (c *Collector) Focus(hosts []int) {
	set := make(map[int]bool, len(hosts))
	for _, h := range hosts {
		set[h] = true
	}
	c.focus.Store(&set)
}

// keysOf is what host i is asked now.
func (c *Collector) keysOf(i int) []string {
	if c.brief == nil {
		return c.keys
	}
	if f := c.focus.Load(); f != nil && (*f)[i] {
		return c.keys
	}
	return c.brief
}

// NewCollector prepares collection of keys from hosts every interval (a
// non-positive interval means one second).
func NewCollector(hosts []Host, keys []string, interval time.Duration) *Collector {
	if interval <= 0 {
		interval = time.Second
	}
	return &Collector{
		hosts:         append([]Host(nil), hosts...),
		units:         units(hosts),
		keys:          append([]string(nil), keys...),
		interval:      interval,
		Timeout:       baseDeadline(interval),
		Now:           time.Now,
		MaxConcurrent: DefaultMaxConcurrent,
	}
}

// start makes the fetch slots (Run and Once call it first).
func (c *Collector) start() {
	c.slots = make(chan struct{}, max(c.MaxConcurrent, 1))
}

// Interval returns the collection interval.
func (c *Collector) Interval() time.Duration { return c.interval }

// Dropped counts results discarded because the consumer fell behind.
func (c *Collector) Dropped() int64 { return c.dropped.Load() }

// baseDeadline bounds every request: the interval, at most maxTimeout, at
// least minTimeout.
func baseDeadline(interval time.Duration) time.Duration {
	return max(min(interval, maxTimeout), minTimeout)
}

// RequestDeadline is how long one fetch from src may take when it is
// polled every interval (a slow source gets its own minimum). Whoever
// judges how old a host's data may be before it is stale asks this.
func RequestDeadline(src Source, interval time.Duration) time.Duration {
	return withSlowMinimum(src, baseDeadline(interval))
}

func withSlowMinimum(src Source, d time.Duration) time.Duration {
	if s, ok := src.(slowSource); ok {
		d = max(d, s.MinTimeout())
	}
	return d
}

// fetch runs one request for unit u, once a slot is free: one Result per
// host of the unit.
func (c *Collector) fetch(ctx context.Context, u unit) []Result {
	src := c.hosts[u.first()].Source
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		var out []Result
		u.each(func(_, i int) { out = append(out, c.result(i, Reply{Err: ctx.Err()}, 0)) })
		return out
	}
	rctx, cancel := context.WithTimeout(ctx, withSlowMinimum(src, c.Timeout))
	defer cancel()
	start := time.Now()
	if u.batch == nil {
		values, warnings, err := safeFetch(rctx, src, c.keysOf(u.hosts[0]))
		return []Result{c.result(u.hosts[0], Reply{Values: values, Warnings: warnings, Err: err}, time.Since(start))}
	}
	keys := make([][]string, len(u.hosts))
	u.each(func(m, i int) { keys[m] = c.keysOf(i) })
	replies, err := safeFetchBatch(rctx, u.batch, keys)
	took := time.Since(start)
	var out []Result
	u.each(func(m, i int) {
		r := Reply{Err: err}
		switch {
		case err == nil && m < len(replies):
			r = replies[m]
		case err == nil:
			r.Err = fmt.Errorf("%s gave no reply for %s (please report it)", u.batch, c.hosts[i].Name)
		}
		out = append(out, c.result(i, r, took))
	})
	return out
}

// result is host i's Result from its reply.
func (c *Collector) result(i int, rep Reply, took time.Duration) Result {
	warnings := dropUndrawable(rep.Values, rep.Warnings)
	r := Result{Host: i, Snapshot: metrics.Snapshot{Time: c.now()}, Warnings: warnings, Err: rep.Err, Took: took}
	if rep.Err == nil {
		r.Snapshot.Values = rep.Values
	}
	if v, ok := c.hosts[i].Source.(viaSource); ok {
		r.Via = v.Via()
	}
	return r
}

// now is the time a result is stamped with, cut to the microsecond: a
// recording keeps times to the microsecond (record), and stamped finer,
// a live run's rates came out a last digit off a replay's now and then.
// Add moves the monotonic reading with the wall clock, so the live run's
// rates still follow the monotonic clock (their difference is the
// nanoseconds between reading the two).
func (c *Collector) now() time.Time {
	t := time.Now()
	if c.Now != nil {
		t = c.Now()
	}
	return t.Add(-time.Duration(t.Nanosecond() % 1000))
}

// Once runs one round: every host concurrently (MaxConcurrent at a time),
// each bounded by Timeout (and ctx). The result for host i is at index i.
func (c *Collector) Once(ctx context.Context) []Result {
	c.start()
	results := make([]Result, len(c.hosts))
	var wg sync.WaitGroup
	for _, u := range c.units {
		wg.Go(func() {
			for _, r := range c.fetch(ctx, u) {
				results[r.Host] = r
			}
		})
	}
	wg.Wait()
	return results
}

// Run starts collecting: once immediately, then every interval, until ctx
// ends. Call it once per Collector.
//
// The channel is buffered (4 results per host, at least 16). A consumer
// that keeps up loses nothing. One that falls behind loses the oldest
// queued results, never the newest, and collection never blocks on it:
// rates are computed from Snapshot.Time, so a lost snapshot only widens one
// interval, whereas a blocked collector would stall every host. Dropped
// counts the losses. The channel is closed once ctx is done and every
// host's goroutine has returned (an in-flight fetch is cancelled through
// its context, so this is prompt).
func (c *Collector) Run(ctx context.Context) <-chan Result {
	c.start()
	out := make(chan Result, max(16, 4*len(c.hosts)))
	ticks := make([]chan time.Time, len(c.units))
	var wg sync.WaitGroup
	for i, u := range c.units {
		ticks[i] = make(chan time.Time)
		wg.Go(func() { c.worker(ctx, u, ticks[i], out) })
	}
	wg.Go(func() {
		t := time.NewTimer(untilTick(time.Now(), c.interval))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				t.Reset(untilTick(now, c.interval))
				for _, ch := range ticks {
					select {
					case ch <- now: // idle worker takes the tick
					default: // still fetching: skip this tick for that host
					}
				}
			}
		}
	})
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// untilTick is the wait from now to the next tick: ticks fall on whole
// multiples of the interval on the wall clock (:00, :01, … at 1s), where
// the screen's clock ticks too, so that a second's collection, redraw and
// clock are one wake-up of the program, not three. A boundary less than
// half an interval away (a timer that fired early by the wall clock) is
// passed over.
func untilTick(now time.Time, interval time.Duration) time.Duration {
	d := now.Truncate(interval).Add(interval).Sub(now)
	if d < interval/2 {
		d += interval
	}
	return d
}

// worker asks unit u at each tick it is free for, letting ticks pass
// after failures (Backoff). A batch fails when every member does (its
// server is down); one member without data is that host's error only.
// A tick's replies are read with the round's (WithRoundRead); the first
// round's at once.
func (c *Collector) worker(ctx context.Context, u unit, tick <-chan time.Time, out chan Result) {
	failures := 0
	round := ctx
	for {
		rs := c.fetch(round, u)
		if ctx.Err() != nil {
			return // shutting down: the result is just "cancelled"
		}
		wait := 0
		if allFailed(rs) {
			failures++
			wait = Backoff(failures, len(c.units), c.interval)
		} else {
			failures = 0
		}
		for _, r := range rs {
			if r.Err != nil && wait > 0 {
				r.Retry = time.Duration(wait+1) * c.interval
			}
			c.deliver(out, r)
		}
		var at time.Time
		for range wait + 1 {
			select {
			case <-ctx.Done():
				return
			case at = <-tick:
			}
		}
		round = WithRoundRead(ctx, at.Add(RoundReadDelay(c.interval)))
	}
}

func allFailed(rs []Result) bool {
	for _, r := range rs {
		if r.Err == nil {
			return false
		}
	}
	return len(rs) > 0
}

// deliver queues r, discarding the oldest queued result if the channel is
// full. Only senders discard, and each discard makes room for exactly the
// sender that made it, so this terminates even with many concurrent
// senders.
func (c *Collector) deliver(out chan Result, r Result) {
	for {
		select {
		case out <- r:
			return
		default:
		}
		select {
		case <-out:
			c.dropped.Add(1)
		default:
		}
	}
}

// safeFetch runs one fetch, turning a panic in a source (a parser meeting
// a reply nobody foresaw) into that host's error: the other hosts, the
// screen and the terminal must survive it.
func safeFetch(ctx context.Context, src Source, keys []string) (values map[string]metrics.Sample, warnings []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			values, warnings = nil, nil
			err = fmt.Errorf("internal error reading %s: %v (please report it)", src, p)
		}
	}()
	return src.Fetch(ctx, keys)
}

// dropUndrawable removes NaN and ±Inf values, which no derivation or chart
// can use, and says which records had them: a server that reports "inf"
// should be named in the footer, not silently shown as a gap.
func dropUndrawable(values map[string]metrics.Sample, warnings []string) []string {
	var bad []string
	for k, v := range values {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			bad = append(bad, fmt.Sprintf("%s = %v", k, v.Value))
			delete(values, k)
		}
	}
	if len(bad) == 0 {
		return warnings
	}
	sort.Strings(bad)
	return append(warnings, fmt.Sprintf("%d record(s) not a finite number, not drawn: %s", len(bad), strings.Join(bad, ", ")))
}
