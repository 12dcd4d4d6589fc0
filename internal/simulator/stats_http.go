package simulator

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The stats_over_http plugin's three forms, for the stats and prom
// sources: /_stats (JSON, every record as a string), /_stats/prometheus
// (10.1 on: each record under its name with '.' made '_', the name itself
// as HELP) and /_stats/prometheus_v2 (10.2: parts of names moved into
// labels, by the rules below, as a real 10.2's capture shows). Values are
// the JSON-RPC server's at the same clock.

// v2Rules move a part of a record's name into a label, as 10.2 does for
// the records the built-in pages read: status codes, methods, directions,
// cache results and volumes. The family is the name with the label's part
// (and the '_' beside it) taken out.
var v2Rules = []struct {
	re    *regexp.Regexp
	label string
}{
	{regexp.MustCompile(`^proxy\.process\.http\.(\d{3}|\dxx)_responses$`), "status"},
	{regexp.MustCompile(`^proxy\.process\.http\.(get|head|post|put|delete|options|purge|connect|trace|push|extension_method)_requests$`), "method"},
	{regexp.MustCompile(`^proxy\.process\.https?\.(incoming|outgoing)_(?:requests|responses)$`), "direction"},
	{regexp.MustCompile(`^proxy\.process\.http\.cache_(hit|miss)_.+$`), "result"},
	{regexp.MustCompile(`^proxy\.process\.cache\.volume_(\d+)\..+$`), "volume"},
}

// StartStats serves the plugin's forms over HTTP on addr (127.0.0.1:0 for
// a free port) until Close, and returns the base URL ("http://127.0.0.1:PORT/_stats").
func (s *Server) StartStats(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: s.StatsHandler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-s.done
		srv.Close()
	}()
	return "http://" + ln.Addr().String() + "/_stats", nil
}

// StatsHandler answers /_stats, /_stats/prometheus and /_stats/prometheus_v2
// (each after Options.ReplyDelay, as the socket does).
func (s *Server) StatsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/_stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/json")
		w.Write(s.statsJSON())
	})
	mux.HandleFunc("/_stats/prometheus", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write(s.statsPrometheus(false))
	})
	mux.HandleFunc("/_stats/prometheus_v2", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write(s.statsPrometheus(true))
	})
	d := s.opts.ReplyDelay
	if d <= 0 {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			mux.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}

// pollGauges count the plugin's own request while it answers, as a real
// 10.2 counts it (idle, its JSON says 1 where JSON-RPC says 0).
var pollGauges = map[string]bool{
	"proxy.process.http.current_client_connections":        true,
	"proxy.process.http.current_active_client_connections": true,
	"proxy.process.http.current_client_transactions":       true,
	"proxy.process.http.current_server_connections":        true,
	"proxy.process.http.current_server_transactions":       true,
	"proxy.process.net.connections_currently_open":         true,
}

// statValues is every process record's name and current value, in the
// server's order, as the plugin sees them while answering.
func (s *Server) statValues() (names, values []string, types []dataType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	s.model.advance(now)
	for i, r := range records {
		if r.kind == kConfig || !s.model.present(i, now) {
			continue
		}
		v := s.model.valueString(i, now)
		if pollGauges[r.name] {
			n, _ := strconv.ParseFloat(v, 64)
			v = strconv.FormatFloat(n+1, 'f', 0, 64)
		}
		names = append(names, r.name)
		values = append(values, v)
		types = append(types, r.dt)
	}
	return names, values, types
}

// Values are the current values of the records want accepts (every
// record a lookup would find now), by name, as the server writes them:
// for tests that need a day of samples faster than a socket gives them.
func (s *Server) Values(want func(name string) bool) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	s.model.advance(now)
	out := map[string]string{}
	for i, r := range records {
		if r.kind != kConfig && s.model.present(i, now) && want(r.name) {
			out[r.name] = s.model.valueString(i, now)
		}
	}
	return out
}

func (s *Server) statsJSON() []byte {
	names, values, _ := s.statValues()
	var b bytes.Buffer
	b.WriteString("{ \"global\": {\n")
	for i, n := range names {
		fmt.Fprintf(&b, "%q: %q,\n", n, values[i])
	}
	b.WriteString("\"server\": \"10.2.0\"\n  }\n}\n")
	return b.Bytes()
}

// promSeries is one sample of the Prometheus forms.
type promSample struct {
	family, labels, value, help, typ string
}

func (s *Server) statsPrometheus(labelled bool) []byte {
	names, values, types := s.statValues()
	var samples []promSample
	for i, n := range names {
		if types[i] == dtString {
			continue // the plugin leaves strings out of these forms
		}
		typ := "gauge"
		if types[i] == dtCounter {
			typ = "counter"
		}
		family, labels := promName(n), ""
		if labelled {
			for _, r := range v2Rules {
				if m := r.re.FindStringSubmatchIndex(n); m != nil {
					part := n[m[2]:m[3]]
					family = promName(removePart(n, m[2], m[3]))
					labels = fmt.Sprintf("{%s=%s}", r.label, strconv.Quote(part))
					break
				}
			}
		}
		samples = append(samples, promSample{family: family, labels: labels, value: values[i], help: n, typ: typ})
	}
	// A family's samples together, its HELP and TYPE once, first.
	order := map[string]int{}
	for i, sm := range samples {
		if _, ok := order[sm.family]; !ok {
			order[sm.family] = i
		}
	}
	sort.SliceStable(samples, func(i, j int) bool { return order[samples[i].family] < order[samples[j].family] })
	var b bytes.Buffer
	last := ""
	for _, sm := range samples {
		if sm.family != last {
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", sm.family, sm.help, sm.family, sm.typ)
			last = sm.family
		}
		fmt.Fprintf(&b, "%s%s %s\n", sm.family, sm.labels, sm.value)
	}
	return b.Bytes()
}

// removePart takes name[from:to] and the separator beside it out.
func removePart(name string, from, to int) string {
	switch {
	case to < len(name) && (name[to] == '_' || name[to] == '.'):
		return name[:from] + name[to+1:]
	case from > 0:
		return name[:from-1] + name[to:]
	}
	return name[:from] + name[to:]
}

// promName is what the plugin makes of a record name.
func promName(n string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == ':' {
			return r
		}
		return '_'
	}, n)
}
