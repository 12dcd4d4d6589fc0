package collect_test

import (
	"testing"
	"unsafe"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// An exact key's name is the key's own string (no new one each reply); any
// other name a new string of the same text. exact says which is which.
func TestWantedIntern(t *testing.T) {
	keys := []string{"proxy.process.http.incoming_requests", "proxy.process.http.*_responses"}
	w := collect.WantedKeys(keys)
	for _, c := range []struct {
		name  string
		exact bool
	}{
		{"proxy.process.http.incoming_requests", true},
		{"proxy.process.http.2xx_responses", false}, // a pattern's match
		{"proxy.process.http.*_responses", false},   // the pattern itself is no name
		{"", false},
	} {
		got, exact := w.Intern([]byte(c.name))
		if got != c.name || exact != c.exact {
			t.Errorf("Intern(%q) = %q, %v; want exact %v", c.name, got, exact, c.exact)
		}
		if shared := got != "" && unsafe.StringData(got) == unsafe.StringData(keys[0]); shared != c.exact {
			t.Errorf("Intern(%q): the key's own string %v, want %v", c.name, shared, c.exact)
		}
	}
}
