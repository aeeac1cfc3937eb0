package crawler

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/govaudit/govaudit/config"
)

// TestMailboxDataProxy crawls a jact mailbox: its list page (mailpublist.do)
// embeds no letters and names a data proxy (dataproxy_mailpublist.do) that
// answers POSTs of the page's parameters with dataStore groups of rows
// whose columns come in their own order. Every letter is listed.
func TestMailboxDataProxy(t *testing.T) {
	const total = 50
	var mu sync.Mutex
	var forms []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/jact/front/mailpublist.do":
			io.WriteString(w, `<html><body><div class="mail-head"><span>信件编号</span><span>信件标题</span>`+
				`<span>来信时间</span><span>办理状态</span><span>答复单位</span></div><div id="mailList"></div>
<script>$("#mailList").jpage({proxyUrl: "dataproxy_mailpublist.do", perPage: 15, groupSize: 3,
 ajaxParam: {sysid: '84', orderfield: '1'}});</script></body></html>`)
		case "/jact/front/dataproxy_mailpublist.do":
			if r.Method != http.MethodPost {
				http.Error(w, "POST only", http.StatusMethodNotAllowed)
				return
			}
			r.ParseForm()
			mu.Lock()
			forms = append(forms, r.PostForm.Encode())
			mu.Unlock()
			start, _ := strconv.Atoi(r.URL.Query().Get("startrecord"))
			end, _ := strconv.Atoi(r.URL.Query().Get("endrecord"))
			var rows []string
			for i := start; i <= end && i <= total; i++ {
				rows = append(rows, fmt.Sprintf(`"<tr><td>XJ%04d<\/td><td><a href=\"mailpubdetail.do?sysid=84&mailid=%d\">来信%d<\/a><\/td><td>2026-03-%02d 09:30<\/td><td>已办结<\/td><td>区住建局<\/td><\/tr>"`, i, i, i, 1+i%28))
			}
			fmt.Fprintf(w, "dataStore = [%s];", strings.Join(rows, ","))
		default:
			io.WriteString(w, `<html><body><table><tr><td>信件标题</td><td>来信</td></tr></table></body></html>`)
		}
	}))
	defer srv.Close()

	cfg := baseConfig(srv.URL)
	cfg.Site.Crawl.CheckLinks = false
	cfg.Mailboxes = []config.Mailbox{{ID: "szxx", Name: "区长信箱", URL: srv.URL + "/jact/front/mailpublist.do?sysid=84", Unit: "lzqfgj"}}
	st := openStore(t)
	if _, err := crawlOnce(t, cfg, st); err != nil {
		t.Fatalf("run: %v", err)
	}
	s, ok, err := st.Source("mailbox:szxx")
	if err != nil || !ok || !s.Audited || s.Items != total {
		t.Fatalf("mailbox = %+v (found %v, %v); want audited with %d letters", s, ok, err, total)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(forms) < 2 || !strings.Contains(forms[0], "sysid=84") || !strings.Contains(forms[0], "orderfield=1") {
		t.Errorf("proxy forms = %q", forms)
	}
}
