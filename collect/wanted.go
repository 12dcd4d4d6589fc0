package collect

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Wanted is what a Fetch's keys ask for: exact record names, and patterns
// with a wildcard (metrics.Pattern) whose every match is wanted. A source
// that reads every record anyway (stats_over_http, a scrape) keeps those
// Has accepts; one that asks the server for names sends Exact and, as its
// protocol allows, the patterns.
type Wanted struct {
	exact    []string
	set      map[string]string // each exact name to itself (Intern)
	patterns []metrics.Pattern
}

// WantedKeys sorts keys into exact names and patterns (duplicates and
// empty keys dropped; a key with more than one wildcard is an exact name,
// which no record has: the dashboard check reports it).
func WantedKeys(keys []string) Wanted {
	w := Wanted{set: make(map[string]string, len(keys))}
	for _, k := range Dedupe(keys) {
		if p, err := metrics.ParsePattern(k); err == nil {
			w.patterns = append(w.patterns, p)
			continue
		}
		w.exact = append(w.exact, k)
		w.set[k] = k
	}
	return w
}

// Exact are the exact names, in the keys' order.
func (w Wanted) Exact() []string { return w.exact }

// Patterns are the patterns, in the keys' order.
func (w Wanted) Patterns() []metrics.Pattern { return w.patterns }

// Has says whether a record of this name is wanted.
func (w Wanted) Has(name string) bool {
	if _, ok := w.set[name]; ok {
		return true
	}
	return w.Matches(name)
}

// Intern is name as a string: the exact key it equals, when it is one
// (shared, not made anew: a reply names every record it answers, every
// tick), else a new string; exact says which, so that a reply's reader
// need not look the name up again to know it was asked for.
func (w Wanted) Intern(name []byte) (s string, exact bool) {
	if k, ok := w.set[string(name)]; ok {
		return k, true
	}
	return string(name), false
}

// Matches says whether name matches one of the patterns.
func (w Wanted) Matches(name string) bool {
	for _, p := range w.patterns {
		if _, ok := p.Match(name); ok {
			return true
		}
	}
	return false
}

// PatternRegex is p as a regular expression of the names it matches,
// anchored: its literal parts quoted, the wildcard one or more of any
// character.
func PatternRegex(p metrics.Pattern) string {
	return regexp.QuoteMeta(p.Prefix()) + ".+" + regexp.QuoteMeta(p.Suffix())
}

// StringRecords are the STRING records of a real ATS 10.2 (the shared
// samples' census): the version records. Released 10.2.0 crashes when a
// regular-expression lookup matches one (an uninitialised record in
// RecLookupMatchingRecords), so a pattern that can match one is never sent
// to a JSON-RPC server or traffic_ctl.
var StringRecords = []string{
	"proxy.process.version.server.build_date", "proxy.process.version.server.build_machine",
	"proxy.process.version.server.build_number", "proxy.process.version.server.build_person",
	"proxy.process.version.server.build_time", "proxy.process.version.server.long",
	"proxy.process.version.server.short", "proxy.process.version.server.uuid",
}

// MayMatchStringRecord says whether p may match a STRING record: one of
// StringRecords, compared without case as ATS compares, or any name under
// proxy.process.version. (where a later release may add more).
func MayMatchStringRecord(p metrics.Pattern) bool {
	lower := metrics.Pattern{}
	if lp, err := metrics.ParsePattern(strings.ToLower(p.String())); err == nil {
		lower = lp
	}
	for _, n := range StringRecords {
		if _, ok := lower.Match(n); ok {
			return true
		}
	}
	const version = "proxy.process.version."
	pre := strings.ToLower(p.Prefix())
	return strings.HasPrefix(pre, version) || strings.HasPrefix(version, pre)
}

// SafeKeys leaves out the patterns that may match a STRING record
// (MayMatchStringRecord), for sources that send patterns to ATS as regular
// expressions: a lookup matching one crashes released ATS 10.2.0. Each one
// left out is a warning that says why.
func SafeKeys(keys []string) (safe, warnings []string) {
	safe = keys[:0:0]
	for _, k := range keys {
		if p, err := metrics.ParsePattern(k); err == nil && MayMatchStringRecord(p) {
			warnings = append(warnings, fmt.Sprintf("%s: not asked for: it may match proxy.process.version.* STRING records, and a lookup matching one crashes Traffic Server 10.2.0; make the part before the * longer", Sanitize(k, 120)))
			continue
		}
		safe = append(safe, k)
	}
	return safe, warnings
}
