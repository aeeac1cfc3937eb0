package rules

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/store"
)

const testCatalogCSV = "\ufeff单位,事项,栏目,周期,时限\n" +
	"区政府办公室,规范性文件,政策文件|规范性文件,按需,\n" +
	"u1,财政预算执行情况,统计数据,每月,15\n" +
	"u2,经济运行情况,季度数据,quarterly,\n" +
	"u2,重大建设项目,重大建设项目|重大项目,event,\n" +
	"u3,教育收费,空白栏目,,\n" +
	"u9,不存在的单位,某栏目,,\n"

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCatalog(t *testing.T) {
	cfg := onlyCheck(testConfig(), Catalog)
	cfg.Rules.Catalog = writeFile(t, "catalog.csv", testCatalogCSV)
	items := []store.Item{
		it(colPolicy, "http://p/u1/policy/a.html", "某办法", "2025-06-01", "2025-05-30"),
		it(colStats, "http://p/u1/stats/a.html", "2025年9月财政预算执行情况", "2025-10-10", ""),
		it(colQuarter, "http://p/u2/q/a.html", "2025年第三季度经济运行情况", "2025-10-15", ""),
	}
	in := Input{Config: cfg, Calendar: testCal(t), Items: items, Sources: audited(cfg, map[string]int{colBlank: 0})}
	got, sum, _ := eval(t, in, Catalog, "2025-12-01")
	sameSubjects(t, got, "u1:财政预算执行情况", "u2:重大建设项目", "u3:教育收费")
	if f := got["u1:财政预算执行情况"]; !strings.Contains(f.Evidence.Text, "52 天") || f.Column != colStats || f.Quarter != "2025Q4" {
		t.Errorf("monthly: %+v", f)
	}
	if f := got["u2:重大建设项目"]; !strings.Contains(f.Evidence.Text, "未设此栏目") || f.Unit != "u2" {
		t.Errorf("no column: %+v", f)
	}
	if f := got["u3:教育收费"]; !strings.Contains(f.Evidence.Text, "没有任何信息") {
		t.Errorf("blank: %+v", f)
	}
	for _, want := range []string{"不存在的单位", "区发改局「年度计划」栏目未列入", "区发改局「年度报告」栏目未列入"} {
		if !slices.ContainsFunc(sum.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("notes %q lack %q", sum.Notes, want)
		}
	}
	if slices.ContainsFunc(sum.Notes, func(n string) bool { return strings.Contains(n, "区教体局") && strings.Contains(n, "空白栏目") }) {
		t.Errorf("an assigned column is listed: %q", sum.Notes)
	}

	// A column not audited: its catalog item is not judged and kept.
	in.Sources = notAudited(in.Sources, "column:"+colStats)
	got, _, res := eval(t, in, Catalog, "2025-12-01")
	if _, ok := got["u1:财政预算执行情况"]; ok {
		t.Error("finding for a column that was not audited")
	}
	if !res.Keep(store.Finding{Rule: Catalog, Subject: "u1:财政预算执行情况", Column: colStats, Quarter: "2025Q4"}) {
		t.Error("its finding would be resolved")
	}

	// The YAML form reads alike.
	cfg.Rules.Catalog = writeFile(t, "catalog.yaml", "items:\n  - {unit: u2, item: 重大建设项目, columns: [重大建设项目], cadence: 按需}\n")
	in.Sources = audited(cfg, nil)
	got, _, _ = eval(t, in, Catalog, "2025-12-01")
	sameSubjects(t, got, "u2:重大建设项目")
}

func TestLoadCatalogErrors(t *testing.T) {
	for name, content := range map[string]string{
		"nohead.csv":  "a,b,c\nu1,x,y\n",
		"cadence.csv": "unit,item,column,cadence\nu1,x,y,hourly\n",
		"dup.csv":     "unit,item,column\nu1,x,y\nu1,x,z\n",
		"empty.csv":   "unit,item,column\nu1,,y\n",
		"bad.yaml":    "items:\n  - {unit: u1, item: x, colum: [y]}\n",
	} {
		if _, err := LoadCatalog(writeFile(t, name, content)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
