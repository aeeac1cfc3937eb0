package portalsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testToday is the default "today" of the tests.
var testToday = time.Date(2026, 11, 27, 0, 0, 0, 0, cst)

// small is a portal with every family and every non-UTF-8 declaration
// style (units 0–7), with enough items to paginate.
var small = Options{Seed: 7, Units: 8, ChannelsMin: 5, ChannelsMax: 6, Items: 30, Letters: 40, Today: testToday, Layouts: LayoutsClassic}

func newSim(t testing.TB, opt Options) *Sim {
	t.Helper()
	s, err := New(opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// serve starts s on a loopback server for the test.
func serve(t testing.TB, s *Sim) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// fetch GETs url and returns the response and its body.
func fetch(t testing.TB, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp, b
}
