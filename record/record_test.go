package record

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// entries is a little of everything: integers that grow, stay, fall and
// jump; floats; NaN and infinities; a key that comes and goes; a failure.
func entries() []Entry {
	var out []Entry
	for i := range 20 {
		at := t0.Add(time.Duration(i) * time.Second)
		v := map[string]metrics.Sample{
			"proxy.process.http.incoming_requests":                  {Value: float64(1000000 + 3000*i)},
			"proxy.process.http.current_client_connections":         {Value: 800 + float64(i%3)},
			"proxy.process.http.transaction_totaltime.hit_fresh":    {Value: 12.5 * float64(i), Float: true},
			"proxy.process.cache.percent_full":                      {Value: 7},
			"proxy.process.http.big":                                {Value: 1e300 * float64(i)},
			"proxy.process.http.neg":                                {Value: -float64(i * i)},
			"plugin.remap_stats.www.example.com.status_5xx":         {Value: float64(i / 4)},
			"proxy.process.http.per_server.current_connection.a:80": {Value: math.Inf(1)},
		}
		if i%5 == 0 {
			v["proxy.process.http.nan"] = metrics.Sample{Value: math.NaN(), Float: true}
		}
		if i == 3 {
			v["proxy.process.http.incoming_requests"] = metrics.Sample{Value: 12} // a restart
		}
		out = append(out, Entry{Host: i % 2, Time: at, Values: v})
		if i == 7 {
			out = append(out, Entry{Host: 1, Time: at.Add(300 * time.Millisecond), Err: "cannot connect to /run/ts/jsonrpc20.sock: connection refused"})
		}
	}
	return out
}

var hosts = []Host{{Name: "edge1", Source: "jsonrpc /run/ts/jsonrpc20.sock"}, {Name: "edge2", Source: "stats http://edge2:8080/_stats"}}

func write(t *testing.T, path string, es []Entry, opts Options) *Writer {
	t.Helper()
	w, err := Create(path, hosts, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Err != "" {
			err = w.Failure(e.Host, e.Time, e.Err)
		} else {
			err = w.Sample(e.Host, e.Time, e.Values)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// readAll reads path's entries, copying each (the reader reuses its map).
func readAll(t *testing.T, path string) ([]Entry, Summary) {
	t.Helper()
	var got []Entry
	sum, err := ReadFile(path, func(e Entry) error {
		c := e
		if e.Values != nil {
			c.Values = map[string]metrics.Sample{}
			for k, v := range e.Values {
				c.Values[k] = v
			}
		}
		got = append(got, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, sum
}

// same compares entries, NaN equal to NaN and times to the millisecond.
func same(a, b []Entry) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d entries, want %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Host != y.Host || !x.Time.Equal(y.Time.Truncate(time.Microsecond)) || x.Err != y.Err || len(x.Values) != len(y.Values) {
			return fmt.Errorf("entry %d: %+v, want %+v", i, x, y)
		}
		for k, v := range y.Values {
			g, ok := x.Values[k]
			if !ok || g.Float != v.Float || !(g.Value == v.Value || math.IsNaN(g.Value) && math.IsNaN(v.Value)) {
				return fmt.Errorf("entry %d: %s = %+v, want %+v", i, k, g, v)
			}
		}
	}
	return nil
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	want := entries()
	w := write(t, path, want, Options{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, sum := readAll(t, path)
	if err := same(got, want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sum.Hosts, hosts) || sum.Segments != 1 || sum.Damaged != 0 || sum.Entries != len(want) ||
		!sum.First.Equal(t0) || !sum.Last.Equal(t0.Add(19*time.Second)) {
		t.Errorf("summary %+v", sum)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
}

// ReadTimes gives every entry's host, time and error as ReadFile does,
// without values, and the same summary.
func TestReadTimes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	want := entries()
	w := write(t, path, want, Options{})
	w.Close()
	full, sum := readAll(t, path)
	var got []Entry
	tsum, err := ReadTimes(path, func(e Entry) error { got = append(got, e); return nil })
	if err != nil || !reflect.DeepEqual(tsum, sum) || len(got) != len(full) {
		t.Fatalf("%d entries, %+v, %v; want %d, %+v", len(got), tsum, err, len(full), sum)
	}
	for i := range got {
		if got[i].Host != full[i].Host || !got[i].Time.Equal(full[i].Time) || got[i].Err != full[i].Err || got[i].Values != nil {
			t.Errorf("entry %d: %+v, want %+v without values", i, got[i], full[i])
		}
	}
}

// A recording is appended to, never truncated: a second run adds a
// segment, and a run killed before closing (no end of stream written)
// loses nothing it wrote.
func TestAppendAndUnclosedSegments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec")
	es := entries()
	write(t, path, es[:10], Options{}) // never closed: as if killed
	w := write(t, path, es[10:], Options{})
	w.Close()
	got, sum := readAll(t, path)
	if err := same(got, es); err != nil {
		t.Fatal(err)
	}
	if sum.Segments != 2 || sum.Damaged != 0 {
		t.Errorf("summary %+v", sum)
	}
}

// A file cut anywhere, or with a byte changed anywhere, reads without
// error, gives a prefix of each segment's entries, and the segments after
// the damage whole.
func TestDamageLosesOnlyWhatItTouches(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	es := entries()
	write(t, first, es[:10], Options{}).Close()
	write(t, second, es[10:], Options{}).Close()
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	for cut := len(magic); cut < len(a); cut++ {
		// The first run torn at cut, the second appended after it.
		path := filepath.Join(dir, "torn")
		os.WriteFile(path, append(append([]byte(nil), a[:cut]...), b...), 0o600)
		got, sum := readAll(t, path)
		n := 0
		for n < len(got) && n < 10 && same(got[n:n+1], es[n:n+1]) == nil {
			n++
		}
		if err := same(got[n:], es[10:]); err != nil {
			t.Fatalf("cut at %d of %d: after %d entries of the first run, the second: %v (summary %+v)", cut, len(a), n, err, sum)
		}
	}
	for i := len(magic); i < len(a); i++ {
		c := append(append([]byte(nil), a...), b...)
		c[i] ^= 0x40
		path := filepath.Join(dir, "flipped")
		os.WriteFile(path, c, 0o600)
		got, _ := readAll(t, path)
		if tail := es[10:]; len(got) < len(tail) || same(got[len(got)-len(tail):], tail) != nil {
			t.Fatalf("byte %d changed: the second run's entries are not whole (%d entries)", i, len(got))
		}
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rec")
	now := t0
	es := entries()
	w := write(t, path, es, Options{MaxBytes: 400, Keep: 2, Now: func() time.Time { return now }})
	w.Close()
	var all []Entry
	for _, p := range []string{path + ".2", path + ".1", path} {
		got, sum := readAll(t, p)
		if sum.Segments != 1 || !reflect.DeepEqual(sum.Hosts, hosts) {
			t.Errorf("%s: %+v", p, sum)
		}
		all = append(all, got...)
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Error("more rotated files than Keep")
	}
	// The oldest were dropped; what is left is the newest, whole.
	if err := same(all, es[len(es)-len(all):]); err != nil || len(all) >= len(es) {
		t.Errorf("%d entries kept of %d: %v", len(all), len(es), err)
	}
	// By age.
	path2 := filepath.Join(dir, "aged")
	w, _ = Create(path2, hosts, Options{MaxAge: time.Hour, Now: func() time.Time { return now }})
	w.Sample(0, now, es[0].Values)
	now = now.Add(time.Hour)
	w.Sample(0, now, es[2].Values)
	w.Close()
	if _, err := os.Stat(path2 + ".1"); err != nil {
		t.Errorf("no rotation after MaxAge: %v", err)
	}
}

func TestNotARecording(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("TGREC"), []byte("hello world\n")} {
		if _, err := Read(bytes.NewReader(b), func(Entry) error { return nil }); err != ErrNotRecording {
			t.Errorf("%q: %v", b, err)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(dir, hosts, Options{}); err == nil {
		t.Error("recording to a directory")
	}
	w, _ := Create(filepath.Join(dir, "r"), hosts, Options{})
	if err := w.Sample(2, t0, nil); err == nil {
		t.Error("a host out of range")
	}
	w.Close()
	if err := w.Sample(0, t0, nil); err == nil {
		t.Error("a sample after Close")
	}
}
