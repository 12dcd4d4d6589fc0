package testproc

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestOnFreePortRetriesBind(t *testing.T) {
	var ports []int
	OnFreePort(t, "thing", func(port int) error {
		ports = append(ports, port)
		if len(ports) < 3 {
			return fmt.Errorf("thing on %d: %w", port, ErrBind)
		}
		return nil
	})
	if len(ports) != 3 || ports[0] <= 0 {
		t.Errorf("tried ports %v, want 3", ports)
	}

	calls := 0
	r := runTB(func(tb testing.TB) {
		OnFreePort(tb, "thing", func(int) error { calls++; return errors.New("broken") })
	})
	if calls != 1 || r.fatal != "starting thing: broken" {
		t.Errorf("%d calls, fatal %q", calls, r.fatal)
	}

	calls = 0
	r = runTB(func(tb testing.TB) {
		OnFreePort(tb, "thing", func(int) error { calls++; return ErrBind })
	})
	if calls != portAttempts || !strings.Contains(r.fatal, "port in use") {
		t.Errorf("%d calls, fatal %q", calls, r.fatal)
	}
}
