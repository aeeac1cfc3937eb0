package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/govaudit/govaudit/store"
)

// BenchmarkFindingsPage renders the first page of the findings list, with
// its filter values and status counts, over 10,000 findings of 46 units.
func BenchmarkFindingsPage(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var found []store.Finding
	for i := range 10000 {
		u := fmt.Sprintf("http://www.linzi.gov.cn/gongkai/site_u%02d/doc_%05d.html", i%46, i)
		found = append(found, store.Finding{Rule: "timeliness", Subject: u, URL: u, Unit: fmt.Sprintf("u%02d", i%46),
			Column: fmt.Sprintf("u%02d/政策文件", i%46), Title: fmt.Sprintf("关于印发第 %d 号文件的通知", i),
			Quarter: fmt.Sprintf("2026Q%d", 1+i%4), Points: 1, Scoring: true,
			Evidence: store.Evidence{Text: "成文 2026-08-01，发布 2026-09-10，超过 20 个工作日",
				Dates: map[string]string{"written": "2026-08-01", "published": "2026-09-10"}, WorkingDays: 28}})
	}
	if _, err := st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: t0}); err != nil {
		b.Fatal(err)
	}
	cfg := testConfig(b)
	srv, err := New(Options{Config: cfg, Store: st, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	// An anonymous viewer needs no sign-in round trip.
	cfg.Web.AllowViewers = true
	for _, path := range []string{"/findings", "/findings?unit=u07&quarter=2026Q3&sort=-points", "/overview?quarter=2026Q3"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}
