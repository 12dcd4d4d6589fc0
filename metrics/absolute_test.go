package metrics

import (
	"testing"
	"time"
)

func TestCountersKeepTheirAbsoluteCount(t *testing.T) {
	st := fourTicks(t)
	c := st.Series(0, 0) // counter: req = 100 × i
	if !c.HasAbsolute() {
		t.Fatal("counter has no absolute count")
	}
	if v, ok := c.LatestAbsolute(); !ok || v != 400 {
		t.Fatalf("LatestAbsolute = %v, %v; want 400", v, ok)
	}
	if c.Abs.Len() != 4 {
		t.Fatalf("absolute history has %d points, want 4 (from the first sample)", c.Abs.Len())
	}
	abs := c.Shown(true)
	if !abs.Absolute || abs.Rate || abs.Hist != c.Abs || abs.Unit != UnitCount {
		t.Fatalf("Shown(true) = %+v", abs)
	}
	if v, ok := abs.Latest(); !ok || v != 400 {
		t.Fatalf("shown absolute latest %v %v", v, ok)
	}
	rate := c.Shown(false)
	if rate.Absolute || !rate.Rate || rate.Hist != c.Hist {
		t.Fatalf("Shown(false) = %+v", rate)
	}
	if v, ok := rate.Latest(); !ok || v != 100 {
		t.Fatalf("shown rate latest %v %v", v, ok)
	}
	// Other kinds have no absolute count and ignore the toggle.
	for i := 1; i < len(testDefs); i++ {
		s := st.Series(0, i)
		if s.HasAbsolute() || s.Abs != nil {
			t.Fatalf("%s has an absolute count", s.Def.Type)
		}
		if v := s.Shown(true); v.Absolute || v.Hist != s.Hist || v.Unit != s.Unit() {
			t.Fatalf("%s: Shown(true) = %+v", s.Def.Type, v)
		}
	}
	// A reset forgets the latest absolute value but keeps its history.
	st.ResetHost(0)
	if _, ok := c.LatestAbsolute(); ok {
		t.Fatal("absolute value survived a reset")
	}
	if c.Abs.Len() != 4 {
		t.Fatal("reset dropped the absolute history")
	}
}

func TestShownCurrent(t *testing.T) {
	st := fourTicks(t)
	abs := st.Series(0, 0).Shown(true) // absolute count: 100 × i at second i
	if c := abs.Current(At{Now: at(4)}); !c.OK || c.V != 400 {
		t.Fatalf("live Current = %+v; want the latest, 400", c)
	}
	if c := abs.Current(At{Paused: true, Cursor: at(2.5), Tolerance: time.Second}); !c.OK || c.V != 200 {
		t.Fatalf("paused Current at 2.5 s = %+v; want 200", c)
	}
	if c := abs.Current(At{Paused: true, Cursor: at(30), Tolerance: time.Second}); c.OK {
		t.Fatal("paused Current found a value beyond the tolerance")
	}
	st.ResetHost(0)
	if c := st.Series(0, 0).Shown(true).Current(At{Now: at(4)}); c.OK {
		t.Fatal("live Current after a reset")
	}
}

// A host that stops answering keeps its last value, but only until it is
// older than the stale limit: then it is marked stale with its age.
func TestCurrentGoesStaleWhenTheHostStopsAnswering(t *testing.T) {
	st := fourTicks(t)
	limit := StaleAfter(time.Second, time.Second)
	if limit != 2500*time.Millisecond {
		t.Fatalf("StaleAfter(1s, 1s) = %s, want 2.5s", limit)
	}
	if got := StaleAfter(time.Second, 3*time.Second); got != 4500*time.Millisecond {
		t.Fatalf("StaleAfter(1s, 3s) = %s, want 4.5s (a slow host's deadline counts)", got)
	}
	tests := []struct {
		now   float64
		stale bool
		age   time.Duration
	}{
		{4, false, 0},
		{5, false, time.Second},
		{6.5, false, 2500 * time.Millisecond},
		{6.6, true, 2600 * time.Millisecond},
		{78, true, 74 * time.Second},
	}
	for _, s := range []Shown{st.Series(0, 0).Shown(false), st.Series(0, 0).Shown(true)} {
		for _, tc := range tests {
			c := s.Current(At{Now: at(tc.now), StaleAfter: limit})
			if !c.OK || c.Stale != tc.stale || c.Age != tc.age {
				t.Errorf("absolute=%v at %gs: %+v, want a value, stale=%v, age %s", s.Absolute, tc.now, c, tc.stale, tc.age)
			}
		}
		if c := s.Current(At{Now: at(78)}); c.Stale {
			t.Errorf("StaleAfter 0 must mean never stale: %+v", c)
		}
	}
}

// A failed fetch makes the last values stale at once, however young, until
// the next snapshot; paused, the history is read as it is.
func TestCurrentIsStaleAfterAFailedFetch(t *testing.T) {
	st := fourTicks(t)
	limit := StaleAfter(time.Second, time.Second)
	live := At{Now: at(4.2), StaleAfter: limit}
	if c := st.Series(0, 0).Shown(false).Current(live); !c.OK || c.Stale {
		t.Fatalf("before the failure: %+v", c)
	}
	st.Failed(0, at(4.1))
	for _, abs := range []bool{false, true} {
		if c := st.Series(0, 0).Shown(abs).Current(live); !c.OK || !c.Stale {
			t.Errorf("absolute=%v, 0.2 s old after a failed fetch: %+v, want the value, stale", abs, c)
		}
	}
	if c := st.Series(0, 0).Shown(false).Current(At{Paused: true, Cursor: at(4), Tolerance: time.Second}); !c.OK || c.Stale {
		t.Errorf("paused at the cursor: %+v", c)
	}
	st.Observe(0, snap(5, 5))
	if c := st.Series(0, 0).Shown(false).Current(At{Now: at(5), StaleAfter: limit}); !c.OK || c.Stale {
		t.Errorf("answering again: %+v, want current", c)
	}
}

// fourTicks is a store of one host given testDefs' snapshots at 1-4 s.
func fourTicks(t *testing.T) *Store {
	t.Helper()
	st, err := NewStore(1, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		st.Observe(0, snap(float64(i), i))
	}
	return st
}
