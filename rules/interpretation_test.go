package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

const colInterp = "u1/政策解读"

// interpConfig is testConfig with a 政策解读 column of u1.
func interpConfig(check string) *config.Config {
	cfg := testConfig()
	cfg.Columns = append(cfg.Columns, config.Column{Unit: "u1", Name: "政策解读", Kind: config.KindInterpretation, URL: "http://p/u1/jd/"})
	cfg.ApplyDefaults()
	return onlyCheck(cfg, check)
}

func policy(url, title, pub, docNo string, links ...string) store.Item {
	x := it(colPolicy, url, title, pub, pub)
	x.DocNo = docNo
	x.Links = links
	return x
}

func TestInterpretation(t *testing.T) {
	cfg := interpConfig(Interpretation)
	cal := testCal(t)
	// The trap: 2025-09-30 + 3 working days is Saturday 11 October (National
	// Day 1–8 October off, 11 October a make-up working day).
	if n, err := cal.Between(day(t, "2025-09-30"), day(t, "2025-10-11")); err != nil || n != 3 {
		t.Fatalf("working days 2025-09-30 -> 2025-10-11 = %d, %v; want 3", n, err)
	}
	const (
		p1, i1 = "http://p/u1/policy/p1.html", "http://p/u1/jd/i1.html"
		p2, i2 = "http://p/u1/policy/p2.html", "http://p/u1/jd/i2.html"
		p3     = "http://p/u1/policy/p3.html"
		p4     = "http://p/u1/policy/p4.html"
		p5, i5 = "http://p/u1/policy/p5.html", "http://p/u1/policy/i5.html"
		p6     = "http://p/u1/policy/p6.html"
	)
	i1Item := it(colInterp, i1, "政策解读", "2025-10-11", "")
	i1Item.Links = []string{p1}
	i2Item := it(colInterp, i2, "一图读懂《临淄区养老服务补贴办法》", "2025-10-13", "")
	i5Item := it(colPolicy, i5, "《临淄区道路管理规定》政策问答", "2025-06-03", "")
	items := []store.Item{
		policy(p1, "关于印发临淄区停车管理办法的通知", "2025-09-30", "临政办发〔2025〕10号", i1),
		i1Item,
		policy(p2, "关于印发《临淄区养老服务补贴办法》的通知", "2025-09-30", "临政办发〔2025〕11号", i2),
		i2Item,
		policy(p3, "关于印发临淄区农贸市场管理办法的通知", "2025-05-06", "临政办发〔2025〕3号"),
		policy(p4, "关于印发临淄区供热管理办法的通知", "2025-11-28", "临政办发〔2025〕30号"),
		policy(p5, "关于印发《临淄区道路管理规定》的通知", "2025-06-03", "临政办发〔2025〕5号"),
		i5Item,
		policy(p6, "区政府常务会议学习研讨情况", "2025-06-03", "无文号"),
	}
	pg := pages{
		p1: article(items[0].Title, []string{"正文。"}, i1),
		i1: article("政策解读", []string{"现就《关于印发临淄区停车管理办法的通知》（临政办发[2025]10号）解读如下。"}, p1),
		p2: article(items[2].Title, []string{"正文。"}, i2),
		i2: article(i2Item.Title, []string{"图解。"}, p2),
		p3: article(items[4].Title, []string{"正文。"}),
		p4: article(items[5].Title, []string{"正文。"}),
		p5: article(items[6].Title, []string{"正文。"}),
		i5: article(i5Item.Title, []string{"问：……答：……"}),
		p6: article(items[8].Title, []string{"正文。"}),
	}
	in := Input{Config: cfg, Calendar: cal, Items: items, Sources: audited(cfg, nil), Snapshot: pg.snapshot}
	got, sum, _ := eval(t, in, Interpretation, "2025-12-01")
	sameSubjects(t, got, p2, p3, p5)
	if f := got[p2]; !strings.Contains(f.Evidence.Text, "4 个工作日") || !strings.Contains(f.Evidence.Text, "国庆") {
		t.Errorf("late: %q", f.Evidence.Text)
	}
	if f := got[p3]; !strings.Contains(f.Evidence.Text, "未发布政策解读") || f.Evidence.Dates["due"] != "2025-05-09" {
		t.Errorf("missing: %q %v", f.Evidence.Text, f.Evidence.Dates)
	}
	if f := got[p5]; !strings.Contains(f.Evidence.Text, "政策文件页面未链接其解读") || !strings.Contains(f.Evidence.Text, "解读页面未链接政策文件") {
		t.Errorf("links: %q", f.Evidence.Text)
	}
	if got[p2].Points != 0.5 || sum.Examined != 5 {
		t.Errorf("points %v, summary %+v", got[p2].Points, sum)
	}

	// The interpretation column not audited: a missing 解读 is not judged.
	in.Sources = notAudited(in.Sources, "column:"+colInterp)
	got, _, res := eval(t, in, Interpretation, "2025-12-01")
	if _, ok := got[p3]; ok {
		t.Errorf("missing 解读 judged although the 解读 column was not audited")
	}
	if !res.Keep(store.Finding{Rule: Interpretation, Subject: p3, URL: p3, Quarter: "2025Q2"}) {
		t.Errorf("the finding of p3 would be resolved")
	}

	// No interpretation column configured: a missing 解读 is not judged,
	// the other problems are.
	cfg.Columns = slices.DeleteFunc(cfg.Columns, func(c config.Column) bool { return c.ID == colInterp })
	in.Sources = audited(cfg, nil)
	var kept []store.Item
	for _, x := range items {
		if x.Column != colInterp {
			kept = append(kept, x)
		}
	}
	in.Items = kept
	got, sum, _ = eval(t, in, Interpretation, "2025-12-01")
	sameSubjects(t, got, p5)
	if len(sum.Notes) != 1 || !strings.Contains(sum.Notes[0], "区政府办公室未配置政策解读栏目") || sum.NotAudited != 0 {
		t.Errorf("notes %q, not audited %d", sum.Notes, sum.NotAudited)
	}
}

func TestValidity(t *testing.T) {
	cfg := onlyCheck(testConfig(), Validity)
	mk := func(url, pub, written, validity, body, docNo string) (store.Item, string) {
		x := it(colPolicy, url, "关于印发某某管理办法的通知", pub, written)
		x.DocNo, x.Validity = docNo, validity
		return x, article(x.Title, []string{body})
	}
	const (
		v1 = "http://p/u1/policy/v1.html" // no 有效性 at all
		v2 = "http://p/u1/policy/v2.html" // expired, still 有效
		v3 = "http://p/u1/policy/v3.html" // trap: expired, marked 失效
		v4 = "http://p/u1/policy/v4.html" // term in the body only
		v5 = "http://p/u1/policy/v5.html" // term of years, running
		v6 = "http://p/u1/policy/v6.html" // term of years from 施行, expired
		v7 = "http://p/u1/policy/v7.html" // no 文号: not a 规范性文件
	)
	pg := pages{}
	var items []store.Item
	for _, c := range []struct{ url, pub, written, validity, body, docNo string }{
		{v1, "2025-03-03", "2025-03-01", "", "本办法由区司法局负责解释。", "临政发〔2025〕1号"},
		{v2, "2024-01-10", "2024-01-05", "有效", "本办法有效期至2024年12月31日。", "临政发〔2024〕2号"},
		{v3, "2024-01-10", "2024-01-05", "失效", "本办法有效期至2024年12月31日。", "临政发〔2024〕3号"},
		{v4, "2025-03-03", "2025-03-01", "", "本办法自2023年3月1日起施行，有效期五年。", "临政发〔2025〕4号"},
		{v5, "2024-02-01", "2024-01-20", "有效", "本办法有效期２年。", "临政发〔2024〕5号"},
		{v6, "2024-02-01", "2024-01-20", "有效", "本办法自2022年1月1日起施行，有效期3年。", "临政发〔2024〕6号"},
		{v7, "2025-03-03", "2025-03-01", "", "无。", "无文号"},
	} {
		x, page := mk(c.url, c.pub, c.written, c.validity, c.body, c.docNo)
		items = append(items, x)
		pg[c.url] = page
	}
	in := Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, nil), Snapshot: pg.snapshot}
	got, sum, _ := eval(t, in, Validity, "2025-12-01")
	sameSubjects(t, got, v1, v2, v6)
	if f := got[v2]; !strings.Contains(f.Evidence.Text, "2024-12-31") || f.Evidence.Dates["valid_until"] != "2024-12-31" {
		t.Errorf("v2: %q %v", f.Evidence.Text, f.Evidence.Dates)
	}
	if f := got[v6]; f.Evidence.Dates["valid_until"] != "2024-12-31" {
		t.Errorf("v6: %v", f.Evidence.Dates)
	}
	if f := got[v1]; !strings.Contains(f.Evidence.Text, "未标注有效性") {
		t.Errorf("v1: %q", f.Evidence.Text)
	}
	if sum.Examined != 6 {
		t.Errorf("summary %+v", sum)
	}
}

func TestCNNumber(t *testing.T) {
	for s, want := range map[string]int{"5": 5, "五": 5, "十": 10, "十二": 12, "二十": 20, "二十五": 25, "两": 2, "百": 0} {
		if got := cnNumber(s); got != want {
			t.Errorf("cnNumber(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestPolicyIndexFindsWhatRefersToAccepts: the index never loses a policy
// that refersTo accepts (it only saves testing the others), on random
// titles, 文号 and texts over a small alphabet, where names overlap.
func TestPolicyIndexFindsWhatRefersToAccepts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := []rune("关于印发区政府办公室实施方案的通知管理办法〔〕号临政发")
	word := func(n int) string {
		r := make([]rune, n)
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	e := &env{acc: newAccum()}
	var ps []*awaiting
	for i := range 300 {
		title := "关于" + word(4+rng.IntN(6)) + "的通知"
		if i%3 == 0 {
			title += "《" + word(4+rng.IntN(3)) + "》"
		}
		it := &item{Item: &store.Item{URL: fmt.Sprintf("http://p/%d.html", i), Column: "c", Title: title,
			DocNo: fmt.Sprintf("临政发〔2026〕%d号", rng.IntN(40))}}
		ps = append(ps, e.newPolicy(it, articleText{}))
	}
	idx := newPolicyIndex(ps)
	for i := range 400 {
		text := word(20 + rng.IntN(200))
		if i%2 == 0 {
			p := ps[rng.IntN(len(ps))]
			text += p.it.Title + word(5)
		}
		c := &candidate{text: text, links: map[string]bool{}}
		if i%7 == 0 {
			c.links[ps[rng.IntN(len(ps))].it.URL] = true
		}
		found := map[*awaiting]bool{}
		for _, p := range idx.lookup(c) {
			found[p] = true
		}
		for _, p := range ps {
			if c.refersTo(p.it.URL, p) && !found[p] {
				t.Fatalf("candidate %q refers to %s (%q, 文号 key %q) but the index did not find it", text, p.it.URL, p.it.Title, p.docKey)
			}
		}
	}
}
