package all_test

import (
	"slices"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/collect"
	_ "github.com/traffic-grapher/traffic_grapher/collect/all"
)

// TestEveryKindRegistered: importing all is what gives the program its
// sources; each kind says which pages it shows and how to write it.
func TestEveryKindRegistered(t *testing.T) {
	want := map[string]string{"demo": "ats", "jsonrpc": "ats", "traffic_ctl": "ats", "stats": "ats", "prom": "node", "promql": "node-promql"}
	for name, pages := range want {
		k, ok := collect.LookupKind(name)
		if !ok || k.Describe == "" || k.Pages != pages {
			t.Errorf("kind %s: %+v registered=%v, want pages %q and a description", name, k, ok, pages)
		}
	}
	if got := collect.KindNames(); len(got) != len(want) || !slices.IsSorted(got) {
		t.Errorf("KindNames() = %v, want the %d kinds above, sorted", got, len(want))
	}
}
