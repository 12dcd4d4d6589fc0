// Package pages holds the built-in dashboards, embedded as YAML in the same
// schema users write, so each doubles as an example to copy and pass with -c.
package pages

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/traffic-grapher/traffic_grapher/config"
)

//go:embed default.yaml
var defaultYAML []byte

// A Linux host through node_exporter, read directly (the prom source) or
// through a Prometheus server (promql).
var (
	//go:embed node.yaml
	nodeYAML []byte
	//go:embed node_promql.yaml
	nodePromQLYAML []byte
)

// DefaultName is the name of the dashboard Default returns.
const DefaultName = "ats"

// builtins maps each built-in dashboard's name to its YAML and the file
// name used in messages.
var builtins = map[string]struct {
	file string
	data []byte
}{
	DefaultName:   {"pages/default.yaml", defaultYAML},
	"node":        {"pages/node.yaml", nodeYAML},
	"node-promql": {"pages/node_promql.yaml", nodePromQLYAML},
}

var (
	parseOnce sync.Once
	parsed    map[string]*config.Dashboard
	parseErr  error
)

// load parses every built-in dashboard once.
func load() (map[string]*config.Dashboard, error) {
	parseOnce.Do(func() {
		parsed = map[string]*config.Dashboard{}
		for name, b := range builtins {
			d, err := config.Parse(b.file, b.data)
			if err != nil {
				parseErr = fmt.Errorf("built-in dashboard %q: %w", name, err)
				return
			}
			parsed[name] = d
		}
	})
	return parsed, parseErr
}

// Default returns the built-in Traffic Server dashboard: the original
// traffic_grapher's four pages (pages/default.yaml). It panics only if the
// embedded file is invalid, which the package's tests rule out. Each call
// returns a fresh copy that the caller may modify.
func Default() *config.Dashboard {
	d, ok := Lookup(DefaultName)
	if !ok {
		panic("pages: no built-in dashboard " + DefaultName)
	}
	return d
}

// Title is the header title for the built-in dashboard called name.
func Title(name string) string {
	if strings.HasPrefix(name, "node") {
		return "Node"
	}
	return "ATS"
}

// Names lists the built-in dashboards, sorted.
func Names() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns a fresh copy of the built-in dashboard called name.
func Lookup(name string) (*config.Dashboard, bool) {
	all, err := load()
	if err != nil {
		if _, known := builtins[name]; known {
			panic(err)
		}
		return nil, false
	}
	d, ok := all[name]
	if !ok {
		return nil, false
	}
	c := d.Clone()
	c.Builtin = name
	return c, true
}

// YAML returns the source of the built-in dashboard called name, for
// printing as a starting point for a custom file.
func YAML(name string) ([]byte, bool) {
	b, ok := builtins[name]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b.data...), true
}
