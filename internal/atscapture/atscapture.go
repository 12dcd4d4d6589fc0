// Package atscapture reads the JSON-RPC exchanges captured from real
// Traffic Servers (shared/samples/ats10 and the testdata copies): what the
// JSON-RPC client's tests parse and what the simulator's replies are held
// to, read by one reader.
package atscapture

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Exchange is one captured request and the server's reply to it.
type Exchange struct {
	Name     string // the file, and "#…" for one of several in it
	Request  []byte // nil for a reply captured without its request
	Response []byte
	// Split: the request was written in two parts, Delay apart
	// (split_write's responses_by_delay_s).
	Split bool
	Delay time.Duration
}

// Load reads every capture in dir: *.json files (request_raw with
// response_raw, counters_moving's response_raw_after, or split_write's
// responses_by_delay_s) and the exchanges in *.txt traffic_ctl logs
// ("--> request", "<-- reply", and bare replies).
func Load(dir string) ([]Exchange, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading captures: %w", err)
	}
	var out []Exchange
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		var got []Exchange
		switch filepath.Ext(e.Name()) {
		case ".json":
			got, err = loadJSON(p, e.Name())
		case ".txt":
			got, err = loadLog(p, e.Name())
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func loadJSON(p, name string) ([]Exchange, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var raw struct {
		RequestRaw       *string           `json:"request_raw"`
		ResponseRaw      *string           `json:"response_raw"`
		ResponseRawAfter *string           `json:"response_raw_after"`
		ByDelay          map[string]string `json:"responses_by_delay_s"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if raw.RequestRaw == nil {
		return nil, fmt.Errorf("%s: no request_raw", p)
	}
	req := []byte(*raw.RequestRaw)
	switch {
	case raw.ResponseRaw != nil:
		return []Exchange{{Name: name, Request: req, Response: []byte(*raw.ResponseRaw)}}, nil
	case raw.ResponseRawAfter != nil:
		return []Exchange{{Name: name, Request: req, Response: []byte(*raw.ResponseRawAfter)}}, nil
	case raw.ByDelay != nil:
		var out []Exchange
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range raw.ByDelay {
				if !yield(k) {
					return
				}
			}
		}) {
			secs, err := strconv.ParseFloat(k, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: delay %q: %v", p, k, err)
			}
			out = append(out, Exchange{Name: name + "#" + k, Request: req, Response: []byte(raw.ByDelay[k]),
				Split: true, Delay: time.Duration(secs * float64(time.Second))})
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: no response field", p)
}

func loadLog(p, name string) ([]Exchange, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var out []Exchange
	var req []byte
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "--> "):
			req = []byte(strings.TrimPrefix(line, "--> "))
		case strings.HasPrefix(line, "<-- "):
			out = append(out, Exchange{Name: name + "#rpc", Request: req, Response: []byte(strings.TrimPrefix(line, "<-- "))})
			req = nil
		case strings.HasPrefix(line, `{"jsonrpc"`):
			out = append(out, Exchange{Name: name + "#json", Response: []byte(line)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no JSON exchange found", p)
	}
	return out, nil
}
