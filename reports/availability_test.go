package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/store"
)

// weekProbes returns a probe of target every 30 minutes over the seven
// days before end, the first failures of them failed; home-page probes
// show newest as the newest dated item.
func weekProbes(target string, end time.Time, failures int, newest string) []store.Probe {
	var ps []store.Probe
	i := 0
	for at := end.Add(-probe.Week); at.Before(end); at = at.Add(30 * time.Minute) {
		p := store.Probe{At: at, Target: target, URL: "http://www.linzi.gov.cn/" + target, OK: i >= failures, Status: 200, LatencyMS: 120}
		if !p.OK {
			p.Status, p.Err = 0, "timeout after 15s"
		}
		if target == probe.HomeTarget && p.OK {
			p.Newest = newest
		}
		ps = append(ps, p)
		i++
	}
	return ps
}

// withProbes is the digest fixture with a week of probes: the home page
// (4 failures of 336), 区住建局's catalog page (none), 区发改局's (12:
// warn) and 区残联's (20: fail; the unit has nothing else to report).
func withProbes() DigestInput {
	in := digestFixture()
	end := dateOf(in.AsOf) // the seven full days before AsOf
	var ps []store.Probe
	ps = append(ps, weekProbes(probe.HomeTarget, end, 4, "2026-11-12")...)
	ps = append(ps, weekProbes("lzqzjj", end, 0, "")...)
	ps = append(ps, weekProbes("lzqfgj", end, 12, "")...)
	ps = append(ps, weekProbes("lzqcl", end, 20, "")...)
	in.Probes = probe.Summarize(ps, end)
	return in
}

func TestDigestAvailability(t *testing.T) {
	d := BuildDigest(withProbes())
	a := d.Availability
	if a.Home == nil || a.Home.Visits != 336 || a.Home.Failures != 4 || a.Home.Status != probe.StatusOK {
		t.Fatalf("home %+v", a.Home)
	}
	var cats []string
	for _, c := range a.Catalogs {
		cats = append(cats, c.Unit.ID+":"+c.Summary.Status)
	}
	if got := strings.Join(cats, " "); got != "lzqzjj:ok lzqfgj:warn lzqcl:fail" {
		t.Errorf("catalogs %s", got)
	}
	counts := map[string]int{}
	for _, u := range d.Units {
		counts[u.Unit.ID] = u.Count()
	}
	// 区发改局: one overdue period + its catalog warning; 区住建局: its
	// catalog is fine and adds nothing; 区残联: only its catalog failure.
	for id, want := range map[string]int{"lzqzjj": 3, "lzqfgj": 2, "lzqcl": 1} {
		if counts[id] != want {
			t.Errorf("%s counts %d entries, want %d", id, counts[id], want)
		}
	}

	ms, err := d.Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Message{}
	for _, m := range ms.List {
		by[m.Unit] = m
	}
	fgj := by["lzqfgj"]
	if fgj.Subject != "【政务公开】区发改局 第47周 待办提醒（2项）" {
		t.Errorf("区发改局 subject %q", fgj.Subject)
	}
	for _, part := range []string{fgj.Text, fgj.HTML} {
		for _, s := range []string{"网站可用性（近 7 天）", "贵单位目录页 一周访问 336 次，失败 12 次（3.6%），预警", "达到 3% 预警"} {
			if !strings.Contains(part, s) {
				t.Errorf("区发改局 email lacks %q:\n%s", s, part)
			}
		}
	}
	if !strings.Contains(fgj.Text, "二、网站可用性（近 7 天）") {
		t.Errorf("区发改局 text does not number the section after 已逾期:\n%s", fgj.Text)
	}
	if zjj := by["lzqzjj"]; !strings.Contains(zjj.Text, "贵单位目录页 一周访问 336 次，失败 0 次（0.0%），正常") ||
		!strings.Contains(zjj.Text, "四、网站可用性") {
		t.Errorf("区住建局 email lacks its catalog's week:\n%s", zjj.Text)
	}
	cl, ok := by["lzqcl"]
	if !ok {
		t.Fatal("区残联, whose catalog page failed, got no email")
	}
	if cl.Items != 1 || !strings.Contains(cl.Text, "一、网站可用性") || !strings.Contains(cl.Text, "失败 20 次（6.0%），不合格") {
		t.Errorf("区残联 email (%d items):\n%s", cl.Items, cl.Text)
	}
	if _, ok := by["lzqjtj"]; !ok || strings.Contains(by["lzqjtj"].Text, "网站可用性") {
		t.Error("区教体局 (catalog not probed) mentions availability or got no email")
	}

	sum := by[""]
	if sum.Subject != "【政务公开】第47周 各单位待办提醒汇总（5个单位，8项）" {
		t.Errorf("summary subject %q", sum.Subject)
	}
	for _, part := range []string{sum.Text, sum.HTML} {
		for _, s := range []string{
			"目录页可用性预警 2 项",
			"门户网站首页 一周访问 336 次，失败 4 次（1.2%），正常；首页最新信息 2026-11-12，已 3 天未更新，正常",
			"区发改局目录页 一周访问 336 次，失败 12 次（3.6%），预警",
			"区残联目录页 一周访问 336 次，失败 20 次（6.0%），不合格",
			"单位目录页：监测 3 个，预警或不合格 2 个，正常 1 个。",
			"15 秒内无法打开的访问占比达到 5%（每日不少于 20 次访问）即为不合格",
		} {
			if !strings.Contains(part, s) {
				t.Errorf("summary lacks %q:\n%s", s, part)
			}
		}
		if strings.Contains(part, "区住建局目录页") {
			t.Error("the summary lists a catalog page that is fine")
		}
	}
}

// TestDigestAvailabilityHomeOnly: with only the home page probed, the
// units' emails say nothing about availability; the summary does.
func TestDigestAvailabilityHomeOnly(t *testing.T) {
	in := digestFixture()
	end := dateOf(in.AsOf) // the seven full days before AsOf
	in.Probes = probe.Summarize(weekProbes(probe.HomeTarget, end, 12, "2026-11-01"), end)
	ms, err := BuildDigest(in).Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms.List {
		if m.Unit != "" && strings.Contains(m.Text+m.HTML, "网站可用性") {
			t.Errorf("%s email mentions availability", m.Unit)
		}
	}
	sum := ms.List[len(ms.List)-1]
	if !strings.Contains(sum.Text, "门户网站首页 一周访问 336 次，失败 12 次（3.6%），预警；首页最新信息 2026-11-01，已 14 天未更新，不合格") {
		t.Errorf("summary:\n%s", sum.Text)
	}
	if strings.Contains(sum.Text, "单位目录页") || strings.Contains(sum.Text, "目录页可用性预警") {
		t.Errorf("summary speaks of catalog pages that were not probed:\n%s", sum.Text)
	}
}

// TestDigestNoProbes: nothing probed, nothing said.
func TestDigestNoProbes(t *testing.T) {
	ms, err := BuildDigest(digestFixture()).Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms.List {
		if strings.Contains(m.Text+m.HTML, "可用性") || strings.Contains(m.Text+m.HTML, "一周访问") {
			t.Errorf("%q mentions availability without probes", m.Subject)
		}
	}
}
