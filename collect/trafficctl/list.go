package trafficctl

import (
	"context"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// List implements Lister with `traffic_ctl metric match REGEX` (ATS 9.x
// and 10.x print `name value` lines).
func (s *TrafficCtlSource) List(ctx context.Context, pattern string) ([]collect.MetricInfo, error) {
	re, err := collect.CompileFilter(pattern)
	if err != nil {
		return nil, err
	}
	run := s.Run
	if run == nil {
		run = collect.ExecRunner
	}
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	// traffic_ctl's own regex dialect differs between versions: ask for
	// everything and filter here.
	out, err := runGuarded(ctx, run, []string{s.bin(), "metric", "match", "."})
	if err != nil {
		return nil, s.commandErrorAs(collect.Sanitize(s.bin(), 200)+" metric match", err)
	}
	var infos []collect.MetricInfo
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
		infos = append(infos, collect.MetricInfo{Name: collect.Sanitize(name, 256), Type: typ, Value: collect.Sanitize(value, 80)})
	}
	return collect.SortInfos(infos), nil
}
