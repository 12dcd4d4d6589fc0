package prom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// List implements Lister: the metric names the server knows
// (/api/v1/label/__name__/values; only those with a series of $host's
// instance when the source has a host), filtered by pattern, each with the
// type its exporters declared (/api/v1/metadata, when the server has it).
// Values are left out: they would take a query per name.
func (s *PromQLSource) List(ctx context.Context, pattern string) ([]collect.MetricInfo, error) {
	re, err := collect.CompileFilter(pattern)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if s.Host != "" {
		q.Set("match[]", fmt.Sprintf(`{instance=%q}`, s.Host))
	}
	var names []string
	if err := s.getAPI(ctx, "/api/v1/label/__name__/values", q, &names); err != nil {
		return nil, err
	}
	// Types are a nicety: a server without metadata (or an old one) still
	// lists names.
	var meta map[string][]struct {
		Type string `json:"type"`
	}
	_ = s.getAPI(ctx, "/api/v1/metadata", nil, &meta)

	var out []collect.MetricInfo
	for _, n := range names {
		if re != nil && !re.MatchString(n) {
			continue
		}
		info := collect.MetricInfo{Name: collect.Sanitize(n, 256)}
		if m := meta[n]; len(m) > 0 {
			info.Type = collect.Sanitize(m[0].Type, 20)
		}
		out = append(out, info)
	}
	collect.SortInfos(out)
	return out, nil
}

// getAPI GETs one API path and decodes its data into v.
func (s *PromQLSource) getAPI(ctx context.Context, path string, q url.Values, v any) error {
	u := s.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	display := displayURL(s.URL)
	r, err := promGet(ctx, s.client, u, display, http.Header{"Accept": {"application/json"}}, collect.DefaultMaxReplyBytes)
	if err != nil {
		return err
	}
	var reply promAPIReply
	if err := json.Unmarshal(r.body, &reply); err != nil {
		if r.status != http.StatusOK {
			return r.statusError()
		}
		return collect.NewError(collect.ErrMalformed, err, "%s%s: %s", display, path, collect.DescribeJSONError(err))
	}
	if reply.Status != "success" {
		return &PromQLError{Type: collect.Sanitize(reply.ErrorType, 40), Message: collect.Sanitize(reply.Error, 240)}
	}
	if err := json.Unmarshal(reply.Data, v); err != nil {
		return collect.NewError(collect.ErrMalformed, err, "%s%s: %s", display, path, collect.DescribeJSONError(err))
	}
	return nil
}
