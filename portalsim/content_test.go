package portalsim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
)

// TestContentTraps: Options.Content adds the documents of the content
// checks with their traps, and the truth holds exactly the violations.
func TestContentTraps(t *testing.T) {
	s := newSim(t, Options{Seed: 3, Units: 4, ChannelsMin: 10, ChannelsMax: 12, Items: 6, Today: testToday, Content: true})
	base := "http://h"
	byTitle := map[string]*item{}
	u := s.units[0]
	interpCols := 0
	for _, c := range u.cols {
		if c.spec.kind == config.KindInterpretation {
			interpCols++
		}
		for _, it := range c.items {
			if it.q != nil {
				byTitle[it.title] = it
			}
		}
	}
	if interpCols != 1 || len(byTitle) != 12 {
		t.Fatalf("%d interpretation columns, %d content documents", interpCols, len(byTitle))
	}
	tr, problems := s.truth(base)
	if len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}
	has := func(check string, it *item) bool {
		for _, v := range tr.Violations {
			if v.Check == check && strings.HasPrefix(v.Subject, base+it.path()) {
				return true
			}
		}
		return false
	}
	// Trap: correct leader titles.
	if it := byTitle["区长高志远主持召开区政府常务会议"]; has(CheckWording, it) {
		t.Error("the page with correct titles has a wording violation")
	}
	if it := byTitle["区政府召开全区政务公开工作推进会"]; tr.Count(CheckWording) != 4 || !has(CheckWording, it) {
		t.Errorf("wording violations %d", tr.Count(CheckWording))
	}
	// Trap: a 解读 on the 3rd working day across the National Day holiday.
	p1 := byTitle["关于印发临淄区政务公开示范点建设管理办法的通知"]
	i1 := byTitle["《临淄区政务公开示范点建设管理办法》政策解读"]
	cal, err := workday.New()
	if err != nil {
		t.Fatal(err)
	}
	n, err := cal.Between(p1.pub.at(0), i1.pub.at(0))
	if err != nil || n != 3 || int(i1.pub-p1.pub) < 7 {
		t.Errorf("解读 %s after policy %s: %d working days (%v), want 3 across the holiday", i1.pub.iso(), p1.pub.iso(), n, err)
	}
	if has(CheckInterpretation, p1) {
		t.Error("the on-time, linked 解读 is a violation")
	}
	for _, title := range []string{"关于印发临淄区公共停车场管理办法的通知", "关于印发临淄区政务新媒体管理办法的通知", "关于印发临淄区政府信息公开申请办理规定的通知"} {
		if !has(CheckInterpretation, byTitle[title]) {
			t.Errorf("%s: no interpretation violation", title)
		}
	}
	// Trap: an expired 有效期 marked 失效.
	if has(CheckValidity, byTitle["关于印发临淄区农村宅基地管理办法的通知"]) {
		t.Error("the document marked 失效 is a validity violation")
	}
	for _, title := range []string{"关于印发临淄区农村集体资产管理办法的通知", "关于印发临淄区城乡环卫一体化管理办法的通知"} {
		if !has(CheckValidity, byTitle[title]) {
			t.Errorf("%s: no validity violation", title)
		}
	}
	// The pages say what the truth says.
	page := s.article(byTitle["关于印发临淄区农村宅基地管理办法的通知"])
	if !strings.Contains(page, "<td>失效</td>") || !strings.Contains(page, "有效期至") {
		t.Error("the 失效 page lacks its field or its term")
	}
	if page := s.article(p1); !strings.Contains(page, i1.path()) {
		t.Error("the policy page does not link its 解读")
	}

	// The catalog: written, named by the configuration, in the truth.
	if tr.Count(CheckCatalog) != 0 {
		t.Error("catalog violations without a catalog")
	}
	path := filepath.Join(t.TempDir(), "catalog.csv")
	if err := s.WriteCatalog(path); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || !strings.HasPrefix(string(data), "单位,事项,栏目,周期,时限") {
		t.Errorf("catalog file: %v", err)
	}
	if s.Config(base).Rules.Catalog != path || s.Truth(base).Count(CheckCatalog) == 0 {
		t.Error("catalog not in the configuration or the truth")
	}

	// Without Content: none of it, and no content violation.
	plain := newSim(t, Options{Seed: 3, Units: 4, ChannelsMin: 10, ChannelsMax: 12, Items: 6, Today: testToday})
	pt := plain.Truth(base)
	for _, c := range ContentChecks {
		if pt.Count(c) != 0 {
			t.Errorf("%s: %d violations without Content", c, pt.Count(c))
		}
	}
}
