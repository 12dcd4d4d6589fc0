package record

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseLimit reads --record-max: a size ("100MB", "1GB", "512KiB") or an
// age ("6h", "30m", "1d", "7d") at which a recording is rotated.
func ParseLimit(s string) (Options, error) {
	t := strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(t, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 && n <= 3650 {
			return Options{MaxAge: time.Duration(n) * 24 * time.Hour}, nil
		}
	}
	if d, err := time.ParseDuration(t); err == nil {
		if d < time.Minute {
			return Options{}, fmt.Errorf("--record-max %s: rotate after a minute at the least", s)
		}
		return Options{MaxAge: d}, nil
	}
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1}}
	upper := strings.ToUpper(t)
	for _, u := range units {
		if num, ok := strings.CutSuffix(upper, strings.ToUpper(u.suffix)); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || f <= 0 || f*float64(u.n) > 1e15 {
				break
			}
			if n := int64(f * float64(u.n)); n >= 64<<10 {
				return Options{MaxBytes: n}, nil
			}
			return Options{}, fmt.Errorf("--record-max %s: rotate at 64KiB at the least", s)
		}
	}
	return Options{}, fmt.Errorf("--record-max %q: want a size (100MB, 1GB) or an age (6h, 1d)", s)
}
