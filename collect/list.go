package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// browseRegex is what the metric browser asks a JSON-RPC server for: every
// proxy.process and proxy.node record except proxy.process.version.*,
// written without look-ahead (not every regex engine has it). The version
// records are STRING metrics, and a regex lookup that matches a STRING
// metric crashes released ATS 10.2.0.
const browseRegex = `^proxy\.(node\.|process\.([^v]|v([^e]|e([^r]|r([^s]|s([^i]|i([^o]|o([^n]|n[^.]))))))))`

// versionRecords are the STRING records browseRegex leaves out, as a real
// ATS 10.2 has them (shared samples' census).
var versionRecords = []string{
	"proxy.process.version.server.build_date", "proxy.process.version.server.build_machine",
	"proxy.process.version.server.build_number", "proxy.process.version.server.build_person",
	"proxy.process.version.server.build_time", "proxy.process.version.server.long",
	"proxy.process.version.server.short", "proxy.process.version.server.uuid",
}

// Skipped says which records List leaves out that pattern would match, and
// why, so the browser can say so instead of hiding them silently.
func (s *JSONRPCSource) Skipped(pattern string) (names []string, why string) {
	re, err := CompileFilter(pattern)
	if err != nil {
		return nil, ""
	}
	for _, n := range versionRecords {
		if re == nil || re.MatchString(n) {
			names = append(names, n)
		}
	}
	return names, "they are STRING records, and asking Traffic Server 10.2.0 for STRING records by regular expression crashes it; read them with traffic_ctl metric get NAME"
}

// CompileFilter compiles the user's pattern (case-insensitive, unanchored,
// like ATS's own matching); "" matches everything.
func CompileFilter(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, nil
	}
	re, err := regexp.Compile("(?i)" + pattern)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %v", pattern, err)
	}
	return re, nil
}

func SortInfos(out []MetricInfo) []MetricInfo {
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// List implements Lister: one lookup of every process and node record
// (STRING version records excepted, see browseRegex), filtered here with
// pattern.
func (s *JSONRPCSource) List(ctx context.Context, pattern string) ([]MetricInfo, error) {
	re, err := CompileFilter(pattern)
	if err != nil {
		return nil, err
	}
	id := "tg-list-" + strconv.FormatUint(s.seq.Add(1), 10)
	req := encodeRequest(lookupRequest{
		JSONRPC: "2.0",
		Method:  "admin_lookup_records",
		Params:  []lookupParam{{RecordNameRegex: browseRegex, RecTypes: lookupRecTypes}},
		ID:      id,
	})
	ctx, cancel := WithDefaultDeadline(ctx, DefaultTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	body, err := s.roundTrip(ctx, req, time.Until(deadline), s.replyLimit(-1))
	if err != nil {
		return nil, err
	}
	var r reply
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, NewError(ErrMalformed, err, "malformed reply from %s: %s", s.SocketPath, DescribeJSONError(err))
	}
	if r.Error != nil {
		return nil, &RPCError{Message: Sanitize(string(r.Error.Message), 200)}
	}
	if r.Result == nil || r.Result.RecordList == nil {
		return nil, NewError(ErrMalformed, errors.New("no recordList"), "malformed reply from %s: no recordList", s.SocketPath)
	}
	var out []MetricInfo
	for _, rec := range *r.Result.RecordList {
		name := Sanitize(string(rec.Record.Name), 256)
		if re != nil && !re.MatchString(name) {
			continue
		}
		out = append(out, MetricInfo{
			Name:  name,
			Type:  strings.ToLower(Sanitize(string(rec.Record.DataType), 20)),
			Value: Sanitize(string(rec.Record.CurrentValue), 80),
		})
	}
	return SortInfos(out), nil
}

// List implements Lister with `traffic_ctl metric match REGEX` (ATS 9.x
// and 10.x print `name value` lines).
func (s *TrafficCtlSource) List(ctx context.Context, pattern string) ([]MetricInfo, error) {
	re, err := CompileFilter(pattern)
	if err != nil {
		return nil, err
	}
	run := s.Run
	if run == nil {
		run = ExecRunner
	}
	ctx, cancel := WithDefaultDeadline(ctx, DefaultTimeout)
	defer cancel()
	// traffic_ctl's own regex dialect differs between versions: ask for
	// everything and filter here.
	out, err := runGuarded(ctx, run, []string{s.bin(), "metric", "match", "."})
	if err != nil {
		return nil, s.commandErrorAs(Sanitize(s.bin(), 200)+" metric match", err)
	}
	var infos []MetricInfo
	for _, line := range strings.Split(string(out), "\n") {
		name, value, ok := ParseTrafficCtlLine(strings.TrimRight(line, "\r"))
		if !ok || (re != nil && !re.MatchString(name)) {
			continue
		}
		typ := "int"
		if strings.ContainsAny(value, ".eE") {
			typ = "float"
		}
		if _, ok := ParseTrafficCtlValue(value); !ok {
			typ = "string"
		}
		infos = append(infos, MetricInfo{Name: Sanitize(name, 256), Type: typ, Value: Sanitize(value, 80)})
	}
	return SortInfos(infos), nil
}

// List implements Lister through whichever path the host is read by.
func (s *SSHSource) List(ctx context.Context, pattern string) ([]MetricInfo, error) {
	if err := s.Client.Down(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	ready, rpc, ctl := s.ready, s.rpc, s.ctl
	s.mu.Unlock()
	if !ready {
		if err := s.Prepare(ctx); err != nil {
			return nil, err
		}
		s.mu.Lock()
		rpc, ctl = s.rpc, s.ctl
		s.mu.Unlock()
	}
	if rpc != nil {
		return rpc.List(ctx, pattern)
	}
	return ctl.List(ctx, pattern)
}
