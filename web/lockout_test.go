package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/govaudit/govaudit/config"
)

// TestSignInLockoutParallel sends 9 wrong passwords for one name at the
// same instant, each from its own session, against a hash of the default
// cost (the check takes tens of milliseconds, as in production): only
// maxFailures of them get a password check, the rest are refused at once.
func TestSignInLockoutParallel(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte(pwInspector), bcrypt.DefaultCost)
	if err != nil {
		t.Fatal(err)
	}
	fx := newFixture(t, func(c *config.Config) {
		c.Inspectors[0].PasswordHash = string(h)
		c.Web.TrustedProxy = "127.0.0.1/32"
	})
	const n = 9
	type attempt struct {
		c    *client
		form url.Values
	}
	var attempts []attempt
	for i := range n {
		c := fx.client()
		// From 9 addresses: the name's own limit must hold.
		c.c.Transport = headerTransport{"X-Forwarded-For": "10.9.0." + string(rune('1'+i))}
		_, body := c.get("/login")
		attempts = append(attempts, attempt{c, url.Values{"csrf": {csrfOf(body)}, "name": {"张三"}, "password": {"wrong"}, "next": {"/findings"}}})
	}
	start := make(chan struct{})
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i, a := range attempts {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, fx.http.URL+"/login", strings.NewReader(a.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			resp, err := a.c.c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	checked, refused := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Errorf("status %d", c)
		}
	}
	if checked != maxFailures || refused != n-maxFailures {
		t.Errorf("%d password checks and %d refusals (%v), want %d and %d", checked, refused, codes, maxFailures, n-maxFailures)
	}
	// The right password is refused too until the window passes.
	if resp, _ := fx.client().login("张三", pwInspector); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password after the lockout: %d, want 429", resp.StatusCode)
	}
}

// countingZeros is an endless body of zeros counting what was read of it.
type countingZeros struct{ n atomic.Int64 }

func (c *countingZeros) Read(p []byte) (int, error) {
	clear(p)
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// TestHugeSignInRefusedEarly posts a 1 GiB form to the sign-in page: it is
// refused (413) before the server reads it, and a body without a declared
// length is cut at the limit.
func TestHugeSignInRefusedEarly(t *testing.T) {
	fx := newFixture(t, nil)
	for _, declared := range []bool{true, false} {
		body := &countingZeros{}
		var r io.Reader = io.LimitReader(body, 1<<30)
		req, _ := http.NewRequest(http.MethodPost, fx.http.URL+"/login", r)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if declared {
			req.ContentLength = 1 << 30
		} else {
			req.ContentLength = -1 // chunked
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		if declared && (err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge) {
			t.Errorf("declared 1 GiB: %v %v, want 413", resp, err)
		}
		if !declared && err == nil && resp.StatusCode < 400 {
			t.Errorf("chunked 1 GiB: %d, want refused", resp.StatusCode)
		}
		if n := body.n.Load(); n > 8<<20 {
			t.Errorf("declared=%v: the client sent %d MiB before the answer", declared, n>>20)
		}
	}
}

// TestStaticListsNoFiles: /static/ serves its files but lists none.
func TestStaticListsNoFiles(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.client()
	for _, p := range []string{"/static/", "/static/?C=N;O=D"} {
		if resp, body := c.get(p); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "app.css") {
			t.Errorf("GET %s: %d %q, want 404 without a listing", p, resp.StatusCode, body)
		}
	}
	if resp, _ := c.get("/static/app.css"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /static/app.css: %d", resp.StatusCode)
	}
}
