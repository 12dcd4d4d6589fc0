package prom

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

// censusDir holds every record of a real ATS 10.2, as stats_over_http's
// JSON and both its Prometheus forms, captured together.
var censusDir = filepath.Join("..", "..", "..", "shared", "samples", "ats10", "census")

// The ATS pages read stats_over_http's Prometheus output, flat and
// labelled, as they read its JSON: every record of the built-in pages that
// the server has is found in both forms, with about the JSON's value.
func TestATSRecordsFromPrometheusForms(t *testing.T) {
	jsonBody, err := os.ReadFile(filepath.Join(censusDir, "stats_over_http.json"))
	if err != nil {
		t.Skipf("no ATS 10.2 census in %s: %v", censusDir, err)
	}
	var doc struct {
		Global map[string]string `json:"global"`
	}
	if err := json.Unmarshal(jsonBody, &doc); err != nil {
		t.Fatal(err)
	}
	keys := pages.Default().Keys()
	for _, form := range []string{"stats_over_http_prometheus_v1.txt", "stats_over_http_prometheus_v2.txt"} {
		body, err := os.ReadFile(filepath.Join(censusDir, form))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }))
		src := NewPromSource(srv.URL + "/_stats/prometheus")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		values, warnings, err := src.Fetch(ctx, keys)
		cancel()
		srv.Close()
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		found := 0
		for _, k := range keys {
			want, ok := doc.Global[k]
			if !ok {
				continue
			}
			got, ok := values[k]
			if !ok {
				t.Errorf("%s: %s (%s in the JSON) not found", form, k, want)
				continue
			}
			found++
			// The three were captured one after the other under traffic
			// (each poll counts itself): close, not equal. A record
			// found in the wrong series is far off.
			w, _ := strconv.ParseFloat(want, 64)
			if math.Abs(got.Value-w) > max(10, w*0.05) {
				t.Errorf("%s: %s = %s, the JSON says %s", form, k, formatPromValue(got.Value), want)
			}
			if got.Float && strings.Contains(k, "totaltime") {
				t.Errorf("%s: %s is whole ms on ATS 10, read as float seconds", form, k)
			}
		}
		if found < len(keys)*9/10 {
			t.Errorf("%s: only %d of %d records found; warnings %q", form, found, len(keys), warnings)
		}
		t.Logf("%s: %d of the pages' %d records found", form, found, len(keys))
	}
}

// stats_over_http's Prometheus paths open on the ATS pages; any other
// exporter on the node pages.
func TestATSPagesForStatsPaths(t *testing.T) {
	for url, want := range map[string]string{
		"http://edge:8080/_stats/prometheus":     "ats",
		"http://edge:8080/_stats/prometheus_v2/": "ats",
		"http://edge:9100/metrics":               "node",
		"http://edge:8080/_stats":                "node",
	} {
		k, _ := collect.LookupKind("prom")
		if got := k.PagesOf(collect.Endpoint{Kind: "prom", URL: url}); got != want {
			t.Errorf("%s: pages %q, want %q", url, got, want)
		}
	}
}
