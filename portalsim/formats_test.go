package portalsim

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
)

// TestDateFormats checks that the portal uses every date format of
// DOMAIN.md somewhere.
func TestDateFormats(t *testing.T) {
	for _, lay := range []Layouts{LayoutsClassic, LayoutsVaried} {
		t.Run(string(lay), func(t *testing.T) {
			testDateFormats(t, newSim(t, Options{Seed: 1, Units: 13, ChannelsMin: 5, ChannelsMax: 5, Items: 10, Today: testToday, Layouts: lay}))
		})
	}
}

func testDateFormats(t *testing.T, s *Sim) {
	formats := map[string]*regexp.Regexp{
		"2026-04-09":       regexp.MustCompile(`>\d{4}-\d{2}-\d{2}<`),
		"2024年03月17日":      regexp.MustCompile(`\d{4}年\d{2}月\d{2}日`),
		"2023年8月23日":       regexp.MustCompile(`\d{4}年[1-9]月\d{1,2}日|\d{4}年\d{1,2}月[1-9]日`),
		"[2021-03-17]":     regexp.MustCompile(`\[\d{4}-\d{2}-\d{2}\]`),
		"[03-17]":          regexp.MustCompile(`\[\d{2}-\d{2}\]`),
		"2026-04-28 18:20": regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}`),
		"2026/08/31 09:30": regexp.MustCompile(`\d{4}/\d{2}/\d{2} \d{2}:\d{2}`),
		"20261006":         regexp.MustCompile(`name="PubDate" content="\d{8}"`),
		"/art/2026/4/9/":   regexp.MustCompile(`/art/\d{4}/\d{1,2}/\d{1,2}/`),
		"t20210317_":       regexp.MustCompile(`/\d{6}/t\d{8}_`),
	}
	if s.opt.Layouts == LayoutsVaried {
		formats["２０２５年３月１日"] = regexp.MustCompile(`[０-９]{4}年[０-９]{1,2}月[０-９]{1,2}日`)
	}
	found := map[string]bool{}
	var paths []string
	for _, u := range s.units {
		for _, c := range u.cols {
			paths = append(paths, c.listPath(1))
			for _, it := range c.items[:min(3, len(c.items))] {
				paths = append(paths, it.path())
			}
		}
	}
	for _, mb := range s.mailboxes {
		paths = append(paths, mb.listPath(1), mb.letters[len(mb.letters)-1].path())
	}
	h := s.Handler()
	for _, p := range paths {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		body := asUTF8(t, rec.Body.Bytes())
		for name, re := range formats {
			if re.Match(body) {
				found[name] = true
			}
		}
	}
	for name := range formats {
		if !found[name] {
			t.Errorf("date format %s appears nowhere", name)
		}
	}
}
