package simulator

import "math"

// The records of the built-in pages beyond the original four (every
// figure traffic_top shows), each growing with one of the quantities a
// step of the traffic model produces, in a proportion that keeps the
// real server's relations: methods and status codes add up to the
// requests, milestones come in their order within a transaction, cache
// operations follow lookups, TLS versions add up to the handshakes.

// event is a quantity a step produces.
type event int

const (
	evReq              event = iota // client requests
	evOrigin                        // origin requests
	evHitFresh                      // fresh hits
	evHitReval                      // revalidated hits
	evMissCold                      // cold misses
	evMissChanged                   // changed misses
	evMissNoCache                   // client no-cache misses
	evMissNotCacheable              // not cacheable misses
	evNewConns                      // new client connections
	evHandshakes                    // successful TLS handshakes in
	evH2Conns                       // new HTTP/2 connections
	evLatMs                         // request × its latency, ms
	evRevalMs                       // revalidated hits × their latency
	evChangedMs                     // changed misses × theirs
	evNoCacheMs                     // no-cache misses × theirs
	evNotCacheableMs                // not cacheable misses × theirs
	evBurst                         // requests × the error burst (0..1)
	numEvents
)

// extraCounter is a counter growing by per for each of its event.
type extraCounter struct {
	name string
	dt   dataType
	on   event
	per  float64
}

var extraCounters = []extraCounter{
	{"proxy.process.http.get_requests", dtCounter, evReq, 0.905},
	{"proxy.process.http.head_requests", dtCounter, evReq, 0.03},
	{"proxy.process.http.post_requests", dtCounter, evReq, 0.05},
	{"proxy.process.http.put_requests", dtCounter, evReq, 0.004},
	{"proxy.process.http.delete_requests", dtCounter, evReq, 0.001},
	{"proxy.process.http.options_requests", dtCounter, evReq, 0.007},
	{"proxy.process.http.purge_requests", dtCounter, evReq, 0.0005},
	{"proxy.process.http.connect_requests", dtCounter, evReq, 0.0025},
	{"proxy.process.http.1xx_responses", dtCounter, evReq, 0.0002},
	{"proxy.process.http.206_responses", dtCounter, evReq, 0.012},
	{"proxy.process.http.301_responses", dtCounter, evReq, 0.004},
	{"proxy.process.http.302_responses", dtCounter, evReq, 0.003},
	{"proxy.process.http.400_responses", dtCounter, evReq, 0.0015},
	{"proxy.process.http.403_responses", dtCounter, evReq, 0.002},
	{"proxy.process.http.500_responses", dtCounter, evReq, 0.0001},
	{"proxy.process.http.504_responses", dtCounter, evBurst, 0.002},
	{"proxy.process.http.transaction_counts.hit_revalidated", dtCounter, evHitReval, 1},
	{"proxy.process.http.transaction_counts.miss_changed", dtCounter, evMissChanged, 1},
	{"proxy.process.http.transaction_counts.miss_client_no_cache", dtCounter, evMissNoCache, 1},
	{"proxy.process.http.transaction_counts.miss_not_cacheable", dtCounter, evMissNotCacheable, 1},
	{"proxy.process.http.transaction_totaltime.hit_revalidated", dtCounter, evRevalMs, 1},
	{"proxy.process.http.transaction_totaltime.miss_changed", dtCounter, evChangedMs, 1},
	{"proxy.process.http.transaction_totaltime.miss_client_no_cache", dtCounter, evNoCacheMs, 1},
	{"proxy.process.http.transaction_totaltime.miss_not_cacheable", dtCounter, evNotCacheableMs, 1},
	{"proxy.process.http.transaction_counts.errors.connect_failed", dtCounter, evOrigin, 0.0003},
	{"proxy.process.http.transaction_counts.errors.possible_aborts", dtCounter, evReq, 0.0004},
	{"proxy.process.http.transaction_counts.errors.pre_accept_hangups", dtCounter, evNewConns, 0.002},
	{"proxy.process.http.transaction_counts.errors.other", dtCounter, evReq, 0.0001},
	{"proxy.process.http.err_client_abort_count", dtCounter, evReq, 0.0012},
	{"proxy.process.http.err_client_read_error_count", dtCounter, evReq, 0.0002},
	{"proxy.process.http.broken_server_connections", dtCounter, evOrigin, 0.0004},
	{"proxy.process.http.cache_read_errors", dtCounter, evReq, 0.00002},
	{"proxy.process.http.cache_write_errors", dtCounter, evMissCold, 0.0001},
	{"proxy.process.http.post_body_too_large", dtCounter, evReq, 0.00001},
	// Each milestone sums the ms from the transaction's start to it; in
	// the order a transaction reaches them.
	{"proxy.process.http.milestone.ua_read_header_done", dtCounter, evLatMs, 0.01},
	{"proxy.process.http.milestone.cache_open_read_end", dtCounter, evLatMs, 0.03},
	{"proxy.process.http.milestone.dns_lookup_end", dtCounter, evLatMs, 0.05},
	{"proxy.process.http.milestone.server_connect_end", dtCounter, evLatMs, 0.12},
	{"proxy.process.http.milestone.server_first_read", dtCounter, evLatMs, 0.45},
	{"proxy.process.http.milestone.server_read_header_done", dtCounter, evLatMs, 0.5},
	{"proxy.process.http.milestone.ua_begin_write", dtCounter, evLatMs, 0.55},
	{"proxy.process.http.milestone.ua_close", dtCounter, evLatMs, 0.97},
	{"proxy.process.http.milestone.sm_finish", dtCounter, evLatMs, 1},
	{"proxy.process.http.total_transactions_time", dtCounter, evLatMs, 1},
	// HTTP's cache lookups are open_reads: a hit is a read, a miss a read
	// failure (a real 10.2's cache.lookup.* stay 0 under HTTP traffic).
	{"proxy.process.http.cache_lookups", dtCounter, evReq, 0.97},
	{"proxy.process.cache.read.success", dtCounter, evReq, 0.97 * 0.85},
	{"proxy.process.cache.read.failure", dtCounter, evReq, 0.97 * 0.15},
	{"proxy.process.http.cache_writes", dtCounter, evMissCold, 0.96},
	{"proxy.process.cache.write.success", dtCounter, evMissCold, 0.96},
	{"proxy.process.cache.write.failure", dtCounter, evMissCold, 0.002},
	{"proxy.process.http.cache_updates", dtCounter, evHitReval, 0.4},
	{"proxy.process.http.cache_deletes", dtCounter, evMissChanged, 0.5},
	{"proxy.process.cache.ram_cache.hits", dtCounter, evHitFresh, 0.62},
	{"proxy.process.cache.ram_cache.misses", dtCounter, evHitFresh, 0.4},
	{"proxy.process.hostdb.total_lookups", dtCounter, evOrigin, 1},
	{"proxy.process.hostdb.total_hits", dtCounter, evOrigin, 0.985},
	{"proxy.process.hostdb.total_serve_stale", dtCounter, evOrigin, 0.0008},
	{"proxy.process.hostdb.ttl_expires", dtCounter, evOrigin, 0.012},
	{"proxy.process.dns.total_dns_lookups", dtCounter, evOrigin, 0.015},
	{"proxy.process.dns.lookup_successes", dtCounter, evOrigin, 0.0149},
	{"proxy.process.dns.lookup_failures", dtCounter, evOrigin, 0.0001},
	{"proxy.process.dns.retries", dtCounter, evOrigin, 0.0004},
	{"proxy.process.dns.max_retries_exceeded", dtCounter, evOrigin, 0.00005},
	{"proxy.process.net.dynamic_keep_alive_timeout_in_count", dtCounter, evNewConns, 0.3},
	{"proxy.process.net.connections_throttled_in", dtCounter, evBurst, 0.0005},
	{"proxy.process.net.connections_throttled_out", dtCounter, evBurst, 0.0002},
	{"proxy.process.ssl.total_attempts_handshake_count_in", dtCounter, evHandshakes, 1.004},
	{"proxy.process.ssl.total_success_handshake_count_out", dtCounter, evOrigin, 0.04},
	{"proxy.process.ssl.ssl_error_syscall", dtCounter, evHandshakes, 0.001},
	{"proxy.process.ssl.user_agent_no_shared_cipher", dtCounter, evHandshakes, 0.0004},
	{"proxy.process.ssl.user_agent_version_too_low", dtCounter, evHandshakes, 0.0003},
	{"proxy.process.ssl.user_agent_version_too_high", dtCounter, evHandshakes, 0.00002},
	{"proxy.process.ssl.user_agent_bad_cert", dtCounter, evHandshakes, 0.00005},
	{"proxy.process.ssl.user_agent_unknown_ca", dtCounter, evHandshakes, 0.00005},
	{"proxy.process.ssl.user_agent_decryption_failed", dtCounter, evHandshakes, 0.0001},
	{"proxy.process.ssl.user_agent_http_request", dtCounter, evHandshakes, 0.0002},
	{"proxy.process.ssl.user_agent_other_errors", dtCounter, evHandshakes, 0.0001},
	{"proxy.process.ssl.ssl_session_cache_hit", dtCounter, evHandshakes, 0.3},
	{"proxy.process.ssl.ssl_session_cache_miss", dtCounter, evHandshakes, 0.05},
	{"proxy.process.ssl.ssl_session_cache_eviction", dtCounter, evHandshakes, 0.01},
	{"proxy.process.ssl.total_tickets_verified", dtCounter, evHandshakes, 0.05},
	{"proxy.process.ssl.ssl_total_tlsv13", dtCounter, evHandshakes, 0.81},
	{"proxy.process.ssl.ssl_total_tlsv12", dtCounter, evHandshakes, 0.185},
	{"proxy.process.ssl.ssl_total_tlsv11", dtCounter, evHandshakes, 0.003},
	{"proxy.process.ssl.ssl_total_tlsv1", dtCounter, evHandshakes, 0.002},
	{"proxy.process.ssl.origin_server_cert_verify_failed", dtCounter, evOrigin, 0.00004},
	{"proxy.process.ssl.origin_server_expired_cert", dtCounter, evOrigin, 0.00001},
	{"proxy.process.ssl.origin_server_unknown_ca", dtCounter, evOrigin, 0.00001},
	{"proxy.process.ssl.origin_server_bad_cert", dtCounter, evOrigin, 0.000005},
	{"proxy.process.ssl.origin_server_revoked_cert", dtCounter, evOrigin, 0.000002},
	{"proxy.process.ssl.origin_server_wrong_version", dtCounter, evOrigin, 0.000005},
	{"proxy.process.ssl.origin_server_other_errors", dtCounter, evOrigin, 0.00002},
	{"proxy.process.http2.total_client_streams", dtCounter, evH2Conns, 14},
	{"proxy.process.http2.total_server_streams", dtCounter, evOrigin, 0.02},
	{"proxy.process.http2.stream_errors", dtCounter, evH2Conns, 0.02},
	{"proxy.process.http2.session_die_error", dtCounter, evH2Conns, 0.001},
	{"proxy.process.http2.session_die_high_error_rate", dtCounter, evBurst, 0.00005},
	{"proxy.process.http2.max_concurrent_streams_exceeded_in", dtCounter, evH2Conns, 0.0005},
	{"proxy.process.http2.max_rst_stream_frames_per_minute_exceeded", dtCounter, evBurst, 0.00002},
	{"proxy.process.http2.max_settings_frames_per_minute_exceeded", dtCounter, evBurst, 0.00001},
	{"proxy.process.http2.max_ping_frames_per_minute_exceeded", dtCounter, evBurst, 0.00001},
	{"proxy.process.http2.data_frames_in", dtCounter, evH2Conns, 20},
	{"proxy.process.http2.headers_frames_in", dtCounter, evH2Conns, 14},
	{"proxy.process.http2.rst_stream_frames_in", dtCounter, evH2Conns, 0.6},
	{"proxy.process.http2.settings_frames_in", dtCounter, evH2Conns, 2},
	{"proxy.process.http2.ping_frames_in", dtCounter, evH2Conns, 0.5},
	{"proxy.process.http2.window_update_frames_in", dtCounter, evH2Conns, 6},
	{"proxy.process.http2.goaway_frames_in", dtCounter, evH2Conns, 0.7},
}

func init() {
	extraCounters = append(extraCounters, familyCounters()...)
	extraGauges = append(extraGauges, familyGauges()...)
}

// gaugeInputs are what the extra gauges are computed from.
type gaugeInputs struct {
	client, server, h2 float64 // open client, origin and HTTP/2 connections
	tr                 traffic
	cacheUsed, objSize float64
}

// extraGauge is a gauge evaluated from the traffic at request time.
type extraGauge struct {
	name string
	v    func(g gaugeInputs) float64
}

// simRAMCacheBytes is the simulated RAM cache size.
const simRAMCacheBytes = 4 << 30

var extraGauges = []extraGauge{
	{"proxy.process.http.current_active_client_connections", func(g gaugeInputs) float64 { return g.client * 0.42 }},
	{"proxy.process.http.current_client_transactions", func(g gaugeInputs) float64 { return g.client * 0.38 }},
	{"proxy.process.http.current_server_transactions", func(g gaugeInputs) float64 { return g.server * 0.85 }},
	{"proxy.process.http.current_cache_connections", func(g gaugeInputs) float64 { return g.client * 0.03 }},
	{"proxy.process.http2.current_client_streams", func(g gaugeInputs) float64 { return g.h2 * 1.6 }},
	{"proxy.process.cache.read.active", func(g gaugeInputs) float64 { return math.Max(1, g.tr.rate*g.tr.hit*0.004) }},
	{"proxy.process.cache.write.active", func(g gaugeInputs) float64 { return math.Max(1, g.tr.rate*(1-g.tr.hit)*0.02) }},
	{"proxy.process.dns.in_flight", func(g gaugeInputs) float64 { return 1 + g.tr.rate*(1-g.tr.hit)*0.002 }},
	{"proxy.process.cache.direntries.used", func(g gaugeInputs) float64 { return g.cacheUsed / g.objSize }},
	{"proxy.process.cache.ram_cache.total_bytes", func(gaugeInputs) float64 { return simRAMCacheBytes }},
	{"proxy.process.cache.ram_cache.bytes_used", func(g gaugeInputs) float64 { return simRAMCacheBytes * (0.93 + 0.02*g.tr.load) }},
}

// stepExtras grows the extra counters by one step's events.
func stepExtras(c []float64, ev *[numEvents]float64) {
	for i, x := range extraCounters {
		c[numRaw+i] += ev[x.on] * x.per
	}
}

// extraRecords are the records of extraCounters and extraGauges, listed
// after the others.
func extraRecords() []recDef {
	var records []recDef
	for i, x := range extraCounters {
		records = append(records, recDef{name: x.name, dt: x.dt, kind: kRaw, idx: numRaw + i, appear: appearAfter(x.name)})
	}
	for i, x := range extraGauges {
		records = append(records, recDef{name: x.name, dt: dtInt, kind: kGauge, idx: numGauges + i, appear: appearAfter(x.name)})
	}
	return records
}
