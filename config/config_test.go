package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		file  string
		line  int
		field string
		msg   string // a part of the message
	}{
		{"kind.yaml", 14, "columns[1].kind", `"polcy" is not a column kind (dynamic, notice, policy,`},
		{"unknown_key.yaml", 5, "site.crawl.rps", `unknown key "rps" (known here:`},
		{"password.yaml", 6, "mail.password", "mail.password_env"},
		{"duration.yaml", 4, "site.crawl.timeout", `"5x" is not a duration`},
		{"relative_url.yaml", 9, "columns[0].url", `"/u1/gzdt/" is not an absolute http(s) URL`},
		{"dup_unit.yaml", 8, "units[2].id", `"u1" is used by another unit`},
		{"unknown_unit.yaml", 9, "mailboxes[0].unit", `no unit has id "nope"`},
		{"dup_column.yaml", 11, "columns[1]", `column id "u1/工作动态" is used twice`},
		{"generic.yaml", 8, "columns[0].selectors", "the generic profile needs selectors"},
		{"tls.yaml", 6, "mail.tls", `"ssl" is not a TLS mode (none, starttls, implicit)`},
		{"profile.yaml", 6, "units[0].profile", `"wordpress" is not a CMS profile (gongkai, hanweb, trs, generic)`},
		{"syntax.yaml", 3, "", "YAML syntax: did not find expected '-' indicator (in the block that starts here"},
		{"cadence.yaml", 6, "templates[0].cadence", `"weekly" is not a cadence`},
		{"no_catalog.yaml", 10, "templates[0].units[0]", `unit "u1" has no catalog URL`},
		{"wrong_type.yaml", 4, "site.crawl.parallelism", `"two" is not a whole number`},
		{"not_list.yaml", 3, "units", "expected a list"},
		{"dup_key.yaml", 4, "site.name", `key "name" appears twice`},
		{"cron.yaml", 4, "schedule.crawl", `"every night" is not a cron spec`},
		{"no_base_url.yaml", 1, "site.base_url", "is required"},
		// What comes through an alias is reported where the alias is used.
		{"alias_cycle.yaml", 6, "templates[0].match[0]", "expected a text value, got a mapping"},
		{"bad_email.yaml", 6, "units[0].email", `"not-an-address" is not an email address`},
		{"since.yaml", 5, "rules.since", `"2025/01/01" is not a date such as 2025-01-01`},
		{"unit_id.yaml", 4, "units[0].id", `"u1/a": use letters, digits`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", tt.file)
			_, err := Load(path)
			if err == nil {
				t.Fatal("no error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *config.Error", err, err)
			}
			if ce.File != path || ce.Line != tt.line || !strings.HasPrefix(ce.Field, tt.field) || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("got  %s (file %q line %d field %q)\nwant %s:%d: %s: …%s…", err, ce.File, ce.Line, ce.Field, path, tt.line, tt.field, tt.msg)
			}
			if want := path + ":"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("message %q does not start with %q", err, want)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	e := &Error{File: "govaudit.yaml", Line: 42, Field: "columns[3].kind", Msg: `"polcy" is not a column kind`}
	if got, want := e.Error(), `govaudit.yaml:42: columns[3].kind: "polcy" is not a column kind`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &Error{Field: "site.base_url", Msg: "is required"}
	if got, want := e.Error(), "site.base_url: is required"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSeveralErrorsInLineOrder(t *testing.T) {
	data := []byte("site:\n  base_url: portal\n  crawl:\n    parallelism: 0\nmail:\n  tls: ssl\n")
	_, err := Parse(data, "x.yaml")
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %T %v, want an ErrorList", err, err)
	}
	var lines []int
	for _, e := range list {
		lines = append(lines, e.Line)
	}
	if want := []int{2, 4, 6}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %v, want %v\n%v", lines, want, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse([]byte("site:\n  base_url: http://portal.test/\n"), "dir/govaudit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cr := c.Site.Crawl
	checks := []struct {
		name      string
		got, want any
	}{
		{"profile", c.Site.Profile, "gongkai"},
		{"rps", cr.RequestsPerSecond, 2.0},
		{"parallelism", cr.Parallelism, 2},
		{"timeout", cr.Timeout, 15 * time.Second},
		{"retries", cr.Retries, 3},
		{"backoff", cr.RetryBackoff, time.Second},
		{"max body", cr.MaxBodyBytes, int64(10 << 20)},
		{"max list pages", cr.MaxListPages, 200},
		{"robots", cr.ObeyRobots, true},
		{"attachments", cr.CheckAttachments, true},
		{"links", cr.CheckLinks, false},
		{"user agent", cr.UserAgent, "govaudit/1 (+政务公开 audit)"},
		{"store", c.Store.Path, filepath.Join("dir", "govaudit.db")},
		{"units", len(c.Units), 46},
		{"publish days", c.Rules.PublishDays, 20},
		{"reply days", c.Rules.MailboxReplyDays, 5},
		{"stale", c.Rules.Stale, map[string]int{"dynamic": 14, "notice": 183, "policy": 183, "planning": 365, "personnel": 365}},
		{"quarter points", c.Scoring.QuarterPoints, 20.0},
		{"year-end points", c.Scoring.YearEndPoints, 20.0},
		{"web addr", c.Web.Addr, "127.0.0.1:8080"},
		{"session", c.Web.SessionHours, 12},
		{"crawl spec", c.Schedule.Crawl, "0 2 * * *"},
		{"digest spec", c.Schedule.Digest, "0 8 * * 1"},
		{"probe interval", c.Probes.Interval, 30 * time.Minute},
		{"probe timeout", c.Probes.Timeout, 15 * time.Second},
		{"mail tls", c.Mail.TLS, ""},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if u := c.Units[0]; u.ID != "lzqrmzfbgs" || !u.District {
		t.Errorf("first default unit %+v", u)
	}
}

func TestExplicitZeroKept(t *testing.T) {
	data := "site:\n  base_url: http://portal.test/\n  crawl:\n    requests_per_second: 0\n    retries: 0\n    obey_robots: false\n    check_attachments: false\n"
	c, err := Parse([]byte(data), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cr := c.Site.Crawl
	if cr.RequestsPerSecond != 0 || cr.Retries != 0 || cr.ObeyRobots || cr.CheckAttachments {
		t.Errorf("explicit zeros overridden: %+v", cr)
	}
}

func TestValidFile(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != filepath.Join("testdata", "valid.yaml") {
		t.Errorf("Path = %q", c.Path)
	}
	if want := filepath.Join("testdata", "data", "test.db"); c.Store.Path != want {
		t.Errorf("store path %q, want %q", c.Store.Path, want)
	}
	if c.Site.Crawl.Timeout != 5*time.Second || c.Site.Crawl.RequestsPerSecond != 0 || c.Site.Crawl.ObeyRobots {
		t.Errorf("crawl %+v", c.Site.Crawl)
	}
	if len(c.Units) != 3 {
		t.Errorf("%d units, want 3", len(c.Units))
	}
	if c.Rules.Stale["dynamic"] != 7 || c.Rules.Stale["notice"] != 183 {
		t.Errorf("stale days %v: an override must keep the other defaults", c.Rules.Stale)
	}
	chk := c.Rules.Checks["stale-column"]
	if chk.Enabled == nil || *chk.Enabled || chk.Points == nil || *chk.Points != 0.5 {
		t.Errorf("checks %+v", chk)
	}
	if c.Mail.Port != 587 || c.Mail.TLS != "starttls" {
		t.Errorf("mail defaults: port %d tls %q", c.Mail.Port, c.Mail.TLS)
	}
	mb, ok := c.Mailbox("u1/区长信箱")
	if !ok || mb.ReplyDays != 5 {
		t.Errorf("mailbox %+v %v", mb, ok)
	}
	if got := c.UnitProfile("u2"); got != "trs" {
		t.Errorf("profile of u2 = %q", got)
	}
	if u, ok := c.Unit("u3"); !ok || u.Name != "闻韶街道" {
		t.Errorf("Unit(u3) = %+v, %v", u, ok)
	}
	if _, ok := c.Unit("nope"); ok {
		t.Error("Unit(nope) found")
	}
}

func TestTemplateExpansion(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tr, fa := true, false
	want := []Column{
		{ID: "u3/工作动态", Unit: "u3", Name: "工作动态", URL: "http://portal.test/u3/gzdt/", Kind: "dynamic", Cadence: "none", RequiresAttachment: &fa},
		{ID: "u1-report", Unit: "u1", Name: "年度报告", URL: "http://portal.test/gongkai/site_u1/ndbg/", Kind: "annual-report", Cadence: "yearly", DeadlineDays: 31, RequiresAttachment: &tr},
		// The explicit column replaces the template's for u2.
		{ID: "u2/政策文件", Unit: "u2", Name: "政策文件", URL: "http://portal.test/u2/zcwj2/index.html", Kind: "policy", Cadence: "none", RequiresAttachment: &fa},
		{ID: "u1/政策文件", Unit: "u1", Name: "政策文件", URL: "http://portal.test/gongkai/site_u1/zcwj/", Kind: "policy", Key: true, Cadence: "none", RequiresAttachment: &tr},
		// The catalog u2/index.html resolves tjxx/ next to it.
		{ID: "u2/统计信息", Unit: "u2", Name: "统计信息", URL: "http://portal.test/u2/tjxx/", Kind: "statistics", Cadence: "monthly", DeadlineDays: 15, RequiresAttachment: &fa},
		// A name-only template gives each unit with a catalog a column to
		// discover: a column like any other, without a URL yet.
		{ID: "u1/通知公告", Unit: "u1", Name: "通知公告", Kind: "notice", Cadence: "none", RequiresAttachment: &fa, Discover: true, Match: []string{"通知公告", "公示公告"}},
		{ID: "u2/通知公告", Unit: "u2", Name: "通知公告", Kind: "notice", Cadence: "none", RequiresAttachment: &fa, Discover: true, Match: []string{"通知公告", "公示公告"}},
	}
	if !reflect.DeepEqual(c.Columns, want) {
		t.Errorf("columns:\n got %+v\nwant %+v", c.Columns, want)
	}
	for _, col := range want {
		got, ok := c.Column(col.ID)
		if !ok || got.URL != col.URL {
			t.Errorf("Column(%q) = %+v, %v", col.ID, got, ok)
		}
	}
	// The name-only template stays for the crawler to discover.
	if len(c.Templates) != 3 || c.Templates[2].Path != "" || c.Templates[2].Name != "通知公告" {
		t.Errorf("templates %+v", c.Templates)
	}
	if got := c.TemplateUnits(c.Templates[2]); len(got) != 2 || got[0].ID != "u1" || got[1].ID != "u2" {
		t.Errorf("TemplateUnits of a template without units = %v, want u1 and u2 (those with a catalog)", got)
	}
	col := TemplateColumn(c.Templates[2], c.Units[0])
	if col.URL != "" || col.ID != "u1/通知公告" || col.Kind != "notice" || !col.Discover {
		t.Errorf("TemplateColumn = %+v", col)
	}
}

func TestTemplateConflict(t *testing.T) {
	data := `site: {base_url: "http://portal.test/"}
units:
  - {id: u1, name: 甲, catalog: "http://portal.test/u1/"}
templates:
  - {name: 政策文件, path: a/, kind: policy}
  - {name: 政策文件, path: b/, kind: policy}
`
	_, err := Parse([]byte(data), "x.yaml")
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 6 || ce.Field != "templates[1]" {
		t.Errorf("got %v, want an error at line 6, templates[1]", err)
	}
}

func TestStarterParses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "govaudit.yaml")
	if err := os.WriteFile(path, Starter(), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("starter does not load: %v", err)
	}
	if !reflect.DeepEqual(unitIDs(c.Units), unitIDs(DefaultUnits())) {
		t.Error("starter units differ from DefaultUnits")
	}
	for _, u := range c.Units {
		if u.Catalog == "" {
			t.Errorf("unit %s has no catalog", u.ID)
		}
	}
	if len(c.Templates) < 8 {
		t.Errorf("only %d templates", len(c.Templates))
	}
	if c.Store.Path != filepath.Join(dir, "govaudit.db") {
		t.Errorf("store path %q", c.Store.Path)
	}
	// The starter spells out the defaults: they must be the defaults.
	d := Default()
	if !reflect.DeepEqual(c.Site.Crawl, d.Site.Crawl) || !reflect.DeepEqual(c.Rules, d.Rules) && len(c.Rules.Checks) != 0 ||
		c.Web != d.Web || c.Schedule != d.Schedule || c.Probes != d.Probes {
		t.Errorf("starter settings differ from the defaults:\n%+v\n%+v", c.Site.Crawl, d.Site.Crawl)
	}
	if !strings.Contains(string(Starter()), "password_env") {
		t.Error("starter does not show password_env")
	}
}

func unitIDs(us []Unit) []string {
	var ids []string
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

func TestMarshalRoundTrip(t *testing.T) {
	starterDir := t.TempDir()
	starterPath := filepath.Join(starterDir, "govaudit.yaml")
	if err := os.WriteFile(starterPath, Starter(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join("testdata", "valid.yaml"), starterPath} {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			data, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(data, path)
			if err != nil {
				t.Fatalf("marshalled config does not parse: %v\n%s", err, data)
			}
			if !reflect.DeepEqual(c, back) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v\n%s", back, c, data)
			}
			// Template columns are not written out one by one.
			if strings.Contains(string(data), "zcwj/\n") && strings.Count(string(data), "zcwj/") > 1 {
				t.Errorf("expanded columns written:\n%s", data)
			}
		})
	}
}

func TestMarshalCodeBuilt(t *testing.T) {
	// A config built in code (as portalsim does) round-trips too.
	c := &Config{
		Site:  Site{Name: "模拟区", BaseURL: "http://127.0.0.1:1234/", Profile: "gongkai"},
		Units: []Unit{{ID: "a", Name: "甲", Email: "a@example.gov.cn"}, {ID: "b", Name: "乙", Profile: "hanweb"}},
		Columns: []Column{
			{Unit: "a", Name: "通知公告", URL: "http://127.0.0.1:1234/a/tzgg/", Kind: "notice"},
			{Unit: "b", Name: "统计", URL: "http://127.0.0.1:1234/col/col3/index.html", Kind: "statistics", Cadence: "quarterly", Key: true},
		},
		Mailboxes: []Mailbox{{ID: "qzxx", Name: "区长信箱", URL: "http://127.0.0.1:1234/qzxx/", Unit: "a", ReplyDays: 3}},
	}
	c.Site.Crawl = Default().Site.Crawl
	c.Site.Crawl.RequestsPerSecond = 0
	c.Site.Crawl.ObeyRobots = false
	c.Store.Path = "/tmp/x/govaudit.db"
	c.Path = "/tmp/x/govaudit.yaml"
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, c.Path)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !reflect.DeepEqual(c, back) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v\n%s", back, c, data)
	}
	if strings.Contains(string(data), "/tmp/x") {
		t.Errorf("store path not written relative to the config:\n%s", data)
	}
}

func TestValidateCodeBuilt(t *testing.T) {
	c := Default()
	c.Site.BaseURL = "ftp://portal.test/"
	c.Columns = []Column{{Unit: "zz", Name: "x", URL: "http://a/", Kind: "news"}}
	err := c.Validate()
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("got %v, want 3 problems", err)
	}
	for _, e := range list {
		if e.Line != 0 {
			t.Errorf("code-built config error with line %d: %v", e.Line, e)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	data := `site: {base_url: "http://portal.test/"}
units:
  - {id: u1, name: 甲}
x-common: &common
  unit: u1
  kind: policy
columns:
  - <<: *common
    name: 政策文件
    url: http://portal.test/u1/zcwj/
`
	// Unknown top-level keys are refused, even as anchors' holders.
	if _, err := Parse([]byte(data), "x.yaml"); err == nil || !strings.Contains(err.Error(), `x.yaml:4: x-common: unknown key`) {
		t.Errorf("got %v", err)
	}
	data = strings.Replace(data, "x-common: &common\n  unit: u1\n  kind: policy\n", "", 1)
	data = strings.Replace(data, "  - <<: *common\n", "  - &common\n    unit: u1\n    kind: policy\n", 1)
	data += "  - <<: *common\n    name: 通知公告\n    url: http://portal.test/u1/tzgg/\n"
	c, err := Parse([]byte(data), "x.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if len(c.Columns) != 2 || c.Columns[1].Unit != "u1" || c.Columns[1].Name != "通知公告" {
		t.Errorf("columns %+v", c.Columns)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"valid.yaml", "bad/kind.yaml", "bad/alias_cycle.yaml", "bad/syntax.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(Starter())
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if c != nil {
				t.Error("config returned with an error")
			}
			if err.Error() == "" {
				t.Error("empty error message")
			}
			return
		}
		if _, err := c.Marshal(); err != nil {
			t.Errorf("valid config does not marshal: %v", err)
		}
	})
}

func TestProfilesAndAttachments(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		column, profile string
		attachment      bool
	}{
		{"u3/工作动态", "gongkai", false},  // the site's profile
		{"u2/政策文件", "trs", false},      // the unit's profile; explicit false
		{"u1/政策文件", "gongkai", true},   // policy: true by default
		{"u1-report", "gongkai", true}, // explicit true
		{"u2/统计信息", "trs", false},
	}
	for _, tt := range tests {
		col, ok := c.Column(tt.column)
		if !ok {
			t.Errorf("no column %s", tt.column)
			continue
		}
		if got := c.ColumnProfile(col); got != tt.profile {
			t.Errorf("%s: profile %q, want %q", tt.column, got, tt.profile)
		}
		if got := col.NeedsAttachment(); got != tt.attachment {
			t.Errorf("%s: NeedsAttachment %v, want %v", tt.column, got, tt.attachment)
		}
	}
	if got := (Column{Kind: KindService}).NeedsAttachment(); !got {
		t.Error("a service column without requires_attachment must need attachments")
	}
}

func TestUnitsKey(t *testing.T) {
	c, err := Parse([]byte("site: {base_url: \"http://portal.test/\"}\nunits: []\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Units) != 0 {
		t.Errorf("units: [] gave %d units", len(c.Units))
	}
}

// TestREADMEDocumentsEveryKey keeps the README's configuration reference
// in step with the types.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Skip("README.md not found:", err)
	}
	readme := string(data)
	var walk func(t reflect.Type, prefix string)
	walk = func(ty reflect.Type, prefix string) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || ty == reflect.TypeOf(time.Duration(0)) {
			return
		}
		for i := 0; i < ty.NumField(); i++ {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if ty.Name() == "Config" {
				if !strings.Contains(readme, "### `"+name+"`") {
					t.Errorf("README has no section for %s", name)
				}
			} else if !regexp.MustCompile("[`.]" + regexp.QuoteMeta(name) + "[`.]").MatchString(readme) {
				t.Errorf("README does not document %s%s", prefix, name)
			}
			walk(f.Type, prefix+name+".")
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}
