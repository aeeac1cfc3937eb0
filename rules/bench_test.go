package rules

import (
	"fmt"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// BenchmarkEvaluate measures one evaluation of every check over a
// district-sized input: 46 units × 15 columns × 15 items, 600 letters.
func BenchmarkEvaluate(b *testing.B) {
	cfg := &config.Config{}
	kinds := []string{config.KindPolicy, config.KindDynamic, config.KindNotice, config.KindService, config.KindPlanning}
	var items []store.Item
	for u := 0; u < 46; u++ {
		unit := fmt.Sprintf("u%02d", u)
		cfg.Units = append(cfg.Units, config.Unit{ID: unit, Name: unit})
		for c := 0; c < 15; c++ {
			col := config.Column{Unit: unit, Name: fmt.Sprintf("c%02d", c), Kind: kinds[c%len(kinds)], Key: c%3 == 0}
			if c == 14 {
				col.Cadence = config.CadenceMonthly
			}
			cfg.Columns = append(cfg.Columns, col)
		}
	}
	cfg.Mailboxes = []config.Mailbox{{ID: "mb", Unit: "u00", Name: "区长信箱"}}
	cfg.ApplyDefaults()
	for i, col := range cfg.Columns {
		for k := 0; k < 15; k++ {
			pub := testDay(b, 2025, (k*37+i)%600)
			x := it(col.ID, fmt.Sprintf("http://p/%d/%d.html", i, k), fmt.Sprintf("2025年%d月文件", k%12+1), pub, testDay(b, 2025, (k*37+i)%600-k*3))
			x.Attachments = []store.Attachment{{URL: fmt.Sprintf("http://p/%d/%d.pdf", i, k), Name: "附件.pdf", Checked: true, Status: 200}}
			x.Links = []string{fmt.Sprintf("http://p/link/%d", k)}
			items = append(items, x)
		}
	}
	var letters []store.Letter
	for k := 0; k < 600; k++ {
		letters = append(letters, store.Letter{URL: fmt.Sprintf("http://p/l/%d", k), Mailbox: "mb", Unit: "u00",
			Received: testDay(b, 2025, k), Replied: testDay(b, 2025, k+k%9)})
	}
	pages := map[string]store.Page{}
	for k := 0; k < 15; k++ {
		pages[fmt.Sprintf("http://p/link/%d", k)] = store.Page{Status: 200 + 200*(k%2)}
	}
	in := Input{Config: cfg, Calendar: testCal(b), Items: items, Letters: letters, Sources: audited(cfg, nil),
		Page: func(u string) (store.Page, bool, error) { p, ok := pages[u]; return p, ok, nil }}
	asOf := day(b, "2026-11-27")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Evaluate(in, asOf)
		if err != nil || len(res.Findings) == 0 {
			b.Fatalf("Evaluate: %d findings, %v", len(res.Findings), err)
		}
	}
}

// testDay returns the date n days after 1 January of year, as "2006-01-02".
func testDay(tb testing.TB, year, n int) string {
	d := day(tb, fmt.Sprintf("%d-01-01", year))
	return d.AddDate(0, 0, n).Format(dateLayout)
}
