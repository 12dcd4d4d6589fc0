package atstest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Origin is the origin server behind the proxy, on 127.0.0.1:
//
//   - /cache/NAME: 200 with Cache-Control: max-age=3600 (cached, so the
//     proxy's first request is a miss and later ones are hits);
//   - /nocache/NAME: 200 with Cache-Control: no-store (never cached);
//   - /broken/NAME: the connection is closed without an answer (the
//     proxy answers 502);
//   - anything else: 404 (not cached: negative caching is off).
//
// Every answer takes at least delay, as from a distant origin.
type Origin struct {
	*httptest.Server
	delay    time.Duration
	requests atomic.Int64
}

// NewOrigin starts an origin that answers after delay (0: at once), closed
// when the test ends.
//
// A delay makes miss latencies measurable: Traffic Server adds each
// transaction's time to transaction_totaltime.* in whole milliseconds
// (truncated), so on loopback most transactions count 0 ms. That is also
// why cache hits, which take well under a millisecond here, show a hit
// latency of 0 ms.
func NewOrigin(t testing.TB, delay time.Duration) *Origin {
	t.Helper()
	o := &Origin{delay: delay}
	body := strings.Repeat("traffic_grapher test object\n", 64) // ~1.8 KB
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.requests.Add(1)
		if o.delay > 0 {
			select {
			case <-time.After(o.delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		switch {
		case strings.HasPrefix(r.URL.Path, "/broken/"):
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			http.Error(w, "broken", http.StatusBadGateway)
			return
		case strings.HasPrefix(r.URL.Path, "/cache/"):
			w.Header().Set("Cache-Control", "public, max-age=3600")
		case strings.HasPrefix(r.URL.Path, "/nocache/"):
			w.Header().Set("Cache-Control", "no-store")
		default:
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(o.Close)
	return o
}

// Requests counts the requests that reached the origin (cache misses).
func (o *Origin) Requests() int64 { return o.requests.Load() }
