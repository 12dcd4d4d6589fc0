package ssh

import (
	"context"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// List implements Lister through whichever path the host is read by.
func (s *SSHSource) List(ctx context.Context, pattern string) ([]collect.MetricInfo, error) {
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
