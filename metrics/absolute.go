package metrics

import "time"

// Counters are shown as rates, but traffic_top users also read their
// absolute counts ("how many requests since the restart?"), so a counter's
// series also keeps the raw record and its history. What a screen shows is
// then chosen per series with Shown.

// LatestAbsolute returns the raw counter value of the latest snapshot; ok is
// false for non-counters, before any snapshot, when the record was missing
// and after a reset.
func (s *Series) LatestAbsolute() (float64, bool) { return s.abs, s.absOK }

func (s *Series) observeAbsolute(t time.Time, key Sample, found bool) {
	if s.Abs == nil {
		return
	}
	s.abs, s.absOK = sampleValue(key, found)
	if s.absOK {
		s.keep(&s.Abs, Point{T: t, V: s.abs})
	}
}

// Shown is what a panel draws for a series: its derived values, or, for a
// counter when absolute is asked for, its absolute count.
type Shown struct {
	Hist     *History
	Unit     Unit
	Absolute bool // showing the absolute count of a counter
	Rate     bool // showing a counter's rate per second
	// Missing: the host's server lacks a record the series reads (see
	// Series.Missing); its panels say "not on this server".
	Missing bool
	// Waiting: the host answers, but there is no value yet; panels say
	// "waiting for the server's next update" rather than nothing.
	Waiting bool
	latest  float64
	ok      bool
	at      time.Time // when the snapshot that gave latest arrived
	failed  bool      // a fetch failed after it: latest is not current
}

// Latest is the current value of what is shown.
func (v Shown) Latest() (float64, bool) { return v.latest, v.ok }

// Shown returns what to draw and say for the series; absolute only changes
// counters.
func (s *Series) Shown(absolute bool) Shown {
	if absolute && s.Abs != nil {
		return Shown{Hist: s.Abs, Unit: UnitCount, Absolute: true, Missing: s.missing, Waiting: s.waiting(s.absOK), latest: s.abs, ok: s.absOK, at: s.lastT, failed: s.failedAt.After(s.lastT)}
	}
	return Shown{Hist: s.Hist, Unit: s.unit, Rate: s.Abs != nil, Missing: s.missing, Waiting: s.waiting(s.lastOK), latest: s.last, ok: s.lastOK, at: s.lastT, failed: s.failedAt.After(s.lastT)}
}

// waiting: the host answers and has the records, but the derivation has
// no value yet (a rate needs a second change; ATS refreshes some records
// only every 5 s).
func (s *Series) waiting(ok bool) bool { return s.answered && !ok && !s.missing }
