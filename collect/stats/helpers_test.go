package stats

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// promptSlack is how late past its deadline a Fetch may return.
const ctlPromptSlack = 500 * time.Millisecond

// Records the tests read.
const (
	ctlIncoming  = "proxy.process.http.incoming_requests"
	ctlTotalMiss = "proxy.process.http.transaction_totaltime.miss_cold"
	ctlConnFail  = "proxy.process.http.err_connect_fail_count"
)

// ctlFixture is a traffic_ctl capture of the same 9.2 server the stats
// captures come from (kept with the traffic_ctl source's test data).
func ctlFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "trafficctl", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
