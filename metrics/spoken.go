package metrics

import (
	"math"
	"strings"
	"time"
)

// Spoken renders v the way a person says it, for text readouts that a
// screen reader reads aloud ("3.6K" is read as "3.6 kay"):
//
//	UnitCount   0, 0.25, 722, 3.6 thousand, 1.2 million, 4 billion
//	UnitMillis  0.4 milliseconds, 42 milliseconds, 1 millisecond, 1.2 seconds
//	UnitPercent 87.5 percent, 100 percent
//
// The digits are those Format shows, so screen and speech agree.
func Spoken(v float64, u Unit) string {
	if !finite(v) {
		return "no value"
	}
	if v < 0 {
		return "minus " + Spoken(-v, u)
	}
	switch u {
	case UnitMillis:
		if math.Round(v) < 1000 {
			return plural(numberWords(v), "millisecond")
		}
		return plural(numberWords(v/1000), "second")
	case UnitPercent:
		return strings.TrimSuffix(Format(v, UnitPercent), "%") + " percent"
	case UnitSeconds:
		return Spoken(v*1000, UnitMillis)
	case UnitBytes:
		return byteWords(v, "byte")
	case UnitBitsPerSec:
		return byteWords(v, "bit") + " per second"
	case UnitBytesPerSec:
		return byteWords(v, "byte") + " per second"
	}
	return numberWords(v)
}

// spokenSuffixes name Format's K/M/G/T.
var spokenSuffixes = map[string]string{"K": " thousand", "M": " million", "G": " billion", "T": " trillion", "P": " quadrillion"}

// numberWords is formatCount with its suffix spelled out.
func numberWords(v float64) string {
	s := formatCount(v)
	if m, e, ok := strings.Cut(s, "e"); ok {
		return m + " times 10 to the " + e
	}
	if n := len(s); n > 0 {
		if word, ok := spokenSuffixes[s[n-1:]]; ok {
			return s[:n-1] + word
		}
	}
	return s
}

// byteWords says a count of bytes or bits with its prefix as a word:
// "1.5 kilobytes", "12 megabits", "1 byte".
func byteWords(v float64, unit string) string {
	s := formatCount(v)
	prefixes := map[string]string{"K": "kilo", "M": "mega", "G": "giga", "T": "tera", "P": "peta"}
	if n := len(s); n > 0 {
		if p, ok := prefixes[s[n-1:]]; ok {
			return plural(s[:n-1], p+unit)
		}
	}
	if strings.Contains(s, "e") {
		return numberWords(v) + " " + unit + "s"
	}
	return plural(s, unit)
}

// plural adds unit to a number, singular only for exactly "1".
func plural(num, unit string) string {
	if num == "1" {
		return num + " " + unit
	}
	return num + " " + unit + "s"
}

// SpokenLabel turns a panel or metric title into words: "Requests/sec"
// becomes "Requests per second", "Latency (ms)" "Latency in milliseconds",
// "Cache Hit Rate %" "Cache Hit Rate percent", "TLS & HTTP/2" "TLS and
// HTTP/2".
func SpokenLabel(title string) string {
	r := strings.NewReplacer(
		"/sec", " per second", "/s", " per second",
		"(ms)", "in milliseconds", "(s)", "in seconds", "(%)", "in percent",
		"%", " percent", " & ", " and ",
	)
	return strings.Join(strings.Fields(r.Replace(title)), " ")
}

// SpokenDuration is "60 seconds", "5 minutes", "1 hour".
func SpokenDuration(d time.Duration) string {
	s := ShortDuration(d)
	n, unit := s[:len(s)-1], s[len(s)-1:]
	word := map[string]string{"s": "second", "m": "minute", "h": "hour"}[unit]
	if n == "1" {
		return "1 " + word
	}
	return n + " " + word + "s"
}
