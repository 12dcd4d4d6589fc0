// Package monitor owns what is known of the hosts being watched: every
// metric's series (a metrics.Store), each host's status (its last error,
// warnings, how it is read) and the newest data time, all changed by one
// method, Apply. The screen, --once and the tests apply collected results
// through it, so the rules (a host that comes back starts its rates
// afresh) are written once.
package monitor

import (
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// State is the collected data of a set of hosts.
type State struct {
	store  *metrics.Store
	names  []string
	status *HostStatus
	newest time.Time
}

// New watches the named hosts for dashboard d, keeping history of each
// series at the given collection interval.
func New(d *config.Dashboard, names []string, history, interval time.Duration) (*State, error) {
	store, err := metrics.NewStore(len(names), MetricDefs(d), history, interval)
	if err != nil {
		return nil, err
	}
	return &State{store: store, names: names, status: NewHostStatus(len(names))}, nil
}

// MetricDefs lists the dashboard's metrics in ID order (config.MetricRef):
// what the store derives for each.
func MetricDefs(d *config.Dashboard) []metrics.MetricDef {
	var defs []metrics.MetricDef
	for ref := range d.Metrics() {
		m := ref.Metric
		defs = append(defs, m.Def())
	}
	return defs
}

// Apply records one host's collection result: its status, and, when it
// answered, its values. A host answering again after failures (perhaps
// restarted) has its rate baselines reset first: rates across the outage
// would average over it or, after a restart, start from a stale baseline.
func (s *State) Apply(r collect.Result) {
	if r.Host < 0 || r.Host >= len(s.names) {
		return
	}
	if s.status.Record(r) {
		s.store.ResetHost(r.Host)
		s.store.MarkEvent(r.Host, r.Snapshot.Time, metrics.EventReconnect)
	}
	if r.Err != nil {
		s.store.Failed(r.Host, r.Snapshot.Time)
		return
	}
	s.store.Observe(r.Host, r.Snapshot)
	if r.Snapshot.Time.After(s.newest) {
		s.newest = r.Snapshot.Time
	}
}

// Store is every series of every host.
func (s *State) Store() *metrics.Store { return s.store }

// Names are the hosts' display names, in host order.
func (s *State) Names() []string { return s.names }

// Newest is the time of the newest snapshot applied (zero before any).
func (s *State) Newest() time.Time { return s.newest }

// Status is the hosts' status.
func (s *State) Status() *HostStatus { return s.status }

// AllHaveValues says whether every series of every host has a value, or
// never will: its server lacks a record it reads.
func (s *State) AllHaveValues() bool {
	for h := 0; h < s.store.Hosts(); h++ {
		for i := 0; i < s.store.Metrics(); i++ {
			sr := s.store.Series(h, i)
			if _, ok := sr.Latest(); !ok && !sr.Missing() {
				return false
			}
		}
	}
	return true
}

// Errors are "host: error" for each failing host, in host order.
func (s *State) Errors() []string { return s.status.Errors(s.names) }

// Warnings are "host: warning" for each host with warnings.
func (s *State) Warnings() []string { return s.status.Warnings(s.names) }

// AllWarnings are "host: warning" for every warning of every host, in host
// order (Warnings shortens each host's to its first and a count).
func (s *State) AllWarnings() []string {
	var out []string
	for i, h := range s.status.hosts {
		for _, w := range h.warnings {
			out = append(out, s.names[i]+": "+OneLine(w))
		}
	}
	return out
}
