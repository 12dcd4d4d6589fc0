package atstest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// driveBatch is how many URLs one curl process fetches (over one kept-alive
// connection, as a browser would), keeping its command line short.
const driveBatch = 100

// Drive sends n GET requests through the proxy with curl and returns how
// many got each status code. Request k (counted over the instance's
// lifetime) is, in turn of k%10:
//
//	0, 1        /missing/k      404 from the origin
//	2           /cache/cold-k   a cacheable object never asked before: miss
//	3           /nocache/k      not cacheable: miss
//	4 … 9       /cache/hot-k%4  the same four objects: hits once cached
//
// so that every Drive mixes hits, misses and 404s. A request that gets no
// HTTP answer at all fails the test.
func (a *ATS) Drive(t testing.TB, n int) map[int]int {
	t.Helper()
	codes := map[int]int{}
	for n > 0 {
		batch := min(n, driveBatch)
		n -= batch
		urls := make([]string, batch)
		for i := range urls {
			urls[i] = a.ProxyURL + drivePath(int(a.driven.Add(1)-1))
		}
		for code, c := range a.curl(t, urls) {
			codes[code] += c
		}
	}
	return codes
}

func drivePath(k int) string {
	switch k % 10 {
	case 0, 1:
		return "/missing/" + strconv.Itoa(k)
	case 2:
		return "/cache/cold-" + strconv.Itoa(k)
	case 3:
		return "/nocache/" + strconv.Itoa(k)
	}
	return "/cache/hot-" + strconv.Itoa(k%4)
}

// curl fetches urls with one curl process: -s, body to /dev/null, the
// status code written per URL (000 when there was no HTTP answer), no
// proxy from the environment (the URLs are on 127.0.0.1 anyway), each
// transfer and the whole run bounded.
func (a *ATS) curl(t testing.TB, urls []string) map[int]int {
	t.Helper()
	return curlCodes(t, a.curlPath, nil, urls)
}

// curlCodes is curl with extra flags (-k, --http2) before the URLs.
func curlCodes(t testing.TB, curlPath string, extra, urls []string) map[int]int {
	t.Helper()
	args := append([]string{"-s", "--noproxy", "*", "--connect-timeout", "5", "--max-time", "10", "-w", "%{http_code}\\n"}, extra...)
	for _, u := range urls {
		args = append(args, "-o", "/dev/null", u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, curlPath, args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	// curl exits non-zero when its last transfer failed; the per-URL codes
	// say which did.
	lines := strings.Fields(string(out))
	if len(lines) != len(urls) {
		t.Fatalf("curl printed %d status codes for %d URLs (%v): %q", len(lines), len(urls), err, out)
	}
	codes := map[int]int{}
	for i, l := range lines {
		code, convErr := strconv.Atoi(l)
		if convErr != nil || code == 0 {
			t.Fatalf("curl %s: no HTTP answer (%q, %v)", urls[i], l, err)
		}
		codes[code]++
	}
	return codes
}

// String summarizes codes for messages: "200×60 404×20".
func CodesString(codes map[int]int) string {
	var parts []string
	for code := 100; code < 600; code++ {
		if c := codes[code]; c > 0 {
			parts = append(parts, fmt.Sprintf("%d×%d", code, c))
		}
	}
	return strings.Join(parts, " ")
}
