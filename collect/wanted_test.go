package collect_test

import (
	"testing"
	"unsafe"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// An exact key's name is the key's own string (no new one each reply); any
// other name a new string of the same text. Names in the order asked are
// found by comparison, others by lookup, and each resumes the order after
// the key it found.
func TestInterner(t *testing.T) {
	keys := []string{"proxy.process.http.incoming_requests", "proxy.process.http.*_responses", "a", "b", "c"}
	w := collect.WantedKeys(keys)
	shared := map[string]string{keys[0]: keys[0], "a": keys[2], "b": keys[3], "c": keys[4]}
	in := w.Interner()
	for _, name := range []string{
		"proxy.process.http.incoming_requests", "a", "b", "c", // as asked
		"proxy.process.http.2xx_responses", // a pattern's match
		"b", "c", "a", "a",                 // out of order, and again
		"proxy.process.http.*_responses", // the pattern itself is no name
		"", "d",
	} {
		got, exact := in.Intern([]byte(name))
		if got != name {
			t.Errorf("Intern(%q) = %q", name, got)
		}
		key, want := shared[name]
		if exact != want {
			t.Errorf("Intern(%q): exact %v, want %v", name, exact, want)
		}
		if isShared := got != "" && unsafe.StringData(got) == unsafe.StringData(key); isShared != want {
			t.Errorf("Intern(%q): the key's own string %v, want %v", name, isShared, want)
		}
	}
}
