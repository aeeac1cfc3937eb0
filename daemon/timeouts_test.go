package daemon

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govaudit/govaudit/web"
)

// TestSlowUploadsCutOff opens connections that send a sign-in form one
// byte at a time, as a slow-upload attack does: the daemon's server cuts
// each off when its read timeout passes, instead of keeping them open.
func TestSlowUploadsCutOff(t *testing.T) {
	st := openStore(t)
	cfg := testConfig("0 2 * * *")
	h := start(t, context.Background(), Options{Config: cfg, Store: st, Work: Work{Crawl: (&fakeCrawler{st: st}).crawl, Check: (&fakeCheck{}).check},
		HTTPTimeouts: web.Timeouts{Read: 500 * time.Millisecond}})
	addr := strings.TrimPrefix(h.url, "http://")
	const n = 10
	var wg sync.WaitGroup
	open := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if _, err := c.Write([]byte("POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n")); err != nil {
				t.Error(err)
				return
			}
			// Trickle the body for 4 s; the server must give up long before.
			deadline := time.Now().Add(4 * time.Second)
			for time.Now().Before(deadline) {
				if _, err := c.Write([]byte("a")); err != nil {
					return // cut off
				}
				c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				buf := make([]byte, 4096)
				if _, err := c.Read(buf); err != nil {
					if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
						return // closed by the server
					}
				}
			}
			open[i] = true
		})
	}
	wg.Wait()
	for i, o := range open {
		if o {
			t.Errorf("slow upload %d still open after 4 s (read timeout 500 ms)", i)
		}
	}
}
