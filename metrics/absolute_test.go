package metrics

import (
	"testing"
	"time"
)

func TestCountersKeepTheirAbsoluteCount(t *testing.T) {
	st, err := NewStore(1, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		st.Observe(0, snap(float64(i), i))
	}
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
			t.Fatalf("%s has an absolute count", s.Def.Kind)
		}
		if v := s.Shown(true); v.Absolute || v.Hist != s.Hist || v.Unit != s.Unit() {
			t.Fatalf("%s: Shown(true) = %+v", s.Def.Kind, v)
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
	st, err := NewStore(1, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		st.Observe(0, snap(float64(i), i))
	}
	abs := st.Series(0, 0).Shown(true) // absolute count: 100 × i at second i
	if v, ok := abs.Current(false, at(2), time.Second); !ok || v != 400 {
		t.Fatalf("live Current = %v, %v; want the latest, 400", v, ok)
	}
	if v, ok := abs.Current(true, at(2.5), time.Second); !ok || v != 200 {
		t.Fatalf("paused Current at 2.5 s = %v, %v; want 200", v, ok)
	}
	if _, ok := abs.Current(true, at(30), time.Second); ok {
		t.Fatal("paused Current found a value beyond the tolerance")
	}
	st.ResetHost(0)
	if _, ok := st.Series(0, 0).Shown(true).Current(false, at(4), time.Second); ok {
		t.Fatal("live Current after a reset")
	}
}
