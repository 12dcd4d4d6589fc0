package atstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// layout is where the installed Traffic Server keeps what the private
// instance shares with it: programs and plugins, read only.
type layout struct {
	bindir, libdir, plugindir string
}

// installedLayout asks `traffic_layout info` (which prints "BINDIR: /usr/bin"
// and so on), falling back to the directory of traffic_server and the
// Debian paths. It runs outside any runroot: traffic_layout would otherwise
// report the runroot's own paths.
func installedLayout(trafficServer string) layout {
	l := layout{
		bindir:    filepath.Dir(trafficServer),
		libdir:    "/usr/lib/trafficserver",
		plugindir: "/usr/lib/trafficserver/modules",
	}
	tl := filepath.Join(l.bindir, "traffic_layout")
	cmd := exec.Command(tl, "info")
	cmd.Dir = "/"             // no runroot.yaml in cwd's parents
	cmd.Env = envWithout(nil) // no TS_RUNROOT
	out, err := cmd.Output()
	if err != nil {
		return l
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		if !ok || !filepath.IsAbs(v) {
			continue
		}
		switch strings.TrimSpace(k) {
		case "LIBDIR":
			l.libdir = v
		case "PLUGINDIR":
			l.plugindir = v
		}
	}
	return l
}

// envWithout returns the environment without TS_RUNROOT, plus extra.
func envWithout(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TS_RUNROOT=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// writeConfig writes a complete private configuration under dir: the
// runroot.yaml that points every writable directory into dir (programs and
// plugins stay where the package installed them), and every file
// traffic_server reads from sysconfdir, so nothing under /etc/trafficserver,
// /var/*/trafficserver or /run/trafficserver is read or written.
func writeConfig(dir string, l layout, port int, originURL string, opts Options) error {
	for _, d := range []string{"etc", "var", "run", "log", "cache"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	files := map[string]string{
		"runroot.yaml":             runrootYAML(dir, l),
		"etc/records.config":       recordsConfig(dir, port, opts.Records),
		"etc/storage.config":       fmt.Sprintf("%s %dM\n", filepath.Join(dir, "cache"), opts.CacheMB),
		"etc/plugin.config":        "stats_over_http.so\n",
		"etc/remap.config":         "map / " + strings.TrimSuffix(originURL, "/") + "/\n",
		"etc/ip_allow.yaml":        ipAllowYAML,
		"etc/logging.yaml":         "",
		"etc/cache.config":         "",
		"etc/hosting.config":       "",
		"etc/parent.config":        "",
		"etc/socks.config":         "",
		"etc/splitdns.config":      "",
		"etc/ssl_multicert.config": "",
		"etc/sni.yaml":             "",
		"etc/strategies.yaml":      "",
		"etc/volume.config":        "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func runrootYAML(dir string, l layout) string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{"prefix", dir},
		{"exec_prefix", filepath.Dir(l.bindir)},
		{"bindir", l.bindir},
		{"sbindir", l.bindir},
		{"sysconfdir", filepath.Join(dir, "etc")},
		{"datadir", filepath.Join(dir, "share")},
		{"includedir", filepath.Join(dir, "include")},
		{"libdir", l.libdir},
		{"libexecdir", l.plugindir},
		{"localstatedir", filepath.Join(dir, "var")},
		{"runtimedir", filepath.Join(dir, "run")},
		{"logdir", filepath.Join(dir, "log")},
		{"cachedir", filepath.Join(dir, "cache")},
	} {
		fmt.Fprintf(&b, "%s: %s\n", kv[0], kv[1])
	}
	return b.String()
}

// recordsConfig is the instance's records.config. Why each line:
func recordsConfig(dir string, port int, extra []string) string {
	lines := []string{
		// Run as whoever runs the test (9.2 forbids "root"/"#0"; "#-1"
		// means do not change user), so the temporary directory needs no
		// chown and no "trafficserver" account is needed.
		"CONFIG proxy.config.admin.user_id STRING #-1",
		// Loopback only, on a port chosen by the test.
		fmt.Sprintf("CONFIG proxy.config.http.server_ports STRING %d:ipv4:ip-in=127.0.0.1", port),
		// A reverse proxy: only remap.config's mapping is served.
		"CONFIG proxy.config.reverse_proxy.enabled INT 1",
		"CONFIG proxy.config.url_remap.remap_required INT 1",
		"CONFIG proxy.config.http.cache.http INT 1",
		// Cache what carries an explicit lifetime (the origin's max-age).
		"CONFIG proxy.config.http.cache.required_headers INT 2",
		// Small: two event threads, a small RAM cache.
		"CONFIG proxy.config.exec_thread.autoconfig INT 0",
		"CONFIG proxy.config.exec_thread.limit INT 2",
		"CONFIG proxy.config.accept_threads INT 1",
		"CONFIG proxy.config.task_threads INT 1",
		"CONFIG proxy.config.cache.threads_per_disk INT 2",
		"CONFIG proxy.config.cache.ram_cache.size INT 16777216",
		// No access log (nothing reads it), diagnostics into the private
		// log directory and never to syslog, no traffic_crashlog helper
		// (it would log to syslog and needs a passwd entry for the user).
		"CONFIG proxy.config.log.logging_enabled INT 0",
		"CONFIG proxy.config.log.logfile_dir STRING " + filepath.Join(dir, "log"),
		"CONFIG proxy.config.diags.output.error STRING L",
		"CONFIG proxy.config.diags.output.fatal STRING LE",
		"CONFIG proxy.config.diags.output.emergency STRING LE",
		"CONFIG proxy.config.diags.output.alert STRING L",
		"CONFIG proxy.config.crash_log_helper STRING NULL",
		"CONFIG proxy.config.body_factory.enable_customizations INT 0",
		"CONFIG proxy.config.hostdb.storage_path STRING " + filepath.Join(dir, "var"),
	}
	return strings.Join(append(lines, extra...), "\n") + "\n"
}

const ipAllowYAML = `ip_allow:
  - apply: in
    ip_addrs: 127.0.0.1
    action: allow
    methods: ALL
  - apply: out
    ip_addrs: 127.0.0.1
    action: allow
    methods: ALL
`
