package collect

import (
	"fmt"
	"regexp"
	"sort"
)

// CompileFilter compiles the user's pattern (case-insensitive, unanchored,
// like ATS's own matching); "" matches everything.
func CompileFilter(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, nil
	}
	re, err := regexp.Compile("(?i)" + pattern)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %v", pattern, err)
	}
	return re, nil
}

func SortInfos(out []MetricInfo) []MetricInfo {
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
