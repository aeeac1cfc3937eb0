package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/govaudit/govaudit/config"
)

// onboardSite serves pages of the extractor's corpus and a catalog, and
// records the User-Agent of every request.
func onboardSite(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	corpus := filepath.Join("..", "..", "crawler", "extract", "testdata", "corpus")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(corpus, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var mu sync.Mutex
	var agents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.UserAgent())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/gongkai/site_lzqyjj/doc_1.html":
			w.Write(read("gk_doc_info_line.html"))
		case "/lzq/zwgk/gfxwj/index.html":
			w.Write(read("trs_list_table.html"))
		case "/col/col1230/index.html":
			w.Write(read("hw_col_li.html"))
		case "/bmxx/list.jsp":
			w.Write(read("mailbox_td_header.html"))
		case "/gongkai/site_lzqjtj/":
			w.Write(read("gk_catalog.html"))
		case "/gongkai/site_lzqfgj/":
			w.Write([]byte(`<div class="nav"><a href="/">首页</a> <a href="http://other.example/">外站</a></div>` +
				`<div class="latest"><a href="doc_0123456789abcdef01234567.html">最新文件</a> <a href="files/x.pdf">附件</a></div>` +
				`<h2>区发改局</h2><a href="zcwj/">政策 文件</a><a href="ghjh/">规划信息</a>` +
				`<a href="jgzn/">机构职能</a><a href="rsxx/">人事信息</a>`))
		case "/gongkai/site_lzqblk/":
			http.Error(w, "blocked", http.StatusPreconditionFailed)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), agents...)
	}
}

// onboardConfig writes a configuration for the site at base: its
// politeness (a user agent the server sees), three units with catalogs,
// templates by name, other name and path, and one configured column.
func writeOnboardConfig(t *testing.T, base string) string {
	t.Helper()
	cfg := config.Default()
	cfg.Site.BaseURL = base + "/"
	cfg.Site.Crawl.UserAgent = "govaudit-onboard-test/1"
	cfg.Site.Crawl.Retries = 0
	cfg.Site.Crawl.RequestsPerSecond = 0
	cfg.Units = []config.Unit{
		{ID: "lzqjtj", Name: "区教体局", Catalog: base + "/gongkai/site_lzqjtj/"},
		{ID: "lzqfgj", Name: "区发改局", Catalog: base + "/gongkai/site_lzqfgj/"},
		{ID: "lzqblk", Name: "区封锁局", Catalog: base + "/gongkai/site_lzqblk/"},
		{ID: "lzqnoc", Name: "区无目录局"},
	}
	cfg.Templates = []config.Template{
		{Name: "政策文件", Kind: config.KindPolicy},
		{Name: "规划计划", Match: []string{"规划信息"}, Kind: config.KindPlanning},
		{Name: "年度报告", Kind: config.KindOther},
		{Name: "人事信息", Path: "rsxx/", Kind: config.KindPersonnel, Units: []string{"lzqfgj"}},
	}
	cfg.Columns = []config.Column{{Unit: "lzqjtj", Name: "招生入学", Kind: config.KindService,
		URL: base + "/gongkai/site_lzqjtj/channel_c_61a2b3c4d5e6f708192a3b50_n_1700000005/"}}
	cfg.Store.Path = "govaudit.db"
	cfg.ApplyDefaults()
	data, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "govaudit.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInspect(t *testing.T) {
	srv, agents := onboardSite(t)
	cfgPath := writeOnboardConfig(t, srv.URL)
	tests := []struct {
		name string
		args []string
		want []string // parts of stdout
	}{
		{"gongkai article", []string{"/gongkai/site_lzqyjj/doc_1.html"}, []string{
			"family   gongkai (guessed", "kind     article",
			"发布日期 2026-10-09  from label 发布日期 (text)",
			"成文日期 2026-09-18  from label 发文日期 (table)",
			"文号 = 临应急发〔2026〕31号  [文号, table]",
		}},
		{"trs table list", []string{"/lzq/zwgk/gfxwj/index.html"}, []string{
			"family   trs", "kind     list", "list     3 entries, 0 with a date",
			"-           临淄区城镇老旧小区改造实施办法", "pager    TRS createPageHTML: 6 pages",
			"/lzq/zwgk/gfxwj/index_5.html",
		}},
		{"hanweb column as forced profile", []string{"--profile", "hanweb", "/col/col1230/index.html"}, []string{
			"family   hanweb (--profile)", "proxy    POST " + srv.URL + "/module/web/jpage/dataproxy.jsp",
			"3 records in the page, 37 in all, 15 a page", "columnid=1230",
		}},
		{"letters", []string{"--as", "letters", "/bmxx/list.jsp"}, []string{
			"letters  3 rows", "BM2026-0321 | 关于农村道路硬化的建议 | 已答复 | 2026-03-21 | 区交通运输局",
			"next     " + srv.URL + "/bmxx/list.jsp?page=2",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"inspect", "--config", cfgPath}, tt.args...)
			args[len(args)-1] = srv.URL + args[len(args)-1]
			code, out, errs := run(t, args...)
			if os.Getenv("ONBOARD_SHOW") != "" {
				t.Log(out)
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	for _, ua := range agents() {
		if ua != "govaudit-onboard-test/1" {
			t.Errorf("request with User-Agent %q, want the configuration's", ua)
		}
	}
	// Errors: a page that cannot be fetched, bad arguments.
	if code, _, errs := run(t, "inspect", "--config", cfgPath, srv.URL+"/gongkai/site_lzqblk/"); code != 1 || !strings.Contains(errs, "防火墙") {
		t.Errorf("blocked page: exit %d, %s", code, errs)
	}
	if code, _, _ := run(t, "inspect", "--config", cfgPath, "ftp://x/"); code != 2 {
		t.Errorf("ftp URL: exit %d, want 2", code)
	}
	if code, _, _ := run(t, "inspect", "--config", cfgPath, "--as", "pdf", srv.URL+"/"); code != 2 {
		t.Errorf("--as pdf: exit %d, want 2", code)
	}
}

func TestDiscover(t *testing.T) {
	srv, agents := onboardSite(t)
	cfgPath := writeOnboardConfig(t, srv.URL)
	code, out, errs := run(t, "discover", "--config", cfgPath)
	if os.Getenv("ONBOARD_SHOW") != "" {
		t.Log(out)
	}
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, out)
	}
	for _, w := range []string{
		"# 区教体局 (lzqjtj) " + srv.URL + "/gongkai/site_lzqjtj/",
		"#   6 channels in the catalog",
		"#   template 政策文件 → 政策文件  " + srv.URL + "/gongkai/site_lzqjtj/channel_c_61a2b3c4d5e6f708192a3b4d_n_1700000002/  (by name)",
		"#   template 年度报告 → 年度报告",
		"#   template 规划计划 → no channel",
		"#   column already configured: 招生入学",
		"#   template 规划计划 → 规划信息  " + srv.URL + "/gongkai/site_lzqfgj/ghjh/  (by other name)",
		"#   template 政策文件 → 政策 文件",
		"#   template 人事信息 → 人事信息  " + srv.URL + "/gongkai/site_lzqfgj/rsxx/  (by path rsxx/)",
		"#   catalog not loaded:",
		"columns:\n  - unit: lzqjtj\n    name: 机构职能\n    url: \"" + srv.URL + "/gongkai/site_lzqjtj/channel_c_61a2b3c4d5e6f708192a3b4c_n_1700000001/\"\n    kind: other\n",
		"  - unit: lzqfgj\n    name: 机构职能\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "lzqnoc") || strings.Contains(out, "name: 招生入学") || strings.Contains(out, "name: 政策文件") ||
		strings.Contains(out, "最新文件") || strings.Contains(out, "附件") || strings.Contains(out, "外站") {
		t.Errorf("output lists a unit without catalog or a covered channel:\n%s", out)
	}
	for _, ua := range agents() {
		if ua != "govaudit-onboard-test/1" {
			t.Errorf("request with User-Agent %q, want the configuration's", ua)
		}
	}
	// The columns block parses as configuration.
	i := strings.Index(out, "columns:")
	var doc struct {
		Columns []config.Column `yaml:"columns"`
	}
	if err := yaml.Unmarshal([]byte(out[i:]), &doc); err != nil || len(doc.Columns) != 4 {
		t.Errorf("columns block: %d columns, %v", len(doc.Columns), err)
	}
	if code, _, _ := run(t, "discover", "--config", cfgPath, "--unit", "nobody"); code != 2 {
		t.Errorf("--unit nobody: exit %d, want 2", code)
	}
}
