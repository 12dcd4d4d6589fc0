// Package synth makes plausible Traffic Server data for tests of what is
// drawn and reported: every record of the built-in ATS dashboard, host h
// serving (h+1) × 1000 requests/s with a 85 % hit rate, gauges moving in
// a ten-tick wave so charts are not flat.
package synth

import (
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Snapshot is host h's records at tick (counters grow linearly with it),
// taken at at.
func Snapshot(h, tick int, at time.Time) metrics.Snapshot {
	k := float64(tick)
	scale := float64(h + 1)
	wave := float64(tick%10) * 10 // gauges move so charts are not flat
	v := map[string]float64{
		"proxy.process.http.incoming_requests":               1000 * scale * k,
		"proxy.process.http.outgoing_requests":               150 * scale * k,
		"proxy.process.http.transaction_totaltime.hit_fresh": 2 * 850 * scale * k,
		"proxy.process.http.transaction_counts.hit_fresh":    850 * scale * k,
		"proxy.process.http.transaction_totaltime.miss_cold": 45 * 150 * scale * k,
		"proxy.process.http.transaction_counts.miss_cold":    150 * scale * k,
		// The other results, which the hit rate also counts, never happen.
		"proxy.process.http.transaction_counts.hit_revalidated":      0,
		"proxy.process.http.transaction_counts.miss_changed":         0,
		"proxy.process.http.transaction_counts.miss_client_no_cache": 0,
		"proxy.process.http.transaction_counts.miss_not_cacheable":   0,
		"proxy.process.cache_total_hits":                             850 * scale * k,
		"proxy.process.cache_total_misses":                           150 * scale * k,
		"proxy.process.http.current_client_connections":              500*scale + wave,
		"proxy.process.http.current_server_connections":              100*scale + wave,
		"proxy.process.http.2xx_responses":                           900 * scale * k,
		"proxy.process.http.3xx_responses":                           50 * scale * k,
		"proxy.process.http.4xx_responses":                           40 * scale * k,
		"proxy.process.http.5xx_responses":                           10 * scale * k,
		"proxy.process.ssl.total_success_handshake_count_in":         30 * scale * k,
		"proxy.process.ssl.ssl_error_ssl":                            scale * k,
		"proxy.process.ssl.user_agent_sessions":                      30 * scale * k, // a running count, as ATS keeps it
		"proxy.process.ssl.user_agent_session_hit":                   10 * scale * k,
		"proxy.process.http2.total_client_connections":               20 * scale * k,
		"proxy.process.http2.current_client_connections":             200*scale + wave,
		"proxy.process.http2.connection_errors":                      0,
		"proxy.process.http.user_agent_total_request_bytes":          300e3 * scale * k,
		"proxy.process.http.user_agent_total_response_bytes":         20e6 * scale * k,
		"proxy.process.http.origin_server_total_response_bytes":      3e6 * scale * k,
		"proxy.process.http.origin_server_total_request_bytes":       50e3 * scale * k,
		"proxy.process.http.err_connect_fail_count":                  2 * scale * k,
		"proxy.process.http.transaction_counts.errors.aborts":        5 * scale * k,
	}
	s := metrics.Snapshot{Time: at, Values: map[string]metrics.Sample{}}
	for key, val := range v {
		s.Values[key] = metrics.Sample{Value: val}
	}
	return s
}
