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

// Type is a metric type, as dashboards name it ("counter").
type Type string

// The metric types.
const (
	TypeCounter     Type = "counter"
	TypeGauge       Type = "gauge"
	TypeLatency     Type = "latency"
	TypeHitRate     Type = "hit_rate"
	TypeQuantile    Type = "quantile"
	TypeUsedPercent Type = "used_percent"
)

// TypeInfo is everything known of a metric type: its registry entry.
type TypeInfo struct {
	Name Type
	// Key2 is what the second record is for ("the transaction count
	// record"); "" for types that take none.
	Key2 string
	Unit Unit
	// Absolute says the series also keeps the record's own value, the
	// absolute count the a key shows (counters, whose value is a rate).
	Absolute bool
	// TakesUnit says unit: (the unit of key's values) applies.
	TakesUnit bool
	Help      string // one line for error messages and --help
	// New builds the derivation for a metric of this type.
	New func(key, key2, unit string) (Derivation, error)
}

// NeedsKey2 says whether the type reads a second record.
func (t TypeInfo) NeedsKey2() bool { return t.Key2 != "" }

// types is the registry of metric types. A new type is one entry here (and
// its derivation): config validation, the store and the screen take
// everything from it.
var types = []TypeInfo{
	{Name: TypeCounter, Unit: UnitCount, Absolute: true, Help: "rate per second of a counter",
		New: func(key, _, _ string) (Derivation, error) { return &RateFromCounter{Key: key}, nil }},
	{Name: TypeGauge, Unit: UnitCount, Help: "current value",
		New: func(key, _, _ string) (Derivation, error) { return &GaugeValue{Key: key}, nil }},
	{Name: TypeLatency, Key2: "the transaction count record", Unit: UnitMillis, TakesUnit: true,
		Help: "Δkey (total time) / Δkey2 (count), in ms", New: newLatency},
	{Name: TypeHitRate, Key2: "the misses record", Unit: UnitPercent, Help: "Δkey (hits) / (Δkey + Δkey2 (misses)) × 100",
		New: func(key, key2, _ string) (Derivation, error) {
			return &HitRateFromCounters{HitsKey: key, MissesKey: key2}, nil
		}},
	{Name: TypeQuantile, Key2: `the quantile, between 0 and 1, e.g. "0.99" for p99`, Unit: UnitCount,
		Help: "key2-quantile (0.99 for p99) of a Prometheus histogram's observations in each interval",
		New:  func(key, key2, _ string) (Derivation, error) { return newQuantile(key, key2) }},
	{Name: TypeUsedPercent, Key2: "the total (key is what is available)", Unit: UnitPercent,
		Help: "100 × (1 − key (available) / key2 (total)), of two gauges",
		New:  func(key, key2, _ string) (Derivation, error) { return &UsedPercent{AvailKey: key, TotalKey: key2}, nil }},
}

// LookupType returns the registry entry of a metric type.
func LookupType(name Type) (TypeInfo, bool) {
	for _, t := range types {
		if t.Name == name {
			return t, true
		}
	}
	return TypeInfo{}, false
}

// TypeNames lists the known metric types, sorted.
func TypeNames() []string {
	names := make([]string, 0, len(types))
	for _, t := range types {
		names = append(names, string(t.Name))
	}
	sort.Strings(names)
	return names
}

// KeepsAbsolute says whether a metric of the type also keeps its record's
// absolute count (see TypeInfo.Absolute).
func KeepsAbsolute(name Type) bool {
	t, _ := LookupType(name)
	return t.Absolute
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
