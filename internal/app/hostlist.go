package app

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/config"
)

// A fleet is named on the command line as a shell would expand it
// (edge{01..60}, pop{1,2}-edge{1..8}) even where no shell did (quoted, in
// a hosts file), and in a file of one host per line (--hosts-file).

// expandHosts expands the braces of every host argument (expandBraces)
// and checks the whole list is not more than a run watches.
func expandHosts(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		hs, err := expandBraces(a)
		if err != nil {
			return nil, usageError{fmt.Sprintf("host %q: %v", a, err)}
		}
		out = append(out, hs...)
		if len(out) > config.MaxFleet {
			return nil, usageError{fmt.Sprintf("%d hosts or more; at most %d", len(out), config.MaxFleet)}
		}
	}
	return out, nil
}

// expandBraces expands a word as a shell's brace expansion does, for the
// two forms a host list needs: a list {a,b,c} and a range {1..60}, whose
// numbers keep the zero padding of the wider end ({01..60}: 01 ... 60).
// Braces holding neither (a Prometheus selector's {job="ats"}) are left
// alone, as a shell leaves them.
func expandBraces(word string) ([]string, error) {
	open := -1
	for i := 0; i < len(word); i++ {
		switch word[i] {
		case '{':
			open = i
		case '}':
			if open < 0 {
				continue
			}
			alts, ok, err := braceAlternatives(word[open+1 : i])
			if err != nil {
				return nil, err
			}
			if !ok {
				open = -1
				continue
			}
			prefix := word[:open]
			rest, err := expandBraces(word[i+1:])
			if err != nil {
				return nil, err
			}
			if len(alts)*len(rest) > config.MaxFleet {
				return nil, fmt.Errorf("expands to %d hosts; at most %d", len(alts)*len(rest), config.MaxFleet)
			}
			var out []string
			for _, a := range alts {
				for _, r := range rest {
					out = append(out, prefix+a+r)
				}
			}
			return out, nil
		}
	}
	return []string{word}, nil
}

// braceAlternatives reads what is between two braces: a list or a range,
// or ok=false for anything else.
func braceAlternatives(in string) ([]string, bool, error) {
	if strings.ContainsAny(in, "{}=\"'") {
		return nil, false, nil
	}
	if lo, hi, found := strings.Cut(in, ".."); found && !strings.Contains(hi, "..") {
		a, errA := strconv.Atoi(lo)
		b, errB := strconv.Atoi(hi)
		if errA != nil || errB != nil || a < 0 || b < 0 {
			return nil, false, nil
		}
		if n := b - a; n > config.MaxFleet || -n > config.MaxFleet {
			return nil, false, fmt.Errorf("{%s} is %d hosts; at most %d", in, max(n, -n)+1, config.MaxFleet)
		}
		width := 0
		if strings.HasPrefix(lo, "0") || strings.HasPrefix(hi, "0") {
			width = max(len(lo), len(hi))
		}
		step := 1
		if b < a {
			step = -1
		}
		var out []string
		for n := a; ; n += step {
			out = append(out, fmt.Sprintf("%0*d", width, n))
			if n == b {
				break
			}
		}
		return out, true, nil
	}
	if !strings.Contains(in, ",") {
		return nil, false, nil
	}
	return strings.Split(in, ","), true, nil
}

// maxHostsFile bounds a hosts file: a thousand host lines are some 100 KiB.
const maxHostsFile = 1 << 20

// readHostsFile reads --hosts-file: one host per line as on the command
// line (braces expanded), blank lines and lines starting with # skipped.
func readHostsFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--hosts-file: %v", err)}
	}
	defer f.Close()
	var hosts []string
	sc := bufio.NewScanner(io.LimitReader(f, maxHostsFile+1))
	sc.Buffer(make([]byte, 4096), maxHostsFile+1)
	n, size := 0, 0
	for sc.Scan() {
		n++
		size += len(sc.Bytes()) + 1
		if size > maxHostsFile {
			return nil, usageError{fmt.Sprintf("--hosts-file %s: larger than %d bytes; a thousand hosts take far less", path, maxHostsFile)}
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, usageError{fmt.Sprintf("--hosts-file %s:%d: a control character in %q", path, n, line)}
		}
		hs, err := expandBraces(line)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--hosts-file %s:%d: %v", path, n, err)}
		}
		hosts = append(hosts, hs...)
		if len(hosts) > config.MaxFleet {
			return nil, usageError{fmt.Sprintf("--hosts-file %s: more than %d hosts", path, config.MaxFleet)}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, usageError{fmt.Sprintf("--hosts-file %s: %v", path, err)}
	}
	if len(hosts) == 0 {
		return nil, usageError{fmt.Sprintf("--hosts-file %s names no host", path)}
	}
	return hosts, nil
}
