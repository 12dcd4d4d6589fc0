package prom

import (
	"fmt"
	"testing"
)

// fleetRecordsReply is the records query's answer for hosts hosts and
// records records each: what a fleet of the ATS pages reads every tick.
func fleetRecordsReply(hosts, records int) []byte {
	var samples []string
	for h := range hosts {
		for r := range records {
			samples = append(samples, sample(fmt.Sprint(h*r*1000+7), "__name__", fmt.Sprintf("proxy_process_http_record_number_%d", r), "host", fmt.Sprintf("edge%03d", h)))
		}
	}
	return []byte(seriesReply(samples...))
}

// BenchmarkPromQLReply reads the answer for 100 hosts of the ATS pages
// (177 records each, 2 MB), with the reader and with encoding/json.
func BenchmarkPromQLReply(b *testing.B) {
	body := fleetRecordsReply(100, 177)
	b.Run("reader", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			n := 0
			if _, err := readPromQLReply(body, func(l promLabels, v float64) {
				if h, _ := l.Get("host"); h != "" {
					n++
				}
			}); err != nil || n != 17700 {
				b.Fatal(err, n)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			n := 0
			if _, err := referencePromQLReply(body, func(m map[string]string, v float64) {
				if m["host"] != "" {
					n++
				}
			}); err != nil || n != 17700 {
				b.Fatal(err, n)
			}
		}
	})
}
