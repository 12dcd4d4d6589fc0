package jsonrpc

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// browseRegex is what the metric browser asks a JSON-RPC server for: every
// proxy.process and proxy.node record except proxy.process.version.*,
// written without look-ahead (not every regex engine has it). The version
// records are STRING metrics, and a regex lookup that matches a STRING
// metric crashes released ATS 10.2.0.
const browseRegex = `^proxy\.(node\.|process\.([^v]|v([^e]|e([^r]|r([^s]|s([^i]|i([^o]|o([^n]|n[^.]))))))))`

// Skipped says which records List leaves out that pattern would match, and
// why, so the browser can say so instead of hiding them silently.
func (s *JSONRPCSource) Skipped(pattern string) (names []string, why string) {
	re, err := collect.CompileFilter(pattern)
	if err != nil {
		return nil, ""
	}
	for _, n := range collect.StringRecords {
		if re == nil || re.MatchString(n) {
			names = append(names, n)
		}
	}
	return names, "they are STRING records, and asking Traffic Server 10.2.0 for STRING records by regular expression crashes it; read them with traffic_ctl metric get NAME"
}

// List implements Lister: one lookup of every process and node record
// (STRING version records excepted, see browseRegex), filtered here with
// pattern.
func (s *JSONRPCSource) List(ctx context.Context, pattern string) ([]collect.MetricInfo, error) {
	re, err := collect.CompileFilter(pattern)
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
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	body, err := s.roundTrip(ctx, new([]byte), req, time.Until(deadline), s.replyLimit(-1))
	if err != nil {
		return nil, err
	}
	var r reply
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, collect.NewError(collect.ErrMalformed, err, "malformed reply from %s: %s", s.SocketPath, collect.DescribeJSONError(err))
	}
	if r.Error != nil {
		return nil, &collect.RPCError{Message: collect.Sanitize(string(r.Error.Message), 200)}
	}
	if r.Result == nil || r.Result.RecordList == nil {
		return nil, collect.NewError(collect.ErrMalformed, errors.New("no recordList"), "malformed reply from %s: no recordList", s.SocketPath)
	}
	var out []collect.MetricInfo
	for _, rec := range *r.Result.RecordList {
		name := collect.Sanitize(string(rec.Record.Name), 256)
		if re != nil && !re.MatchString(name) {
			continue
		}
		out = append(out, collect.MetricInfo{
			Name:  name,
			Type:  strings.ToLower(collect.Sanitize(string(rec.Record.DataType), 20)),
			Value: collect.Sanitize(string(rec.Record.CurrentValue), 80),
		})
	}
	return collect.SortInfos(out), nil
}
