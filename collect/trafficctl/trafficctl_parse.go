package trafficctl

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// ctlParse is one traffic_ctl output, parsed against the names asked for.
type ctlParse struct {
	values           map[string]metrics.Sample
	bad              map[string]string // name → warning (printed, but unusable)
	recognized       int               // lines naming an accepted record
	foreign          int               // other non-empty lines
	firstForeignLine int
	firstForeign     string // quoted, sanitized excerpt
}

func (p *ctlParse) has(name string) bool { _, ok := p.values[name]; return ok }

// parseCtlLines reads `name value` lines. Lines for names in accept fill
// values (or bad, when the value is not a finite number); lines for other
// records are skipped; any other non-empty line is foreign: counted, the
// first one kept for messages. For a name printed twice the last line wins.
func parseCtlLines(out []byte, accept map[string]bool) ctlParse {
	p := ctlParse{values: make(map[string]metrics.Sample), bad: make(map[string]string)}
	lineNo := 0
	for len(out) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			line, out = out[:i], out[i+1:]
		} else {
			line, out = out, nil
		}
		name, value, hasValue := ParseTrafficCtlLine(string(line))
		if name == "" {
			continue // blank line
		}
		if !accept[name] {
			if hasValue && recordLike(name) {
				continue // another record (metric match output): not ours
			}
			p.foreign++
			if p.foreign == 1 {
				p.firstForeignLine = lineNo
				p.firstForeign = quoteExcerpt(strings.TrimSpace(string(line)))
			}
			continue
		}
		p.recognized++
		if !hasValue {
			p.bad[name] = fmt.Sprintf("no value for %s (line %d)", collect.Sanitize(name, 120), lineNo)
			delete(p.values, name)
			continue
		}
		sample, ok := ParseTrafficCtlValue(value)
		if !ok {
			p.bad[name] = fmt.Sprintf("not a number: %s = %q", collect.Sanitize(name, 120), collect.Sanitize(value, 40))
			delete(p.values, name)
			continue
		}
		p.values[name] = sample
		delete(p.bad, name)
	}
	return p
}

// quoteExcerpt quotes the start of a line for a message, sanitized.
func quoteExcerpt(s string) string {
	return strconv.Quote(collect.Sanitize(s, 60))
}

func foreignWarning(n int, first string) string {
	if n == 1 {
		return "ignored 1 unexpected line in traffic_ctl output (" + first + ")"
	}
	return fmt.Sprintf("ignored %d unexpected lines in traffic_ctl output (first at %s)", n, first)
}

// ParseTrafficCtlLine splits one line of `traffic_ctl metric get` or
// `metric match` output into the record name and the value text. Leading
// and trailing white space (including a CR) is ignored and the value is
// everything after the first run of blanks, so a STRING record's value may
// contain spaces. ok is false when there is no value; name is "" for a
// blank line.
func ParseTrafficCtlLine(line string) (name, value string, ok bool) {
	line = strings.TrimSpace(line)
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return line, "", false
	}
	return line[:i], strings.TrimSpace(line[i+1:]), true
}

// ParseTrafficCtlValue converts a value as traffic_ctl prints it. Only
// plain decimal numbers are accepted: "621", "-3", "19.827999", "1e+21".
// "nan", "inf" (what 9.x's "%f" prints for those), "", `""` (an empty
// STRING record), hex, and values beyond float64 range are not numbers.
//
// Float is set when the text has a fraction or an exponent. traffic_ctl
// prints no data type, and this is exactly the distinction that matters:
// 9.x prints FLOAT records with "%f" (always six decimals, "0.000000"),
// integers and counters with "%d", and 10.x prints its integer
// millisecond totals without a point. See the note on units in
// ParseTrafficCtlOutput.
func ParseTrafficCtlValue(v string) (metrics.Sample, bool) {
	v = strings.TrimSpace(v)
	i, digits, isFloat := 0, 0, false
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		i++
	}
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
		digits++
	}
	if i < len(v) && v[i] == '.' {
		isFloat = true
		i++
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return metrics.Sample{}, false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		isFloat = true
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		exp := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return metrics.Sample{}, false
		}
	}
	if i != len(v) {
		return metrics.Sample{}, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil { // only ErrRange can happen here: beyond float64
		return metrics.Sample{}, false
	}
	if f == 0 {
		f = 0 // no "-0" on screen
	}
	return metrics.Sample{Value: f, Float: isFloat}, true
}

// ParseTrafficCtlOutput parses the output of `traffic_ctl metric get
// NAME...` (or `metric match`) for the records keys.
//
// It returns the values of the requested keys, taking a key's value from
// its other name (RecordAliases) when the key itself is not printed, so
// the output of a 9.x host answers for 10.x names and vice versa. Lines
// for other records are ignored. Warnings name requested keys that are
// missing ("record not found: K") or whose value is not a number (STRING
// records, "nan"), and, in one warning, lines that are not records at all.
//
// Such foreign lines are tolerated as long as at least one requested
// record was printed: over SSH a login shell may print a banner ("Welcome
// to edge1") before traffic_ctl runs, and failing the whole dashboard for
// it would help nobody, while no foreign line can corrupt a value (a value
// is only ever taken from a line that starts with the requested name). But
// when nothing requested was printed and foreign lines were, the output is
// not traffic_ctl's (wrong binary, a shell error on stdout, a format
// change) and "record not found" for every key would hide that: the error
// then matches ErrMalformed and names the first such line and its number.
// Empty output is not an error: every key is simply missing.
//
// Units: values are passed through as printed, with Sample.Float set for
// fractional values. metrics.LatencyFromTotals (unit auto) takes a Float
// total as seconds and an integral one as milliseconds, which is exactly
// right here: 9.x prints transaction_totaltime.* as float seconds
// ("19.827999" → Float → ×1000 → ms) and 10.x as integer milliseconds
// ("19828" → ms). Converting to ms here instead would be scaled a second
// time by a dashboard that declares its unit as "s".
func ParseTrafficCtlOutput(out []byte, keys []string) (map[string]metrics.Sample, []string, error) {
	keys = collect.Dedupe(keys)
	accept := make(map[string]bool, len(keys))
	for _, k := range keys {
		accept[k] = true
		for _, a := range RecordAliases(k) {
			accept[a] = true
		}
	}
	p := parseCtlLines(out, accept)
	if p.recognized == 0 && p.foreign > 0 {
		return nil, nil, collect.NewError(collect.ErrMalformed, nil, "unexpected traffic_ctl output at line %d: %s (expected \"name value\" lines for the requested records)",
			p.firstForeignLine, p.firstForeign)
	}
	values := make(map[string]metrics.Sample, len(keys))
	var warnings []string
	for _, k := range keys {
		if w := lookupCtl(&p, k, values); w != "" {
			warnings = append(warnings, w)
		}
	}
	if p.foreign > 0 {
		warnings = append(warnings, foreignWarning(p.foreign, fmt.Sprintf("line %d: %s", p.firstForeignLine, p.firstForeign)))
	}
	return values, warnings, nil
}

// lookupCtl fills values[k] from k's own line or an alias's, and returns a
// warning when neither gives a number.
func lookupCtl(p *ctlParse, k string, values map[string]metrics.Sample) string {
	for _, n := range append([]string{k}, RecordAliases(k)...) {
		if v, ok := p.values[n]; ok {
			values[k] = v
			return ""
		}
		if w := p.bad[n]; w != "" {
			return w
		}
	}
	return "record not found: " + collect.Sanitize(k, 120)
}

// Record renames between Traffic Server versions. ATS 10 dropped the
// "_stat" suffix of the proxy.process.http records below: 9.2 registers
// proxy.process.http.err_connect_fail_count_stat (RecRegisterRawStat in
// HttpConfig.cc; shared/samples/ats92/ctl_match_http_after.txt), 10.x
// registers proxy.process.http.err_connect_fail_count (Metrics::Counter in
// register_stat_callbacks). These 38 are every proxy.process.http.*_stat
// record of 9.2, and all exist without the suffix in 10.x; nothing else in
// proxy.process.http was renamed. Other prefixes (proxy.process.cache.
// write_bytes_stat, proxy.process.ssl.*_stat) are left alone: unverified.
var statSuffixAliases = func() map[string]string {
	var base []string
	per := []string{"count", "origin_server_bytes", "user_agent_bytes"}
	for _, f := range []string{"client_refresh", "expired_miss", "hit", "ims_hit", "ims_miss", "miss", "refresh_hit", "refresh_miss"} {
		for _, m := range per {
			base = append(base, "tcp_"+f+"_"+m)
		}
	}
	for _, f := range []string{"client_abort", "client_read_error", "connect_fail"} {
		for _, m := range per {
			base = append(base, "err_"+f+"_"+m)
		}
	}
	base = append(base, "misc_count", "misc_user_agent_bytes", "http_misc_origin_server_bytes",
		"background_fill_bytes_aborted", "background_fill_bytes_completed")
	m := make(map[string]string, 2*len(base))
	for _, b := range base {
		ten := "proxy.process.http." + b
		m[ten] = ten + "_stat"
		m[ten+"_stat"] = ten
	}
	return m
}()

// RecordAliases returns the other names the record has on other Traffic
// Server versions (nil for most records): the 9.x name of a 10.x record
// and the other way round, e.g. proxy.process.http.err_connect_fail_count
// ↔ proxy.process.http.err_connect_fail_count_stat.
func RecordAliases(name string) []string {
	if a, ok := statSuffixAliases[name]; ok {
		return []string{a}
	}
	return nil
}
