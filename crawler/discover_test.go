package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/govaudit/govaudit/config"
)

// TestDiscoverSkipsMailboxesAndCatalogs: a catalog page's header links
// the configured mailbox and the site's menu, its sidebar the other
// units' catalogs; none is a channel of the unit for discover to suggest.
func TestDiscoverSkipsMailboxesAndCatalogs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><body><div class="top"><a href="/hdjl/qzxx/">区长信箱</a></div>
<div class="header"><a href="/xwdt/">新闻动态</a></div><footer><a href="/zwfw/">政务服务</a></footer>
<ul class="tree"><li><a href="zcwj/">政策文件</a></li><li><a href="jgzn/">机构职能</a></li></ul>
<ul class="other"><li><a href="/gongkai/site_b/">区统计局</a></li></ul></body></html>`)
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.Site.BaseURL = srv.URL + "/"
	cfg.Site.Crawl.ObeyRobots = false
	cfg.Units = []config.Unit{
		{ID: "a", Name: "区政府办公室", Catalog: srv.URL + "/gongkai/site_a/"},
		{ID: "b", Name: "区统计局", Catalog: srv.URL + "/gongkai/site_b/"},
	}
	cfg.Templates = []config.Template{{Name: "政策文件", Kind: config.KindPolicy}}
	cfg.Mailboxes = []config.Mailbox{{ID: "qzxx", Name: "区长信箱", URL: srv.URL + "/hdjl/qzxx/", Unit: "a"}}
	pf, err := NewPageFetcher(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := Discover(context.Background(), cfg, pf, []string{"a"})
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("discover: %+v", res)
	}
	var names []string
	for _, ch := range res[0].Uncovered {
		names = append(names, ch.Name)
	}
	if len(names) != 1 || names[0] != "机构职能" {
		t.Errorf("uncovered channels = %q, want only 机构职能", names)
	}
}
