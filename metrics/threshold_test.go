package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestParseThreshold(t *testing.T) {
	for _, c := range []struct {
		in    string
		want  Threshold
		error string
	}{
		{"2", Threshold{Value: 2}, ""},
		{"> 2.5", Threshold{Value: 2.5}, ""},
		{"<80", Threshold{Value: 80, Below: true}, ""},
		{"below 80", Threshold{Value: 80, Below: true}, ""},
		{"Above 1e3", Threshold{Value: 1000}, ""},
		{"-5", Threshold{Value: -5}, ""},
		{">= 2", Threshold{}, ">= and <= are not limits"},
		{"lots", Threshold{}, "is not a limit"},
		{"NaN", Threshold{}, "is not a limit"},
		{"> Inf", Threshold{}, "is not a limit"},
		{"", Threshold{}, "is not a limit"},
	} {
		got, err := ParseThreshold(c.in)
		switch {
		case c.error != "" && (err == nil || !strings.Contains(err.Error(), c.error)):
			t.Errorf("ParseThreshold(%q) error %v, want one saying %q", c.in, err, c.error)
		case c.error == "" && (err != nil || got != c.want):
			t.Errorf("ParseThreshold(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestLimitsCheck(t *testing.T) {
	above := func(v float64) *Threshold { return &Threshold{Value: v} }
	below := func(v float64) *Threshold { return &Threshold{Value: v, Below: true} }
	for _, c := range []struct {
		l    Limits
		want string
	}{
		{Limits{Warn: above(2), Crit: above(5)}, ""},
		{Limits{Warn: above(2), Crit: above(2)}, ""},
		{Limits{Warn: below(80), Crit: below(50)}, ""},
		{Limits{Warn: above(2)}, ""},
		{Limits{Warn: above(5), Crit: above(2)}, "less severe"},
		{Limits{Warn: below(50), Crit: below(80)}, "less severe"},
		{Limits{Warn: above(5), Crit: below(2)}, "same way"},
	} {
		got := c.l.Check()
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%+v.Check() = %q, want %q", c.l, got, c.want)
		}
	}
}

// secondly is a history of one value a second from t0.
func secondly(t0 time.Time, vs ...float64) *History {
	h := NewHistory(time.Hour, 4000)
	for i, v := range vs {
		h.Add(Point{T: t0.Add(time.Duration(i) * time.Second), V: v})
	}
	return h
}

func TestJudge(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	warn, crit := &Threshold{Value: 2}, &Threshold{Value: 5}
	gap := 6 * time.Second
	withGap := secondly(t0, 9, 9, 9)
	withGap.Add(Point{T: sec(20), V: 9})
	withGap.Add(Point{T: sec(21), V: 9})
	jittered := NewHistory(time.Hour, 100)
	for i, ms := range []int{0, 1001, 1999, 2999} {
		jittered.Add(Point{T: t0.Add(time.Duration(ms) * time.Millisecond), V: []float64{1, 6, 6, 6}[i]})
	}
	jitteredFrom := t0.Add(1001 * time.Millisecond)
	for _, c := range []struct {
		name    string
		h       *History
		l       Limits
		at      time.Time
		level   Level
		since   time.Time
		crossed bool
	}{
		{"below every limit", secondly(t0, 1, 1, 1), Limits{Warn: warn, Crit: crit}, sec(2), LevelOK, time.Time{}, false},
		{"warning now", secondly(t0, 1, 3, 3), Limits{Warn: warn, Crit: crit}, sec(2), LevelWarn, sec(1), true},
		{"critical wins over warning", secondly(t0, 3, 3, 6), Limits{Warn: warn, Crit: crit}, sec(2), LevelCrit, sec(2), true},
		{"a limit equal is not crossed", secondly(t0, 2, 2), Limits{Warn: warn}, sec(1), LevelOK, time.Time{}, false},
		{"cleared", secondly(t0, 6, 6, 1), Limits{Warn: warn, Crit: crit}, sec(2), LevelOK, time.Time{}, false},
		{"for: not long enough yet", secondly(t0, 1, 6, 6, 6), Limits{Crit: crit, For: 3 * time.Second}, sec(3), LevelOK, time.Time{}, true},
		{"for: long enough", secondly(t0, 1, 6, 6, 6, 6), Limits{Crit: crit, For: 3 * time.Second}, sec(4), LevelCrit, sec(1), true},
		{"for: a dip starts it again", secondly(t0, 6, 6, 6, 1, 6, 6), Limits{Crit: crit, For: 3 * time.Second}, sec(5), LevelOK, time.Time{}, true},
		{"for: warning held, critical not yet", secondly(t0, 3, 3, 3, 3, 6), Limits{Warn: warn, Crit: crit, For: 3 * time.Second}, sec(4), LevelWarn, sec(0), true},
		{"for: held until the instant judged", jittered, Limits{Crit: crit, For: 2 * time.Second}, t0.Add(3010 * time.Millisecond), LevelCrit, jitteredFrom, true},
		{"for: held, whatever the samples' jitter", jittered, Limits{Crit: crit, For: 2 * time.Second}, t0.Add(2999 * time.Millisecond), LevelCrit, jitteredFrom, true},
		{"for: a second short is short", jittered, Limits{Crit: crit, For: 3 * time.Second}, t0.Add(2999 * time.Millisecond), LevelOK, time.Time{}, true},
		{"below", secondly(t0, 90, 70), Limits{Warn: &Threshold{Value: 80, Below: true}}, sec(1), LevelWarn, sec(1), true},
		{"at the cursor, before the crossing", secondly(t0, 1, 1, 9, 9), Limits{Warn: warn}, sec(1), LevelOK, time.Time{}, false},
		{"the host stopped answering", secondly(t0, 9, 9), Limits{Warn: warn}, sec(30), LevelOK, time.Time{}, false},
		{"a gap ends the run", withGap, Limits{Warn: warn}, sec(21), LevelWarn, sec(20), true},
		{"no limits", secondly(t0, 9), Limits{}, sec(0), LevelOK, time.Time{}, false},
		{"no history", nil, Limits{Warn: warn}, sec(0), LevelOK, time.Time{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := c.l.Judge(c.h, c.at, gap)
			if a.Level != c.level || !a.Since.Equal(c.since) || a.Crossed != c.crossed {
				t.Errorf("Judge = level %v since %v crossed %v; want %v since %v crossed %v", a.Level, a.Since, a.Crossed, c.level, c.since, c.crossed)
			}
		})
	}
}

// A crossing older than the lookback is said to have lasted the lookback.
func TestJudgeLongRun(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	h := NewDownsampledHistory(24*time.Hour, time.Second)
	for i := range 3 * 3600 {
		h.Add(Point{T: t0.Add(time.Duration(i) * time.Second), V: 9})
	}
	at := t0.Add(3*time.Hour - time.Second)
	a := Limits{Crit: &Threshold{Value: 5}}.Judge(h, at, 6*time.Second)
	if a.Level != LevelCrit || at.Sub(a.Since) < AlertLookback-time.Minute {
		t.Errorf("Judge = %v since %v (%v before); want critical for about %v", a.Level, a.Since, at.Sub(a.Since), AlertLookback)
	}
}
