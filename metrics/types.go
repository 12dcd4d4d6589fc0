package metrics

import (
	"errors"
	"sort"
	"strconv"
)

// Unit says how a derived value is formatted.
type Unit int

const (
	UnitCount       Unit = iota // plain number with K/M/G/T suffixes (rates, gauges)
	UnitMillis                  // milliseconds, shown as ms or s
	UnitPercent                 // 0..100, shown with %
	UnitSeconds                 // seconds, shown as ms below 1 s
	UnitBytes                   // bytes, shown as B, KB, MB (powers of 1000)
	UnitBitsPerSec              // bits per second, shown as b/s, Kb/s, Mb/s
	UnitBytesPerSec             // bytes per second, shown as B/s, KB/s, MB/s
)

// unitNames are the names a dashboard's unit: takes for an expression,
// each unit's canonical name first.
var unitNames = []struct {
	unit  Unit
	names []string
}{
	{UnitCount, []string{"count", ""}},
	{UnitPercent, []string{"%", "percent"}},
	{UnitMillis, []string{"ms"}},
	{UnitSeconds, []string{"s"}},
	{UnitBytes, []string{"bytes"}},
	{UnitBitsPerSec, []string{"bits/s", "bps"}},
	{UnitBytesPerSec, []string{"bytes/s"}},
}

// ParseUnit reads a unit's name (ParseUnit("bits/s") is UnitBitsPerSec).
func ParseUnit(name string) (Unit, bool) {
	for _, u := range unitNames {
		for _, n := range u.names {
			if n == name {
				return u.unit, true
			}
		}
	}
	return 0, false
}

// UnitNames lists the canonical unit names, for messages.
func UnitNames() []string {
	out := make([]string, len(unitNames))
	for i, u := range unitNames {
		out[i] = u.names[0]
	}
	return out
}

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
	TypeExpr        Type = "expr"
)

// TypeInfo is everything known of a metric type: its registry entry.
type TypeInfo struct {
	Name Type
	// Key2 is what the second record is for ("the transaction count
	// record"); "" for types that take none. Key2IsParam says key2 is a
	// parameter, not a record (the quantile).
	Key2        string
	Key2IsParam bool
	Unit        Unit
	// Absolute says the series also keeps the record's own value, the
	// absolute count the a key shows (counters, whose value is a rate).
	Absolute bool
	// TakesUnit says unit: (the unit of key's values) applies.
	TakesUnit bool
	// Expression says the metric is an expression (MetricDef.Expr, from
	// expr: and inputs:) instead of key and key2, and that its unit: is
	// the unit of its values (ParseUnit), Unit being the default.
	Expression bool
	Help       string // one line for error messages and --help
	// New builds the derivation for a metric of this type.
	New func(d MetricDef) (Derivation, error)
}

// NeedsKey2 says whether the type reads a second record.
func (t TypeInfo) NeedsKey2() bool { return t.Key2 != "" }

// types is the registry of metric types. A new type is one entry here (and
// its derivation): config validation, the store and the screen take
// everything from it.
var types = []TypeInfo{
	{Name: TypeCounter, Unit: UnitCount, Absolute: true, Help: "rate per second of a counter",
		New: func(d MetricDef) (Derivation, error) { return &RateFromCounter{Key: d.Key}, nil }},
	{Name: TypeGauge, Unit: UnitCount, Help: "current value",
		New: func(d MetricDef) (Derivation, error) { return &GaugeValue{Key: d.Key}, nil }},
	{Name: TypeLatency, Key2: "the transaction count record", Unit: UnitMillis, TakesUnit: true,
		Help: "Δkey (total time) / Δkey2 (count), in ms", New: newLatency},
	{Name: TypeHitRate, Key2: "the misses record", Unit: UnitPercent, Help: "Δkey (hits) / (Δkey + Δkey2 (misses)) × 100",
		New: func(d MetricDef) (Derivation, error) {
			return &HitRateFromCounters{HitsKey: d.Key, MissesKey: d.Key2}, nil
		}},
	{Name: TypeQuantile, Key2: `the quantile, between 0 and 1, e.g. "0.99" for p99`, Key2IsParam: true, Unit: UnitCount,
		Help: "key2-quantile (0.99 for p99) of a Prometheus histogram's observations in each interval",
		New:  func(d MetricDef) (Derivation, error) { return newQuantile(d.Key, d.Key2) }},
	{Name: TypeUsedPercent, Key2: "the total (key is what is available)", Unit: UnitPercent,
		Help: "100 × (1 − key (available) / key2 (total)), of two gauges",
		New: func(d MetricDef) (Derivation, error) {
			return &UsedPercent{AvailKey: d.Key, TotalKey: d.Key2}, nil
		}},
	{Name: TypeExpr, Unit: UnitCount, Expression: true,
		Help: `an expression over records, e.g. "rate(errors) / rate(requests) * 100" (see README: Expressions)`,
		New: func(d MetricDef) (Derivation, error) {
			if d.Expr == nil {
				return nil, errors.New("expr: no expression")
			}
			return d.Expr.New(), nil
		}},
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
	case UnitSeconds:
		return "s"
	case UnitBytes:
		return "bytes"
	case UnitBitsPerSec:
		return "bits_per_second"
	case UnitBytesPerSec:
		return "bytes_per_second"
	}
	return "Unit(" + strconv.Itoa(int(u)) + ")"
}
