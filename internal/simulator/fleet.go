package simulator

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// A fleet is many simulated hosts served from one process: a socket each
// (and, with Stats, stats_over_http on a loopback port each), so that a
// fleet of sixty costs one process, not sixty. With Sick, its last four
// hosts are the ones a fleet view must find: one whose 5xx climb, one
// that answers slowly, one that restarts every minute or so, and one
// that is down (its socket refuses).

// FleetOptions says what StartFleet starts.
type FleetOptions struct {
	Dir   string // required: each host's socket is Dir/NAME/jsonrpc20.sock
	Hosts int    // how many; named edge01, edge02, … (as many digits as the count has)
	Sick  bool   // the last four are sick (see above); needs 8 hosts or more
	Stats bool   // also serve stats_over_http on 127.0.0.1, a free port each
	// SlowDelay is how long the slow host holds a reply; 0 means 700 ms
	// (over half of a 1 s interval's deadline: "slow").
	SlowDelay time.Duration
	Clock     func() time.Time
}

// The sick hosts' places from the end of a fleet.
const (
	SickRising     = 4 // its 5xx climb to 8 % over five minutes
	SickSlow       = 3
	SickRestarting = 2 // restarts every 60 s or so
	SickDown       = 1 // its socket refuses connections
)

// Fleet is a running fleet.
type Fleet struct {
	Names   []string
	Sockets []string
	// StatsURLs are the hosts' /_stats addresses ("" without Stats; the
	// down host's refuses).
	StatsURLs []string
	// Servers are the hosts' servers; nil for the down one.
	Servers []*Server
}

// Personality says what host i is: "" for a healthy host.
func (o FleetOptions) Personality(i int) string {
	if !o.Sick || o.Hosts < 8 {
		return ""
	}
	switch o.Hosts - i {
	case SickRising:
		return "rising 5xx"
	case SickSlow:
		return "slow"
	case SickRestarting:
		return "restarting"
	case SickDown:
		return "down"
	}
	return ""
}

// StartFleet starts the fleet; Close stops it.
func StartFleet(o FleetOptions) (*Fleet, error) {
	if o.Dir == "" || o.Hosts < 1 {
		return nil, errors.New("simulator: a fleet needs a directory and at least one host")
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = 700 * time.Millisecond
	}
	digits := len(fmt.Sprint(o.Hosts))
	f := &Fleet{}
	for i := range o.Hosts {
		name := fmt.Sprintf("edge%0*d", digits, i+1)
		dir := filepath.Join(o.Dir, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			f.Close()
			return nil, fmt.Errorf("simulator: %w", err)
		}
		f.Names = append(f.Names, name)
		f.Sockets = append(f.Sockets, filepath.Join(dir, SocketName))
		opts := Options{Dir: dir, Seed: int64(i + 1), ResetEvery: NoReset, Clock: o.Clock}
		switch o.Personality(i) {
		case "down":
			if err := refusingSocket(filepath.Join(dir, SocketName)); err != nil {
				f.Close()
				return nil, err
			}
			url := ""
			if o.Stats {
				var err error
				if url, err = refusingURL(); err != nil {
					f.Close()
					return nil, err
				}
			}
			f.Servers, f.StatsURLs = append(f.Servers, nil), append(f.StatsURLs, url)
			continue
		case "rising 5xx":
			opts.RisingErrors = true
		case "slow":
			opts.ReplyDelay = o.SlowDelay
		case "restarting":
			opts.ResetEvery = time.Minute
		}
		s, err := Start(opts)
		if err != nil {
			f.Close()
			return nil, err
		}
		f.Servers = append(f.Servers, s)
		url := ""
		if o.Stats {
			if url, err = s.StartStats("127.0.0.1:0"); err != nil {
				f.Close()
				return nil, err
			}
		}
		f.StatsURLs = append(f.StatsURLs, url)
	}
	return f, nil
}

// refusingSocket leaves a socket file nobody listens on: connecting to it
// is refused, as to a stopped traffic_server's.
func refusingSocket(path string) error {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	ln.SetUnlinkOnClose(false)
	return ln.Close()
}

// refusingURL is a /_stats address on a loopback port nobody listens on
// (one just freed: refused until something else takes it).
func refusingURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("simulator: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/_stats", nil
}

// HostArgs are the fleet's hosts as traffic_grapher's arguments, named:
// "edge01=unix:…/jsonrpc20.sock", or with form "stats" or "prom" (10.2's
// prometheus_v2) its stats_over_http addresses.
func (f *Fleet) HostArgs(form string) []string {
	var out []string
	for i, name := range f.Names {
		switch form {
		case "stats", "prom":
			url := f.StatsURLs[i]
			if url == "" {
				continue // no stats_over_http (FleetOptions.Stats)
			}
			if form == "prom" {
				out = append(out, name+"=prom+"+url+"/prometheus_v2")
			} else {
				out = append(out, name+"=stats+"+url)
			}
		default:
			out = append(out, name+"=unix:"+f.Sockets[i])
		}
	}
	return out
}

// Close stops every host.
func (f *Fleet) Close() {
	for _, s := range f.Servers {
		if s != nil {
			s.Close()
		}
	}
}
