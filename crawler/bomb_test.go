package crawler

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// bomb returns 64 MiB of HTML-ish zeros compressed by enc ("gzip",
// "zlib" or "flate"): about 64 KiB on the wire.
func bomb(t *testing.T, enc string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	default:
		w, _ = flate.NewWriter(&buf, flate.BestCompression)
	}
	io.WriteString(w, "<html><body>")
	chunk := make([]byte, 1<<20)
	for range 64 {
		w.Write(chunk)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecompressionBombCapped serves compressed bombs under every coding
// and content type that colly or Go would inflate: each page is cut at
// the decoded cap, recorded too large after one attempt, and never held
// in memory in full.
func TestDecompressionBombCapped(t *testing.T) {
	gz, zl, fl := bomb(t, "gzip"), bomb(t, "zlib"), bomb(t, "flate")
	tests := []struct {
		name, encoding, ctype string
		body                  []byte
	}{
		{"x-gzip", "x-gzip", "text/html", gz},
		{"gzip", "gzip", "text/html; charset=utf-8", gz},
		{"stacked", "identity, gzip", "text/html", gz},
		{"content type", "", "application/x-gzip", gz},
		{"content type gzip", "", "application/gzip", gz},
		{"deflate zlib", "deflate", "text/html", zl},
		{"deflate raw", "deflate", "text/html", fl},
		{"xml.gz", "", "text/xml", gz},
	}
	const maxBody = 1 << 20
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				w.Header().Set("Content-Type", tt.ctype)
				w.Write(tt.body) // no Content-Length check can refuse it: 64 KiB
			}))
			defer srv.Close()
			f := newFetcher(context.Background(), nil, nil, "govaudit/test", 10*time.Second, 3, time.Millisecond, maxBody, 0, 1, false)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res := f.do(context.Background(), request{method: "GET", url: srv.URL + "/a/sitemap.xml.gz"})
			runtime.ReadMemStats(&after)
			if n := hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1 (a capped body is never retried)", n)
			}
			if len(res.body) > maxBody {
				t.Errorf("body %d bytes, cap %d", len(res.body), maxBody)
			}
			if tt.ctype == "text/html" || tt.ctype == "text/html; charset=utf-8" {
				if res.errKind != errTooLarge || res.attempts != 1 {
					t.Errorf("errKind %q after %d attempts (%v), want %q after 1", res.errKind, res.attempts, res.err, errTooLarge)
				}
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d request(s), body %d bytes, %s, allocated %.1f MiB", tt.name, hits.Load(), len(res.body), res.errKind, float64(alloc)/(1<<20))
			if alloc > 16*maxBody {
				t.Errorf("allocated %d MiB for a page capped at 1 MiB", alloc>>20)
			}
		})
	}
}

// TestEncodedBodyDecoded keeps ordinary compressed pages readable.
func TestEncodedBodyDecoded(t *testing.T) {
	const page = "<html><body>正文</body></html>"
	for _, enc := range []string{"x-gzip", "deflate"} {
		var buf bytes.Buffer
		var w io.WriteCloser = gzip.NewWriter(&buf)
		if enc == "deflate" {
			w = zlib.NewWriter(&buf)
		}
		io.WriteString(w, page)
		w.Close()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", enc)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(buf.Bytes())
		}))
		f := newFetcher(context.Background(), nil, nil, "govaudit/test", 10*time.Second, 0, time.Millisecond, 1<<20, 0, 1, false)
		res := f.do(context.Background(), request{method: "GET", url: srv.URL + "/"})
		srv.Close()
		if res.failed() || string(res.body) != page {
			t.Errorf("%s: %q %v, want the page", enc, res.body, res.err)
		}
	}
}
