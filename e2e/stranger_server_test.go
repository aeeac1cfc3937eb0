package e2e

import (
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// strangerSite serves a "stranger" portal: static pages under dir, plus
// the few dynamic URLs real CMS families answer (a Hanweb data proxy, a
// download servlet, a letter servlet, a ?page=N pager). HTML goes out as
// text/html without a charset, so a GBK page declares it only in <meta>.
type strangerSite struct{ dir string }

func (s strangerSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	q := r.URL.Query()
	switch {
	case strings.HasSuffix(p, "/jpage/dataproxy.jsp"):
		s.dataProxy(w, r)
		return
	case strings.HasSuffix(p, "/download/downfile.jsp"):
		p = "/module/download/files/" + path.Base("/"+q.Get("filename"))
	case strings.HasSuffix(p, "/mailpubdetail.do"):
		p = p + "/" + path.Base("/"+q.Get("transactId")) + ".html"
	case q.Get("page") != "":
		if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
			p = strings.TrimSuffix(p, "/index.html") + fmt.Sprintf("/index_%d.html", n)
		}
	}
	if path.Ext(p) == "" {
		p += "/index.html"
	}
	data, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(p)))
	if err != nil {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><head><title>404</title></head><body>对不起，您访问的页面不存在！</body></html>")
		return
	}
	ct := mime.TypeByExtension(path.Ext(p))
	switch {
	case strings.HasPrefix(p, "/module/download/files/"):
		ct = http.DetectContentType(data) // a download servlet's error page is HTML
	case path.Ext(p) == ".html" || ct == "":
		ct = "text/html"
	}
	w.Header().Set("Content-Type", ct)
	w.Write(data)
}

// dataProxy answers a Hanweb jpage request: records startrecord…endrecord
// (1-based, inclusive) of the column named by the form's columnid.
func (s strangerSite) dataProxy(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	col := path.Base("/" + r.Form.Get("columnid"))
	data, err := os.ReadFile(filepath.Join(s.dir, "module", "web", "jpage", "records", col+".xml"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	recs := strings.Split(strings.TrimSpace(string(data)), "\n")
	start, _ := strconv.Atoi(r.Form.Get("startrecord"))
	end, _ := strconv.Atoi(r.Form.Get("endrecord"))
	per, _ := strconv.Atoi(r.Form.Get("perpage"))
	start, end = max(start, 1), min(end, len(recs))
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><datastore>`)
	fmt.Fprintf(&b, "<totalrecord>%d</totalrecord>", len(recs))
	if per > 0 {
		fmt.Fprintf(&b, "<totalpage>%d</totalpage>", (len(recs)+per-1)/per)
	}
	b.WriteString("<recordset>")
	for i := start; i <= end; i++ {
		b.WriteString(recs[i-1])
	}
	b.WriteString("</recordset></datastore>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	fmt.Fprint(w, b.String())
}
