package metrics

import (
	"math"
	"testing"
)

func at2(avail, total float64) map[string]Sample {
	return map[string]Sample{"a": {Value: avail}, "t": {Value: total}}
}

func TestUsedPercent(t *testing.T) {
	run(t, &UsedPercent{AvailKey: "a", TotalKey: "t"}, []obs{
		is(0, at2(25, 100), 75),
		is(1, at2(100, 100), 0),
		is(2, at2(0, 100), 100),
		no(3, at2(0, 0)),            // no swap configured
		no(4, at2(5, -1)),           // nonsense total
		is(5, at2(120, 100), 0),     // resizing: clamped
		no(6, at2(math.NaN(), 100)), // unusable value
		no(7, map[string]Sample{"a": {Value: 1}}),
		is(7, at2(1, 4), 75), // no baseline: same time is fine
		no(8, at2(1, math.Inf(1))),
		no(9, at2(-math.MaxFloat64, math.SmallestNonzeroFloat64)), // overflows
	})
	d, err := NewDerivation("used_percent", "a", "t", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.(*UsedPercent); !ok {
		t.Errorf("NewDerivation gave %T", d)
	}
	if info, _ := LookupType("used_percent"); info.Unit != UnitPercent || !info.NeedsKey2() {
		t.Errorf("kind: %+v", info)
	}
}
