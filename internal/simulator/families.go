package simulator

import (
	"time"
)

// Records that multiply: one set per remap rule (the remap_stats plugin's
// plugin.remap_stats.<host>.*) and per origin
// (proxy.process.http.per_server.current_connection.<name>.<ip>:<port>).
// A real server creates them as traffic first reaches a rule or an
// origin, and a restart loses them until it does again; here each appears
// a fixed time after the (simulated) start, so a new remap and a new
// origin turn up while a demo runs, and vanish across a restart. The
// remaps' requests add up to the server's.

// remapRule is one remap rule's share of the traffic.
type remapRule struct {
	host   string
	share  float64       // of the requests
	errors float64       // of the 5xx, relative to share
	appear time.Duration // after the start
}

var remapRules = []remapRule{
	{"www.example.com", 0.46, 0.8, 0},
	{"img.example.com", 0.27, 0.3, 0},
	{"api.example.com", 0.12, 4.5, 2 * time.Second}, // the sick one
	{"video.example.net", 0.09, 0.5, 5 * time.Second},
	{"static.example.org", 0.04, 0.2, 20 * time.Second},
	{"beta.example.com", 0.02, 1, 60 * time.Second}, // a rule added while running
}

// originServer is one origin's share of the origin connections.
type originServer struct {
	name   string // <name>.<ip>:<port>, as ATS writes its group
	share  float64
	appear time.Duration
}

var originServers = []originServer{
	{"origin-a.example.com.192.0.2.10:443", 0.52, 0},
	{"origin-b.example.com.192.0.2.11:443", 0.31, 3 * time.Second},
	{"media.example.net.198.51.100.7:80", 0.15, 10 * time.Second},
	{"new-origin.example.org.203.0.113.5:443", 0.02, 45 * time.Second},
}

// remapStat is one of the plugin's records per rule: a share of an event.
type remapStat struct {
	suffix string
	on     event
	per    float64
}

var remapStats = []remapStat{
	{"status_2xx", evReq, 0.935},
	{"status_3xx", evReq, 0.045},
	{"status_4xx", evReq, 0.017},
	{"status_5xx", evBurst, 0.07},
	{"status_unknown", evReq, 0.00005},
	{"in_bytes", evReq, 470},
	{"out_bytes", evReq, 28000},
}

// volumeCounters and volumeGauges are the one cache volume's records, as a
// real 10.2 with a single cache file has them (proxy.process.cache.volume_0.*,
// the census): the same as the cache's totals.
var volumeCounters = []extraCounter{
	{"proxy.process.cache.volume_0.read.success", dtCounter, evReq, 0.97 * 0.85},
	{"proxy.process.cache.volume_0.write.success", dtCounter, evMissCold, 0.96},
	{"proxy.process.cache.volume_0.ram_cache.hits", dtCounter, evHitFresh, 0.62},
	{"proxy.process.cache.volume_0.ram_cache.misses", dtCounter, evHitFresh, 0.4},
}

var volumeGauges = []extraGauge{
	{"proxy.process.cache.volume_0.bytes_used", func(g gaugeInputs) float64 { return g.cacheUsed }},
	{"proxy.process.cache.volume_0.bytes_total", func(gaugeInputs) float64 { return simCacheBytes }},
	{"proxy.process.cache.volume_0.direntries.used", func(g gaugeInputs) float64 { return g.cacheUsed / g.objSize }},
}

// familyCounters are the remaps' counters, as extra counters.
func familyCounters() []extraCounter {
	out := append([]extraCounter(nil), volumeCounters...)
	for _, r := range remapRules {
		for _, st := range remapStats {
			per := st.per * r.share
			if st.suffix == "status_5xx" {
				per *= r.errors
			}
			out = append(out, extraCounter{name: "plugin.remap_stats." + r.host + "." + st.suffix, dt: dtInt, on: st.on, per: per})
		}
	}
	return out
}

// familyGauges are the origins' current connections, as extra gauges.
func familyGauges() []extraGauge {
	out := append([]extraGauge(nil), volumeGauges...)
	for _, o := range originServers {
		share := o.share
		out = append(out, extraGauge{name: "proxy.process.http.per_server.current_connection." + o.name,
			v: func(g gaugeInputs) float64 { return g.server * share }})
	}
	return out
}

// appearAfter is how long after a start the record named appears (0 for
// every record that is always there).
func appearAfter(name string) time.Duration {
	for _, r := range remapRules {
		if len(name) > len(r.host) && hasInfix(name, "plugin.remap_stats."+r.host+".") {
			return r.appear
		}
	}
	for _, o := range originServers {
		if name == "proxy.process.http.per_server.current_connection."+o.name {
			return o.appear
		}
	}
	return 0
}

func hasInfix(name, prefix string) bool {
	return len(name) >= len(prefix) && name[:len(prefix)] == prefix
}

// present says whether record i exists at now: since the last start, its
// appear time has passed.
func (m *model) present(i int, now time.Time) bool {
	a := records[i].appear
	return a == 0 || now.Sub(m.restart) >= a
}
