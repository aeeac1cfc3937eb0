package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// runCLI runs govaudit with args in dir and returns its status and output.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	if dir != "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(wd)
	}
	var out, errb bytes.Buffer
	code := runMain(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDueCommand(t *testing.T) {
	dir := t.TempDir() // no govaudit.yaml here: the calendar needs no config
	override := filepath.Join(dir, "2028.json")
	if err := os.WriteFile(override, []byte(`{"year": 2028, "days": [{"name": "元旦", "date": "2028-01-03", "isOffDay": true}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args   []string
		code   int
		stdout string // exact, or a part with "~" prefix
		stderr string
	}{
		{[]string{"due", "2024-09-20", "20"}, 0, "2024-10-23\n", ""},
		{[]string{"due", "2024-09-30", "1"}, 0, "2024-10-08\n", ""},
		{[]string{"due", "2025-01-24", "5"}, 0, "2025-02-07\n", ""},
		{[]string{"due", "2025-12-31", "20"}, 0, "2026-01-29\n", ""},
		{[]string{"due", "2020-01-23", "1"}, 0, "2020-02-03\n", ""},
		{[]string{"due", "2024-09-20", "2024-11-05"}, 0, "29\n", ""},
		{[]string{"due", "--explain", "2024-09-20", "20"}, 0, "~国庆节 2024-10-01、10-02、10-03、10-04、10-07（5 个工作日）", ""},
		{[]string{"due", "2024-09-20", "20", "--explain"}, 0, "~国庆节调休 2024-10-12（周六）", ""},
		{[]string{"due", "2028-01-02", "1"}, 1, "", "no official holiday data for 2028"},
		{[]string{"due", "--calendar", override, "2028-01-02", "1"}, 0, "2028-01-04\n", ""},
		{[]string{"due", "--calendar", filepath.Join(dir, "none.json"), "2024-01-02", "1"}, 2, "", "none.json"},
		{[]string{"due", "2024-09-20"}, 2, "", "want DATE and N"},
		{[]string{"due", "2024-09-31", "3"}, 2, "", "2024-09-31"},
		{[]string{"due", "2024-09-20", "x"}, 2, "", `"x"`},
		{[]string{"due", "--config", filepath.Join(dir, "none.yaml"), "2024-09-20", "1"}, 2, "", "none.yaml"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, dir, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, errs)
			}
			if want, ok := strings.CutPrefix(tc.stdout, "~"); ok {
				if !strings.Contains(out, want) || !strings.HasPrefix(out, "2024-10-23\n") {
					t.Errorf("stdout %q does not start with the date and contain %q", out, want)
				}
			} else if out != tc.stdout {
				t.Errorf("stdout %q, want %q", out, tc.stdout)
			}
			if !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr %q does not contain %q", errs, tc.stderr)
			}
		})
	}
}

// checkFixture writes a configuration and a store with a few violations.
func checkFixture(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	cfg := config.Default()
	cfg.Units = []config.Unit{{ID: "u1", Name: "区发改局"}, {ID: "u2", Name: "区教体局"}}
	cfg.Columns = []config.Column{
		{Unit: "u1", Name: "政策文件", Kind: config.KindPolicy, Key: true, URL: "http://p.test/u1/policy/"},
		{Unit: "u2", Name: "空白栏目", Kind: config.KindOther, URL: "http://p.test/u2/blank/"},
	}
	cfg.Site.BaseURL = "http://p.test/"
	cfg.Store.Path = "govaudit.db"
	cfg.ApplyDefaults()
	data, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "govaudit.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "govaudit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &store.Batch{
		Items: []store.Item{
			{URL: "http://p.test/u1/a.html", Unit: "u1", Column: "u1/政策文件", Title: "=HYPERLINK(\"x\") 关于印发方案的通知",
				Published: "2024-11-05", Written: "2024-09-20",
				Attachments: []store.Attachment{{URL: "http://p.test/f.pdf", Name: "方案.pdf", Checked: true, Status: 200}}},
			{URL: "http://p.test/u1/b.html", Unit: "u1", Column: "u1/政策文件", Title: "无附件的政策\x1b[31m", Published: "2024-12-02", Written: "2024-12-01"},
		},
		Sources: []store.SourceState{
			{Key: "column:u1/政策文件", Kind: store.SourceColumn, ID: "u1/政策文件", Unit: "u1", Audited: true, Items: 2, ListPages: 1},
			{Key: "column:u2/空白栏目", Kind: store.SourceColumn, ID: "u2/空白栏目", Unit: "u2", Audited: true, ListPages: 1},
		},
	}
	if err := st.Write(b); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCheckAndFindingsCommands(t *testing.T) {
	dir := checkFixture(t)
	code, out, errs := runCLI(t, dir, "check", "--as-of", "2024-12-31")
	if code != 0 {
		t.Fatalf("check: exit %d: %s", code, errs)
	}
	for _, want := range []string{"检查日期 2024-12-31", "timeliness", "信息发布不及时", "blank-column", "missing-attachment", "合计"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	// timeliness 1, missing-attachment 1, blank-column 1, key-column-empty 2023Q1..2024Q3 = 7.
	code, out, errs = runCLI(t, dir, "findings", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("findings list: exit %d: %s", code, errs)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("findings JSON: %v\n%s", err, out)
	}
	rules := map[string]int{}
	for _, f := range list {
		rules[f["rule"].(string)]++
		var keys []string
		for k := range f {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := strings.Join(keys, ","); got != "column,detected_at,evidence,id,last_seen,points,quarter,rule,status,title,unit,url" {
			t.Fatalf("JSON fields = %s", got)
		}
	}
	if rules["timeliness"] != 1 || rules["missing-attachment"] != 1 || rules["blank-column"] != 1 || rules["key-column-empty"] != 7 || len(list) != 10 {
		t.Errorf("findings by rule = %v (%d)", rules, len(list))
	}

	// Filters.
	code, out, _ = runCLI(t, dir, "findings", "list", "--rule", "timeliness", "--format", "json")
	if code != 0 || strings.Count(out, `"rule": "timeliness"`) != 1 || !strings.Contains(out, "29 个工作日") {
		t.Errorf("--rule timeliness: %d %s", code, out)
	}
	code, out, _ = runCLI(t, dir, "findings", "list", "--unit", "区教体局", "--status", "draft", "--quarter", "2024Q4")
	if code != 0 || !strings.Contains(out, "共 1 条") || !strings.Contains(out, "空白栏目") {
		t.Errorf("--unit 区教体局 --quarter 2024Q4: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, dir, "findings", "list")
	if code != 0 || strings.Contains(out, "\x1b") || !strings.Contains(out, "共 10 条") {
		t.Errorf("table: %d %q", code, out)
	}
	code, out, _ = runCLI(t, dir, "findings", "list", "--format", "csv", "--rule", "timeliness")
	if code != 0 || !strings.HasPrefix(out, "\ufeffid,rule,") {
		t.Fatalf("csv: %d %q", code, out)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 2 || !strings.HasPrefix(recs[1][5], "'=HYPERLINK") {
		t.Errorf("csv records = %q, %v (a formula-like title must be neutralised)", recs, err)
	}

	// Re-running the check changes nothing.
	code, out, _ = runCLI(t, dir, "check", "--as-of", "2024-12-31")
	if code != 0 || !strings.Contains(out, "合计") {
		t.Fatalf("second check: %d", code)
	}
	code, out2, _ := runCLI(t, dir, "findings", "list", "--format", "json")
	var list2 []map[string]any
	if err := json.Unmarshal([]byte(out2), &list2); err != nil || len(list2) != len(list) || code != 0 {
		t.Errorf("after a re-run: %d findings, want %d (%v)", len(list2), len(list), err)
	}

	// Usage errors.
	for _, args := range [][]string{
		{"findings", "list", "--rule", "nosuch"},
		{"findings", "list", "--status", "open"},
		{"findings", "list", "--quarter", "2024Q5"},
		{"findings", "list", "--format", "xml"},
		{"findings", "frobnicate"},
		{"findings"},
		{"check", "--as-of", "2024-13-01"},
	} {
		if code, _, errs := runCLI(t, dir, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
	// A year without holiday data fails loudly.
	if code, _, errs := runCLI(t, dir, "check", "--as-of", "2028-03-01"); code != 1 || !strings.Contains(errs, "2028") {
		t.Errorf("check as of 2028: exit %d, %s", code, errs)
	}
}
