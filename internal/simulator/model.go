package simulator

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// dataType is a record's value type as ATS 10.2 reports it: the JSON
// "record_type" field carries the RecDataT number, "data_type" its name.
type dataType int

const (
	dtInt     dataType = 1
	dtFloat   dataType = 2
	dtString  dataType = 3
	dtCounter dataType = 4
)

func (d dataType) name() string {
	switch d {
	case dtInt:
		return "INT"
	case dtFloat:
		return "FLOAT"
	case dtString:
		return "STRING"
	case dtCounter:
		return "COUNTER"
	}
	return "NULL"
}

// Record classes (RecT): what rec_types filters on.
const (
	rectConfig  = 1
	rectProcess = 2
	rectPlugin  = 32
	rectAll     = 63
)

// kind says where a record's value comes from.
type kind int

const (
	kRaw     kind = iota // counter integrated from the traffic model, always current
	kGauge               // evaluated from the traffic model at the time of the request
	kDerived             // sum of other records, recomputed only at each sync
	kConst               // fixed value (strings, sizes)
	kConfig              // configuration record (class 1, config_meta)
)

// recDef is one record of the simulated server.
type recDef struct {
	name  string
	dt    dataType
	kind  kind
	idx   int      // index into model.raw / model.derived / gauge id
	parts []string // kDerived: the records summed
	value string   // kConst, kConfig
	def   string   // kConfig: default_value
	order int      // kConfig: the "order" field
	// appear is how long after a start the record exists (families.go);
	// 0: always.
	appear time.Duration
}

// Raw counters, integrated continuously.
const (
	cIncoming = iota
	cOutgoing
	cCompleted
	cIncomingResponses
	cHitFresh
	cHitReval
	cHitIMS
	cHitStale
	cMissCold
	cMissChanged
	cMissNoCache
	cMissIMS
	cMissNotCacheable
	cTxCountHitFresh
	cTxTimeHitFresh
	cTxCountMissCold
	cTxTimeMissCold
	cTxCountAborts
	cTxTimeAborts
	c2xx
	c3xx
	c4xx
	c5xx
	c200
	c304
	c404
	c502
	c503
	cConnectFail
	cUAReqHdr
	cUAReqDoc
	cUARespHdr
	cUARespDoc
	cOSReqHdr
	cOSReqDoc
	cOSRespHdr
	cOSRespDoc
	cParentReq
	cParentResp
	cTCPHit
	cTCPRefreshHit
	cTCPIMSHit
	cTCPMiss
	cTCPExpiredMiss
	cTCPRefreshMiss
	cTCPIMSMiss
	cTotalClientConns
	cTotalClientConnsV4
	cTotalClientConnsV6
	cTotalClientConnsUDS
	cTotalServerConns
	cSSLSuccessIn
	cSSLErrorSSL
	cH2TotalClientConns
	cH2ConnErrors
	cSSLSessions
	cSSLSessionHit
	cSSLSessionMiss
	numRaw
)

// Gauges, evaluated at request time.
const (
	gClientConns = iota
	gServerConns
	gParentConns
	gNetOpen
	gH2Current
	gH2Active
	gCacheUsed
	numGauges
)

// maxGap bounds how much time one advance simulates.
const maxGap = time.Hour

// Lower bounds of Options.SyncEvery and Options.ResetEvery, which keep the
// work per simulated hour bounded.
const (
	minSyncEvery  = 10 * time.Millisecond
	minResetEvery = time.Second
)

// simCacheBytes is the simulated cache size (proxy.process.cache.bytes_total).
const simCacheBytes = 256 << 30

const (
	versionShort = "10.2.0"
	versionLong  = "Apache Traffic Server - traffic_server - 10.2.0 - (build # simulator)"
)

// records is the simulated record set, in the order the server lists them
// (ATS lists in registration order; the relative order of the records seen
// in the captures is kept). It holds every key of pages/default.yaml plus
// the records those are derived from and a few others (strings, config).
var records = []recDef{
	{name: "proxy.process.http.cache_hit_fresh", dt: dtCounter, kind: kRaw, idx: cHitFresh},
	{name: "proxy.process.http.cache_hit_revalidated", dt: dtCounter, kind: kRaw, idx: cHitReval},
	{name: "proxy.process.http.cache_hit_ims", dt: dtCounter, kind: kRaw, idx: cHitIMS},
	{name: "proxy.process.http.cache_hit_stale_served", dt: dtCounter, kind: kRaw, idx: cHitStale},
	{name: "proxy.process.http.cache_miss_cold", dt: dtCounter, kind: kRaw, idx: cMissCold},
	{name: "proxy.process.http.cache_miss_changed", dt: dtCounter, kind: kRaw, idx: cMissChanged},
	{name: "proxy.process.http.cache_miss_client_no_cache", dt: dtCounter, kind: kRaw, idx: cMissNoCache},
	{name: "proxy.process.http.cache_miss_ims", dt: dtCounter, kind: kRaw, idx: cMissIMS},
	{name: "proxy.process.http.cache_miss_client_not_cacheable", dt: dtCounter, kind: kRaw, idx: cMissNotCacheable},
	{name: "proxy.process.http.completed_requests", dt: dtCounter, kind: kRaw, idx: cCompleted},
	{name: "proxy.process.http.current_client_connections", dt: dtInt, kind: kGauge, idx: gClientConns},
	{name: "proxy.process.http.current_server_connections", dt: dtInt, kind: kGauge, idx: gServerConns},
	{name: "proxy.process.http.current_parent_proxy_connections", dt: dtInt, kind: kGauge, idx: gParentConns},
	{name: "proxy.process.http.incoming_requests", dt: dtCounter, kind: kRaw, idx: cIncoming},
	{name: "proxy.process.http.incoming_responses", dt: dtCounter, kind: kRaw, idx: cIncomingResponses},
	{name: "proxy.process.http.outgoing_requests", dt: dtCounter, kind: kRaw, idx: cOutgoing},
	{name: "proxy.process.http.200_responses", dt: dtCounter, kind: kRaw, idx: c200},
	{name: "proxy.process.http.2xx_responses", dt: dtCounter, kind: kRaw, idx: c2xx},
	{name: "proxy.process.http.304_responses", dt: dtCounter, kind: kRaw, idx: c304},
	{name: "proxy.process.http.3xx_responses", dt: dtCounter, kind: kRaw, idx: c3xx},
	{name: "proxy.process.http.404_responses", dt: dtCounter, kind: kRaw, idx: c404},
	{name: "proxy.process.http.4xx_responses", dt: dtCounter, kind: kRaw, idx: c4xx},
	{name: "proxy.process.http.502_responses", dt: dtCounter, kind: kRaw, idx: c502},
	{name: "proxy.process.http.503_responses", dt: dtCounter, kind: kRaw, idx: c503},
	{name: "proxy.process.http.5xx_responses", dt: dtCounter, kind: kRaw, idx: c5xx},
	{name: "proxy.process.http.transaction_counts.hit_fresh", dt: dtCounter, kind: kRaw, idx: cTxCountHitFresh},
	{name: "proxy.process.http.transaction_totaltime.hit_fresh", dt: dtCounter, kind: kRaw, idx: cTxTimeHitFresh},
	{name: "proxy.process.http.transaction_counts.miss_cold", dt: dtCounter, kind: kRaw, idx: cTxCountMissCold},
	{name: "proxy.process.http.transaction_totaltime.miss_cold", dt: dtCounter, kind: kRaw, idx: cTxTimeMissCold},
	{name: "proxy.process.http.transaction_counts.errors.aborts", dt: dtCounter, kind: kRaw, idx: cTxCountAborts},
	{name: "proxy.process.http.transaction_totaltime.errors.aborts", dt: dtCounter, kind: kRaw, idx: cTxTimeAborts},
	{name: "proxy.process.http.err_connect_fail_count", dt: dtCounter, kind: kRaw, idx: cConnectFail},
	{name: "proxy.process.http.total_client_connections", dt: dtCounter, kind: kRaw, idx: cTotalClientConns},
	{name: "proxy.process.http.total_client_connections_ipv4", dt: dtCounter, kind: kRaw, idx: cTotalClientConnsV4},
	{name: "proxy.process.http.total_client_connections_ipv6", dt: dtCounter, kind: kRaw, idx: cTotalClientConnsV6},
	{name: "proxy.process.http.total_client_connections_uds", dt: dtCounter, kind: kRaw, idx: cTotalClientConnsUDS},
	{name: "proxy.process.http.total_server_connections", dt: dtCounter, kind: kRaw, idx: cTotalServerConns},
	{name: "proxy.process.http.user_agent_request_header_total_size", dt: dtCounter, kind: kRaw, idx: cUAReqHdr},
	{name: "proxy.process.http.user_agent_request_document_total_size", dt: dtCounter, kind: kRaw, idx: cUAReqDoc},
	{name: "proxy.process.http.user_agent_response_header_total_size", dt: dtCounter, kind: kRaw, idx: cUARespHdr},
	{name: "proxy.process.http.user_agent_response_document_total_size", dt: dtCounter, kind: kRaw, idx: cUARespDoc},
	{name: "proxy.process.http.origin_server_request_header_total_size", dt: dtCounter, kind: kRaw, idx: cOSReqHdr},
	{name: "proxy.process.http.origin_server_request_document_total_size", dt: dtCounter, kind: kRaw, idx: cOSReqDoc},
	{name: "proxy.process.http.origin_server_response_header_total_size", dt: dtCounter, kind: kRaw, idx: cOSRespHdr},
	{name: "proxy.process.http.origin_server_response_document_total_size", dt: dtCounter, kind: kRaw, idx: cOSRespDoc},
	{name: "proxy.process.http.parent_proxy_request_total_bytes", dt: dtCounter, kind: kRaw, idx: cParentReq},
	{name: "proxy.process.http.parent_proxy_response_total_bytes", dt: dtCounter, kind: kRaw, idx: cParentResp},
	{name: "proxy.process.http.tcp_hit_user_agent_bytes", dt: dtCounter, kind: kRaw, idx: cTCPHit},
	{name: "proxy.process.http.tcp_refresh_hit_user_agent_bytes", dt: dtCounter, kind: kRaw, idx: cTCPRefreshHit},
	{name: "proxy.process.http.tcp_ims_hit_user_agent_bytes", dt: dtCounter, kind: kRaw, idx: cTCPIMSHit},
	{name: "proxy.process.http.tcp_miss_user_agent_bytes", dt: dtCounter, kind: kRaw, idx: cTCPMiss},
	{name: "proxy.process.http.tcp_expired_miss_user_agent_bytes", dt: dtCounter, kind: kRaw, idx: cTCPExpiredMiss},
	{name: "proxy.process.http.tcp_refresh_miss_user_agent_bytes", dt: dtCounter, kind: kRaw, idx: cTCPRefreshMiss},
	{name: "proxy.process.http.tcp_ims_miss_user_agent_bytes", dt: dtCounter, kind: kRaw, idx: cTCPIMSMiss},
	// Derived sums (DerivativeMetrics.cc in ATS 10), refreshed every sync.
	// 10.2 reports the byte sums as COUNTER (see the captures).
	{name: "proxy.process.http.user_agent_total_request_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.user_agent_request_document_total_size", "proxy.process.http.user_agent_request_header_total_size"}},
	{name: "proxy.process.http.user_agent_total_response_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.user_agent_response_document_total_size", "proxy.process.http.user_agent_response_header_total_size"}},
	{name: "proxy.process.http.origin_server_total_request_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.origin_server_request_document_total_size", "proxy.process.http.origin_server_request_header_total_size"}},
	{name: "proxy.process.http.origin_server_total_response_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.origin_server_response_document_total_size", "proxy.process.http.origin_server_response_header_total_size"}},
	{name: "proxy.process.user_agent_total_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.user_agent_total_request_bytes", "proxy.process.http.user_agent_total_response_bytes"}},
	{name: "proxy.process.origin_server_total_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.origin_server_total_request_bytes", "proxy.process.http.origin_server_total_response_bytes",
			"proxy.process.http.parent_proxy_request_total_bytes", "proxy.process.http.parent_proxy_response_total_bytes"}},
	{name: "proxy.process.cache_total_hits", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.cache_hit_fresh", "proxy.process.http.cache_hit_revalidated",
			"proxy.process.http.cache_hit_ims", "proxy.process.http.cache_hit_stale_served"}},
	{name: "proxy.process.cache_total_misses", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.cache_miss_cold", "proxy.process.http.cache_miss_changed",
			"proxy.process.http.cache_miss_client_no_cache", "proxy.process.http.cache_miss_ims",
			"proxy.process.http.cache_miss_client_not_cacheable"}},
	{name: "proxy.process.cache_total_requests", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.cache_total_hits", "proxy.process.cache_total_misses"}},
	{name: "proxy.process.cache_total_hits_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.tcp_hit_user_agent_bytes", "proxy.process.http.tcp_refresh_hit_user_agent_bytes",
			"proxy.process.http.tcp_ims_hit_user_agent_bytes"}},
	{name: "proxy.process.cache_total_misses_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.http.tcp_miss_user_agent_bytes", "proxy.process.http.tcp_expired_miss_user_agent_bytes",
			"proxy.process.http.tcp_refresh_miss_user_agent_bytes", "proxy.process.http.tcp_ims_miss_user_agent_bytes"}},
	{name: "proxy.process.cache_total_bytes", dt: dtCounter, kind: kDerived,
		parts: []string{"proxy.process.cache_total_hits_bytes", "proxy.process.cache_total_misses_bytes"}},
	{name: "proxy.process.current_server_connections", dt: dtInt, kind: kDerived,
		parts: []string{"proxy.process.http.current_server_connections", "proxy.process.http.current_parent_proxy_connections"}},
	{name: "proxy.process.http2.total_client_connections", dt: dtCounter, kind: kRaw, idx: cH2TotalClientConns},
	{name: "proxy.process.http2.current_client_connections", dt: dtInt, kind: kGauge, idx: gH2Current},
	{name: "proxy.process.http2.current_active_client_connections", dt: dtInt, kind: kGauge, idx: gH2Active},
	{name: "proxy.process.http2.connection_errors", dt: dtCounter, kind: kRaw, idx: cH2ConnErrors},
	{name: "proxy.process.ssl.total_success_handshake_count_in", dt: dtCounter, kind: kRaw, idx: cSSLSuccessIn},
	{name: "proxy.process.ssl.ssl_error_ssl", dt: dtCounter, kind: kRaw, idx: cSSLErrorSSL},
	// ATS declares these INT but only ever adds to them: a running count
	// of TLS sessions since start (2 → 132 → 462 under steady handshakes
	// on a real 10.2), not the sessions open now.
	{name: "proxy.process.ssl.user_agent_sessions", dt: dtInt, kind: kRaw, idx: cSSLSessions},
	{name: "proxy.process.ssl.user_agent_session_hit", dt: dtInt, kind: kRaw, idx: cSSLSessionHit},
	{name: "proxy.process.ssl.user_agent_session_miss", dt: dtInt, kind: kRaw, idx: cSSLSessionMiss},
	{name: "proxy.process.net.connections_currently_open", dt: dtInt, kind: kGauge, idx: gNetOpen},
	{name: "proxy.process.cache.bytes_used", dt: dtInt, kind: kGauge, idx: gCacheUsed},
	{name: "proxy.process.cache.bytes_total", dt: dtInt, kind: kConst, value: strconv.FormatInt(simCacheBytes, 10)},
	{name: "proxy.process.version.server.short", dt: dtString, kind: kConst, value: versionShort},
	{name: "proxy.process.version.server.long", dt: dtString, kind: kConst, value: versionLong},
	{name: "proxy.config.http.server_ports", dt: dtString, kind: kConfig, value: "8080 8080:ipv6", def: "8080 8080:ipv6", order: 7},
	{name: "proxy.config.local_state_dir", dt: dtString, kind: kConfig, value: "var/trafficserver", def: "var/trafficserver", order: 12},
}

var (
	recordIndex = map[string]int{} // name → index in records
	numDerived  int
)

func init() {
	records = append(records, extraRecords()...)
	for i := range records {
		r := &records[i]
		if _, dup := recordIndex[r.name]; dup {
			panic("simulator: duplicate record " + r.name)
		}
		recordIndex[r.name] = i
		if r.kind == kDerived {
			r.idx = numDerived
			numDerived++
			for _, p := range r.parts {
				j, ok := recordIndex[p]
				if !ok || (records[j].kind != kRaw && records[j].kind != kGauge && records[j].kind != kDerived) {
					panic("simulator: derived " + r.name + " needs " + p + " listed before it")
				}
			}
		}
	}
}

// params are the per-host constants drawn from the seed.
type params struct {
	base      float64 // mean client requests/s
	hit0      float64 // mean cache hit ratio
	hitLat0   float64 // mean fresh-hit latency, ms
	missLat0  float64 // mean cold-miss latency, ms
	objSize   float64 // mean response body, bytes
	tlsShare  float64 // share of client connections using TLS
	h2Share   float64 // share of client connections using HTTP/2
	p1, p2    float64 // periods of the slow and the faster wave, s
	ph        [6]float64
	cacheFill float64 // initial cache fill ratio
}

// traffic is the instantaneous state of the simulated load.
type traffic struct {
	rate    float64 // client requests/s
	hit     float64 // hit ratio
	hitLat  float64 // ms
	missLat float64 // ms
	objSize float64 // bytes
	burst   float64 // 0..1, error bursts
	errs    float64 // an extra share of 5xx (Options.RisingErrors)
	warm    float64 // 0..1, ramps up after a restart
	load    float64 // rate relative to base
}

// model is the state of one simulated traffic_server. Not safe for
// concurrent use; Server serializes access.
type model struct {
	seed       uint64
	p          params
	epoch      time.Time // t=0 of the wave functions
	restart    time.Time // last (simulated) process start
	last       time.Time // integrated up to here
	raw        []float64 // numRaw, then extraCounters
	derived    []float64
	syncEvery  time.Duration
	nextSync   time.Time
	resetEvery time.Duration // <= 0: never
	nextReset  time.Time
	rng        *rand.Rand
	resets     int
	// risingErrors: Options.RisingErrors.
	risingErrors bool
}

func newModel(seed int64, now time.Time, syncEvery, resetEvery time.Duration) *model {
	s := uint64(seed)
	rng := rand.New(rand.NewPCG(s, 0x7467_7369_6d75_6c61)) // "tgsimula"
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	m := &model{
		seed: s,
		p: params{
			base:      u(2700, 3500),
			hit0:      u(0.83, 0.88),
			hitLat0:   u(1.4, 2.0),
			missLat0:  u(42, 58),
			objSize:   u(22e3, 34e3),
			tlsShare:  u(0.75, 0.92),
			h2Share:   u(0.35, 0.55),
			p1:        u(540, 780), // a compressed "day": ~10 minutes
			p2:        u(75, 110),
			cacheFill: u(0.55, 0.8),
		},
		epoch:      now,
		restart:    now,
		last:       now,
		derived:    make([]float64, numDerived),
		raw:        make([]float64, numRaw+len(extraCounters)),
		syncEvery:  max(syncEvery, minSyncEvery),
		resetEvery: resetEvery,
		rng:        rng,
	}
	for i := range m.p.ph {
		m.p.ph[i] = u(0, 2*math.Pi)
	}
	// The server has been up for a while: start counters at the totals of
	// some days of average traffic, so values are realistically large.
	uptime := u(1, 20) * 86400
	tr := m.trafficAt(now)
	tr.warm, tr.burst = 1, 0
	tr.rate, tr.load = m.p.base, 1
	m.step(tr, uptime)
	m.sync(now)
	if m.resetEvery > 0 {
		m.resetEvery = max(m.resetEvery, minResetEvery)
	}
	m.nextSync = now.Add(m.syncEvery)
	m.scheduleReset(now)
	return m
}

func (m *model) scheduleReset(from time.Time) {
	if m.resetEvery <= 0 {
		return
	}
	jitter := 0.8 + 0.4*m.rng.Float64() // "roughly" every resetEvery
	m.nextReset = from.Add(time.Duration(float64(m.resetEvery) * jitter))
}

// advance integrates the model up to now, running the syncs and resets
// scheduled on the way. A clock that goes backwards is ignored.
func (m *model) advance(now time.Time) {
	// A fake clock may jump far ahead; simulate at most maxGap of it (the
	// server "idled" through the rest) so a jump costs bounded work.
	if gap := now.Sub(m.last); gap > maxGap {
		skip := gap - maxGap
		m.last = m.last.Add(skip)
		m.nextSync = m.nextSync.Add(skip)
		m.nextReset = m.nextReset.Add(skip)
	}
	for m.last.Before(now) {
		// Only the last sync before a reset or now is observable: skip
		// the ones in between.
		limit := now
		if m.resetEvery > 0 && m.nextReset.Before(limit) {
			limit = m.nextReset
		}
		if k := limit.Sub(m.nextSync) / m.syncEvery; k >= 1 {
			m.nextSync = m.nextSync.Add(k * m.syncEvery)
		}
		next := now
		if m.nextSync.Before(next) {
			next = m.nextSync
		}
		if m.resetEvery > 0 && m.nextReset.Before(next) {
			next = m.nextReset
		}
		m.integrate(m.last, next)
		m.last = next
		if !m.nextSync.After(next) {
			m.sync(next)
			m.nextSync = m.nextSync.Add(m.syncEvery)
			if !m.nextSync.After(next) { // far behind (huge jump): realign
				m.nextSync = next.Add(m.syncEvery)
			}
		}
		if m.resetEvery > 0 && !m.nextReset.After(next) {
			m.reset(next)
		}
	}
}

// integrate adds the traffic of [t0, t1) to the raw counters, in steps of
// at most a second (coarser for very long gaps).
func (m *model) integrate(t0, t1 time.Time) {
	total := t1.Sub(t0).Seconds()
	if total <= 0 {
		return
	}
	step := math.Max(1, total/4000)
	for done := 0.0; done < total; done += step {
		dt := math.Min(step, total-done)
		mid := t0.Add(time.Duration((done + dt/2) * float64(time.Second)))
		m.step(m.trafficAt(mid), dt)
	}
}

// reset simulates a traffic_server restart: every counter starts again from
// a small value, derived stats read 0 until the next sync, and connection
// gauges ramp back up.
func (m *model) reset(now time.Time) {
	for i := range m.raw {
		m.raw[i] = 0
	}
	// A few seconds of traffic before the first sample.
	tr := m.trafficAt(now)
	m.step(tr, 0.02+0.05*m.rng.Float64())
	for i := range m.derived {
		m.derived[i] = 0
	}
	m.restart = now
	m.nextSync = now.Add(m.syncEvery)
	m.resets++
	m.scheduleReset(now)
}

// sync recomputes the derived records from the current raw values, like
// ATS's periodic DerivativeMetrics::Update.
func (m *model) sync(now time.Time) {
	for _, r := range records {
		if r.kind != kDerived {
			continue
		}
		var sum float64
		for _, p := range r.parts {
			sum += m.intValue(recordIndex[p], now)
		}
		m.derived[r.idx] = sum
	}
}

// intValue is the integer value of a numeric record at now (derived:
// at the last sync).
func (m *model) intValue(i int, now time.Time) float64 {
	r := &records[i]
	switch r.kind {
	case kRaw:
		return math.Floor(m.raw[r.idx])
	case kDerived:
		return m.derived[r.idx]
	case kGauge:
		return m.gauge(r.idx, now)
	}
	return 0
}

// valueString renders record i's current_value at now.
func (m *model) valueString(i int, now time.Time) string {
	r := &records[i]
	switch r.kind {
	case kConst, kConfig:
		return r.value
	}
	return strconv.FormatFloat(m.intValue(i, now), 'f', 0, 64)
}

// trafficAt evaluates the load at t: a slow wave (a compressed day), a
// faster one and smooth noise, all deterministic in (seed, t).
func (m *model) trafficAt(t time.Time) traffic {
	s := t.Sub(m.epoch).Seconds()
	p := &m.p
	wave := 0.22*math.Sin(2*math.Pi*s/p.p1+p.ph[0]) + 0.07*math.Sin(2*math.Pi*s/p.p2+p.ph[1])
	load := (1 + wave) * (1 + 0.045*m.noise(0, s, 6) + 0.02*m.noise(1, s, 1.3))
	warm := 1.0
	if since := t.Sub(m.restart).Seconds(); since >= 0 && m.resets > 0 {
		warm = 1 - 0.9*math.Exp(-since/12)
	}
	burst := math.Max(0, m.noise(5, s, 25)-0.55) / 0.45 // mostly 0, sometimes up to 1
	tr := traffic{
		load:    load,
		warm:    warm,
		burst:   burst * burst,
		rate:    p.base * load * warm,
		hit:     clamp(p.hit0+0.025*math.Sin(2*math.Pi*s/p.p2*0.6+p.ph[2])+0.012*m.noise(2, s, 9)-0.06*(1-warm), 0.72, 0.93),
		hitLat:  clamp(p.hitLat0*(0.75+0.35*load)+0.25*m.noise(3, s, 4), 1, 3),
		missLat: clamp(p.missLat0*(0.7+0.35*load)+7*m.noise(4, s, 8)+25*burst*burst, 30, 80),
		objSize: p.objSize * (1 + 0.15*m.noise(6, s, 15)),
	}
	if m.risingErrors {
		tr.errs = 0.08 * clamp(s/300, 0, 1)
	}
	return tr
}

// step adds dt seconds of traffic tr to the raw counters.
func (m *model) step(tr traffic, dt float64) {
	c := m.raw
	req := tr.rate * dt
	hits := req * tr.hit
	miss := req - hits
	hf, hr, hims, hst := hits*0.885, hits*0.075, hits*0.035, hits*0.005
	mc, mch, mnc, mims, mnca := miss*0.72, miss*0.08, miss*0.1, miss*0.04, miss*0.06
	origin := miss + hr // revalidations go to the origin too
	aborts := req * (0.0012 + 0.004*tr.burst)

	c[cIncoming] += req
	c[cCompleted] += req - aborts
	c[cOutgoing] += origin
	c[cIncomingResponses] += origin * 0.9995
	c[cHitFresh] += hf
	c[cHitReval] += hr
	c[cHitIMS] += hims
	c[cHitStale] += hst
	c[cMissCold] += mc
	c[cMissChanged] += mch
	c[cMissNoCache] += mnc
	c[cMissIMS] += mims
	c[cMissNotCacheable] += mnca
	c[cTxCountHitFresh] += hf
	c[cTxTimeHitFresh] += hf * tr.hitLat
	c[cTxCountMissCold] += mc
	c[cTxTimeMissCold] += mc * tr.missLat
	c[cTxCountAborts] += aborts
	c[cTxTimeAborts] += aborts * 900

	r5 := req * (0.0015 + 0.03*tr.burst + tr.errs)
	r4 := req * 0.017
	r3 := req * 0.045
	r2 := req - r3 - r4 - r5
	c[c2xx] += r2
	c[c3xx] += r3
	c[c4xx] += r4
	c[c5xx] += r5
	c[c200] += r2 * 0.965
	c[c304] += r3 * 0.8
	c[c404] += r4 * 0.7
	c[c502] += r5 * 0.6
	c[c503] += r5 * 0.3
	c[cConnectFail] += origin * (0.0003 + 0.015*tr.burst)

	stepBytes(c, tr.objSize, req, miss, origin, [...]float64{hf, hr, hims, mc, mch, mnc, mims, mnca})

	newConns := req * 0.085
	c[cTotalClientConns] += newConns
	c[cTotalClientConnsV4] += newConns * 0.83
	c[cTotalClientConnsV6] += newConns * 0.17
	c[cTotalServerConns] += origin * 0.06
	hs := newConns * m.p.tlsShare
	sslErr := hs * (0.003 + 0.02*tr.burst)
	c[cSSLSuccessIn] += hs - sslErr
	c[cSSLErrorSSL] += sslErr
	c[cSSLSessions] += hs - sslErr
	c[cSSLSessionHit] += (hs - sslErr) * 0.35 // resumed from the session cache
	c[cSSLSessionMiss] += (hs - sslErr) * 0.65
	h2 := newConns * m.p.h2Share
	c[cH2TotalClientConns] += h2
	c[cH2ConnErrors] += h2 * (0.0015 + 0.01*tr.burst)

	ev := [numEvents]float64{
		evReq: req, evOrigin: origin, evHitFresh: hf, evHitReval: hr, evMissCold: mc, evMissChanged: mch,
		evMissNoCache: mnc, evMissNotCacheable: mnca, evNewConns: newConns, evHandshakes: hs - sslErr, evH2Conns: h2,
		evLatMs:   req * (tr.hit*tr.hitLat + (1-tr.hit)*tr.missLat),
		evRevalMs: hr * tr.missLat * 0.6, evChangedMs: mch * tr.missLat * 1.1,
		evNoCacheMs: mnc * tr.missLat, evNotCacheableMs: mnca * tr.missLat * 0.9,
		evBurst: req * (0.02 + tr.burst),
	}
	stepExtras(c, &ev)
}

// stepBytes grows the byte counters: headers and bodies each way, and the
// bytes sent to clients by cache result (r: fresh, revalidated and IMS
// hits; cold, changed, no-cache, IMS and not cacheable misses).
func stepBytes(c []float64, resp, req, miss, origin float64, r [8]float64) {
	hf, hr, hims, mc, mch, mnc, mims, mnca := r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
	c[cUAReqHdr] += req * 430
	c[cUAReqDoc] += req * 40
	c[cUARespHdr] += req * 390
	c[cUARespDoc] += (req - hims - mims) * resp
	c[cOSReqHdr] += origin * 540
	c[cOSReqDoc] += origin * 25
	c[cOSRespHdr] += origin * 410
	c[cOSRespDoc] += (miss - mims) * resp * 1.01
	c[cTCPHit] += hf * (resp + 390)
	c[cTCPRefreshHit] += hr * (resp + 390)
	c[cTCPIMSHit] += hims * 390
	c[cTCPMiss] += mc * (resp + 390)
	c[cTCPExpiredMiss] += (mch + mnca) * (resp + 390)
	c[cTCPRefreshMiss] += mnc * (resp + 390)
	c[cTCPIMSMiss] += mims * 390
}

// gauge evaluates gauge g at now.
func (m *model) gauge(g int, now time.Time) float64 {
	tr := m.trafficAt(now)
	s := now.Sub(m.epoch).Seconds()
	client := tr.rate * 0.31 * (1 + 0.05*m.noise(10, s, 3))
	server := tr.rate * (1 - tr.hit) * 0.42 * (1 + 0.08*m.noise(11, s, 2.5)) * (1 + tr.burst)
	var v float64
	switch g {
	case gClientConns:
		v = client
	case gServerConns:
		v = server
	case gParentConns:
		v = 0
	case gNetOpen:
		v = client + server + 12
	case gH2Current:
		v = client * m.p.h2Share
	case gH2Active:
		v = client * m.p.h2Share * 0.6 * (1 + 0.1*m.noise(13, s, 2))
	case gCacheUsed:
		v = m.cacheUsed(s)
	default:
		if i := g - numGauges; i >= 0 && i < len(extraGauges) {
			v = extraGauges[i].v(gaugeInputs{client: client, server: server, h2: client * m.p.h2Share,
				tr: tr, cacheUsed: m.cacheUsed(s), objSize: m.p.objSize})
		}
	}
	return math.Max(0, math.Round(v))
}

// cacheUsed fills slowly toward 97% of the cache (and survives restarts).
func (m *model) cacheUsed(s float64) float64 {
	filled := m.p.cacheFill + (0.97-m.p.cacheFill)*(1-math.Exp(-math.Max(0, s)/3600))
	return filled * simCacheBytes
}

// noise is smooth value noise in [-1, 1], deterministic in (seed, ch, t):
// random values on a lattice of the given spacing (seconds), interpolated
// with smoothstep.
func (m *model) noise(ch uint64, t, spacing float64) float64 {
	x := t / spacing
	k := math.Floor(x)
	f := x - k
	f = f * f * (3 - 2*f)
	a := lattice(m.seed, ch, int64(k))
	b := lattice(m.seed, ch, int64(k)+1)
	return a + (b-a)*f
}

func lattice(seed, ch uint64, k int64) float64 {
	h := splitmix(seed ^ splitmix(ch+0x9e3779b97f4a7c15) ^ splitmix(uint64(k)))
	return float64(h>>11)/float64(1<<53)*2 - 1
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
