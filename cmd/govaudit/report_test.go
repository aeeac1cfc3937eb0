package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportDigestAdjustmentsCLI runs the report, digest and adjustments
// commands on a starter configuration and an empty store.
func TestReportDigestAdjustmentsCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "govaudit.yaml")
	if code, _, errs := run(t, "init", cfg); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"adjustments", "add", "--config", cfg, "--unit", "区住建局", "--period", "2026Q3", "--points", "1.5",
			"--category", "整改落实", "--reason", "未按期整改", "--by", "王五"}, 0, "adj-000001"},
		{[]string{"adjustments", "add", "--config", cfg, "--unit", "区住建局", "--period", "2026Q3", "--points", "1",
			"--category", "整改落实"}, 2, ""},
		{[]string{"adjustments", "add", "--config", cfg, "--unit", "不存在", "--period", "2026Q3", "--points", "1",
			"--category", "整改落实", "--reason", "x"}, 2, ""},
		{[]string{"adjustments", "add", "--config", cfg, "--unit", "lzqcl", "--period", "2026Q9", "--points", "1",
			"--category", "整改落实", "--reason", "x"}, 2, ""},
		{[]string{"adjustments", "list", "--config", cfg}, 0, "未按期整改"},
		{[]string{"report", "--config", cfg, "--quarter", "2026Q3", "--out", filepath.Join(dir, "out")}, 0, "最低 18.5 分"},
		{[]string{"report", "--config", cfg, "--year", "2026", "--format", "csv", "--out", filepath.Join(dir, "out")}, 0, "2026-问题清单.csv"},
		{[]string{"report", "--config", cfg}, 2, ""},
		{[]string{"report", "--config", cfg, "--quarter", "2026Q3", "--format", "pdf"}, 2, ""},
		{[]string{"adjustments", "withdraw", "adj-000001", "--config", cfg, "--reason", "录入错误"}, 0, "已撤销"},
		{[]string{"adjustments", "withdraw", "adj-000001", "--config", cfg}, 2, ""},
		{[]string{"digest", "--config", cfg, "--week", "2026-W47", "--dry-run", filepath.Join(dir, "eml")}, 0, "试运行"},
		{[]string{"digest", "--config", cfg, "--week", "2026-W47"}, 2, ""}, // no mail.host
		{[]string{"digest", "--config", cfg, "--week", "2026-W99"}, 2, ""},
	}
	for _, s := range steps {
		code, out, errs := run(t, s.args...)
		if code != s.code || !strings.Contains(out, s.out) {
			t.Errorf("%v: exit %d, want %d; stdout %q lacks %q; stderr %s", s.args, code, s.code, out, s.out, errs)
		}
	}
	for _, name := range []string{"2026Q3-通报.html", "2026Q3-通报.xlsx", "2026Q3-排名.csv", "2026Q3-问题清单.csv", "2026-排名.csv"} {
		if _, err := os.Stat(filepath.Join(dir, "out", name)); err != nil {
			t.Errorf("report file: %v", err)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "out", "2026Q3-通报.html"))
	if err != nil || !strings.Contains(string(html), "区住建局") || !strings.Contains(string(html), "未按期整改") {
		t.Errorf("HTML notice lacks the adjustment: %v", err)
	}
}
