package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/store"
)

func TestShippedWordListsLoad(t *testing.T) {
	w, err := loadWordLists(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.entries) < 50 || len(w.leaders) == 0 || len(w.titles) == 0 {
		t.Errorf("shipped lists: %d entries, %d leaders, %d titles", len(w.entries), len(w.leaders), len(w.titles))
	}
}

func TestWording(t *testing.T) {
	cfg := onlyCheck(testConfig(), Wording)
	extra := filepath.Join(t.TempDir(), "extra.yaml")
	if err := os.WriteFile(extra, []byte("typos:\n  - {wrong: 提按, right: 提案}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Rules.Wording.Files = []string{extra}
	const (
		bad      = "http://p/u2/news/bad.html"
		good     = "http://p/u2/news/good.html"
		old      = "http://p/u2/news/old.html"
		noSnap   = "http://p/u2/news/nosnap.html"
		inScript = "http://p/u2/news/script.html"
	)
	pg := pages{
		bad: article("关于贯彻《中华人民共合国政府信息公开条例》的通知", []string{
			"会上，副区长高志远强调要再接再励。", // 高志远 is 区长 since 2024
			"区委书记林正化出席会议。",      // misspelt leader
			"学习贯彻党二十大精神，中华人民共合国。",
			"对提按进行答复。",
		}),
		good: article("区长高志远主持召开常务会议", []string{
			"区委副书记、区长高志远，常务副区长周明德出席。原副区长孙丽娟在会上发言。",
			"学习贯彻中国共产党二十大精神。区委书记林正华讲话。",
			"会议由高志远区长主持。",
			"孙丽娟区长出席。", // 孙丽娟 is 副区长
		}),
		old: article("副区长高志远调研", []string{"2023 年，副区长高志远到企业调研。"}),
		// Wrong text only inside a script: not body text.
		inScript: article("工作动态", []string{"一切正常。"}),
	}
	items := []store.Item{
		it(colNews, bad, "关于贯彻《中华人民共合国政府信息公开条例》的通知", "2025-05-06", ""),
		it(colNews, good, "区长高志远主持召开常务会议", "2025-05-06", ""),
		it(colNews, old, "副区长高志远调研", "2023-06-01", ""),
		it(colNews, noSnap, "无快照", "2025-05-06", ""),
		it(colNews, inScript, "工作动态", "2025-05-06", ""),
	}
	in := Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil), Snapshot: pg.snapshot}
	cfg.Rules.Since = "2023-01-01"
	got, sum, _ := eval(t, in, Wording, "2025-06-30")
	sameSubjects(t, got, good+"#孙丽娟区长",
		bad+"#中华人民共合国", bad+"#再接再励", bad+"#副区长高志远", bad+"#区委书记林正化", bad+"#党二十大", bad+"#提按")
	if f := got[bad+"#中华人民共合国"]; !strings.Contains(f.Evidence.Text, "共 2 处") || !strings.Contains(f.Evidence.Text, "严重表述错误") {
		t.Errorf("country name evidence: %q", f.Evidence.Text)
	}
	if f := got[bad+"#副区长高志远"]; !strings.Contains(f.Evidence.Text, "区长") || !strings.Contains(f.Evidence.Text, "职务错误") {
		t.Errorf("title evidence: %q", f.Evidence.Text)
	}
	if f := got[bad+"#区委书记林正化"]; !strings.Contains(f.Evidence.Text, "区委书记林正华") {
		t.Errorf("name evidence: %q", f.Evidence.Text)
	}
	if f := got[bad+"#再接再励"]; !strings.Contains(f.Evidence.Text, "错别字（一般）") || f.Points != 1 {
		t.Errorf("typo: %q %v", f.Evidence.Text, f.Points)
	}
	if sum.Examined != 4 || sum.NotAudited != 1 {
		t.Errorf("summary %+v, want 4 examined, 1 not audited", sum)
	}
}

func TestWordingBadExtraFile(t *testing.T) {
	cfg := onlyCheck(testConfig(), Wording)
	extra := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(extra, []byte("typos:\n  - {wrong: 甲, right: 甲}\n"), 0o644)
	cfg.Rules.Wording.Files = []string{extra}
	in := Input{Config: cfg, Calendar: testCal(t), Sources: audited(cfg, nil)}
	if _, err := Evaluate(in, day(t, "2025-06-30")); err == nil || !strings.Contains(err.Error(), "must differ") {
		t.Errorf("err = %v", err)
	}
}
