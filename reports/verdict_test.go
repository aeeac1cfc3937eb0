package reports

import (
	"strings"
	"testing"

	"github.com/govaudit/govaudit/store"
)

// TestDigestVerdict: the office's summary shows the national verdict.
func TestDigestVerdict(t *testing.T) {
	d := BuildDigest(digestFixture())
	d.Verdict = &store.VerdictRecord{Week: "2026-W47", AsOf: "2026-11-23", Status: store.VerdictFail, Indicators: []store.VerdictIndicator{
		{ID: "blank-columns", Name: "空白栏目", Value: 5, Warn: 3, Fail: 5, Unit: "个", Status: store.VerdictFail, Note: "5 个：区发改局「<b>x</b>」"},
		{ID: "home-update", Name: "首页更新", Value: 11, Warn: 10, Fail: 14, Unit: "天", Status: store.VerdictWarn},
		{ID: "availability", Name: "网站可用性", Warn: 3, Fail: 5, Unit: "%", Status: store.VerdictNone},
	}}
	ms, err := d.Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	sum := ms.List[len(ms.List)-1]
	for _, want := range []string{"1 项不合格，1 项预警", "空白栏目：5 个（3个预警，5个否决），单项否决", "首页更新：11 天", "网站可用性：无数据"} {
		if !strings.Contains(sum.Text, want) {
			t.Errorf("summary text lacks %q:\n%s", want, sum.Text)
		}
	}
	if !strings.Contains(sum.HTML, "单项否决指标") || strings.Contains(sum.HTML, "<b>x</b>") {
		t.Errorf("summary HTML: verdict missing or not escaped")
	}
	for _, m := range ms.List[:len(ms.List)-1] {
		if strings.Contains(m.Text, "单项否决") {
			t.Errorf("a unit's digest shows the site verdict: %s", m.Subject)
		}
	}
}
