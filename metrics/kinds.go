package metrics

import (
	"sort"
	"strconv"
)

// Unit says how a derived value is formatted.
type Unit int

const (
	UnitCount   Unit = iota // plain number with K/M/G/T suffixes (rates, gauges)
	UnitMillis              // milliseconds, shown as ms or s
	UnitPercent             // 0..100, shown with %
)

// KindInfo describes a metric type usable in dashboards.
type KindInfo struct {
	Name      string
	NeedsKey2 bool // latency needs a count, hit_rate needs misses
	Unit      Unit
	Help      string // one line for error messages and --help
}

// kinds is the registry of metric types. Adding a type means adding an entry
// here and its derivation in NewDerivation; config validation and the screen
// pick it up from here.
var kinds = map[string]KindInfo{
	"counter":      {Name: "counter", Unit: UnitCount, Help: "rate per second of a counter"},
	"gauge":        {Name: "gauge", Unit: UnitCount, Help: "current value"},
	"latency":      {Name: "latency", NeedsKey2: true, Unit: UnitMillis, Help: "Δkey (total time) / Δkey2 (count), in ms"},
	"hit_rate":     {Name: "hit_rate", NeedsKey2: true, Unit: UnitPercent, Help: "Δkey (hits) / (Δkey + Δkey2 (misses)) × 100"},
	"quantile":     {Name: "quantile", NeedsKey2: true, Unit: UnitCount, Help: "key2-quantile (0.99 for p99) of a Prometheus histogram's observations in each interval"},
	"used_percent": {Name: "used_percent", NeedsKey2: true, Unit: UnitPercent, Help: "100 × (1 − key (available) / key2 (total)), of two gauges"},
}

// LookupKind returns the description of a metric type.
func LookupKind(name string) (KindInfo, bool) {
	k, ok := kinds[name]
	return k, ok
}

// KindNames lists the known metric types, sorted.
func KindNames() []string {
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Units accepted for the records behind a latency metric. ATS 10 reports
// transaction_totaltime.* as integer milliseconds, ATS 9.x as float seconds.
const (
	LatencyUnitMillis  = "ms"
	LatencyUnitSeconds = "s"
	LatencyUnitAuto    = "" // seconds if the sample is a float, else ms
)

func validLatencyUnit(u string) bool {
	return u == LatencyUnitMillis || u == LatencyUnitSeconds || u == LatencyUnitAuto
}

func (u Unit) String() string {
	switch u {
	case UnitCount:
		return "count"
	case UnitMillis:
		return "ms"
	case UnitPercent:
		return "percent"
	}
	return "Unit(" + strconv.Itoa(int(u)) + ")"
}
