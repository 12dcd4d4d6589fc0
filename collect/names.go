package collect

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Every host needs a name that tells it apart on the screen: titles list
// values per host, legends name each host's line pattern. Names come from
// the argument (edge1, 127.0.0.1, ats1); a name given by the user (NAME=HOST
// on the command line, name: in the config) wins. This file is the one
// place those rules live.

// explicitName is NAME=HOST: a name of letters, digits, '.', '_' and '-'
// before the first '=' (a URL's own '=' comes after "://").
var explicitName = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]{0,63})=(.+)$`)

// splitExplicitName splits NAME=HOST; ok is false for a plain HOST.
func splitExplicitName(arg string) (name, host string, ok bool) {
	m := explicitName.FindStringSubmatch(strings.TrimSpace(arg))
	if m == nil {
		return "", arg, false
	}
	return m[1], m[2], true
}

// UniqueNames makes the names of eps distinct, in place. Names the user
// gave are kept, and two equal ones are an error. Derived names that clash
// are lengthened by what differs between the hosts: the port, then the
// socket path or URL, then the whole argument; hosts whose arguments are
// the same get "#1", "#2", … in order.
func UniqueNames(eps []Endpoint) error {
	given := map[string]int{}
	for i, ep := range eps {
		if !ep.Named {
			continue
		}
		if j, dup := given[ep.Name]; dup {
			return fmt.Errorf("hosts %d and %d are both named %q: give each its own name", j+1, i+1, ep.Name)
		}
		given[ep.Name] = i
	}
	// Group the derived names that clash with another name.
	count := map[string]int{}
	for _, ep := range eps {
		count[ep.Name]++
	}
	for name, n := range count {
		_, taken := given[name]
		if n < 2 && !taken {
			continue
		}
		var group []int
		for i, ep := range eps {
			if ep.Name == name && !ep.Named {
				group = append(group, i)
			}
		}
		renameGroup(eps, group, given)
	}
	return nil
}

// renameGroup gives hosts whose derived names clash the first longer form
// that tells them all apart and clashes with nothing given.
func renameGroup(eps []Endpoint, group []int, given map[string]int) {
	for level := 1; level < 4; level++ {
		seen := map[string]bool{}
		ok := true
		for _, i := range group {
			n := longerName(eps[i], level)
			if seen[n] {
				ok = false
				break
			}
			if _, taken := given[n]; taken {
				ok = false
				break
			}
			seen[n] = true
		}
		if ok {
			for _, i := range group {
				eps[i].Name = longerName(eps[i], level)
			}
			return
		}
	}
	for k, i := range group {
		eps[i].Name = eps[i].Name + "#" + strconv.Itoa(k+1)
	}
}

// longerName is a host's name said more fully: level 1 adds the port,
// level 2 is host:port/path (or the socket path), level 3 the argument.
func longerName(ep Endpoint, level int) string {
	switch level {
	case 1:
		if p := endpointPort(ep); p != "" {
			return ep.Name + ":" + p
		}
		return ep.Name
	case 2:
		if ep.Socket != "" {
			return ep.Name + " " + ep.Socket
		}
		if u, err := url.Parse(ep.URL); err == nil && ep.URL != "" {
			return u.Host + u.Path
		}
		return ep.Name
	}
	return strings.TrimSpace(ep.Arg)
}

// endpointPort is the port an endpoint names, if any.
func endpointPort(ep Endpoint) string {
	if ep.URL != "" {
		if u, err := url.Parse(ep.URL); err == nil {
			return u.Port()
		}
	}
	if ep.SSH.Port != 0 {
		return strconv.Itoa(ep.SSH.Port)
	}
	return ""
}

// NaturalCompare orders names with their digit runs as numbers: edge2
// before edge10.
func NaturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
