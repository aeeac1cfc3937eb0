package crawler

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/extract"
	"github.com/govaudit/govaudit/store"
)

// source is one column or mailbox to crawl.
type source struct {
	kind      string // store.SourceColumn or store.SourceMailbox
	key       string
	id, unit  string
	name, url string
	family    string
	selectors *config.Selectors
	// preset, when set, is recorded as the source's state without a crawl
	// (a channel missing from its catalog, a catalog that failed).
	preset *store.SourceState
}

func (r *run) wantUnit(id string) bool {
	return len(r.c.opt.Units) == 0 || slices.Contains(r.c.opt.Units, id)
}

func (r *run) wantColumn(id string) bool {
	return len(r.c.opt.Columns) == 0 || slices.Contains(r.c.opt.Columns, id)
}

func (r *run) columnSource(col config.Column) *source {
	if col.ID == "" {
		col.ID = config.DefaultColumnID(col.Unit, col.Name)
	}
	s := &source{kind: store.SourceColumn, key: "column:" + col.ID, id: col.ID, unit: col.Unit, name: col.Name,
		url: col.URL, family: r.cfg.ColumnProfile(col), selectors: col.Selectors}
	if col.URL == "" {
		s.preset = r.state(s)
		s.preset.ErrKind, s.preset.Cause = "config", "栏目未配置网址"
	}
	return s
}

// state returns a fresh state of s for this run.
func (r *run) state(s *source) *store.SourceState {
	return &store.SourceState{Key: s.key, Kind: s.kind, ID: s.id, Unit: s.unit, URL: s.url, RunID: r.id, CrawledAt: r.now()}
}

// buildSources lists what this run crawls: every column of the
// configuration, those of its templates included (with a path: the unit's
// catalog URL and the path; with only a name: found on the unit's catalog
// page), and the mailboxes. A column to discover that its catalog does
// not list is recorded as not audited, "栏目未找到", never skipped.
func (r *run) buildSources() ([]*source, error) {
	var out []*source
	have := map[string]bool{}
	add := func(s *source) {
		if have[s.key] {
			return
		}
		have[s.key] = true
		out = append(out, s)
	}
	var discover []config.Column
	for _, col := range r.cfg.AllColumns() {
		if !r.wantUnit(col.Unit) || !r.wantColumn(colID(col)) {
			continue
		}
		if col.Discover && col.URL == "" {
			discover = append(discover, col)
			continue
		}
		add(r.columnSource(col))
	}
	if len(discover) > 0 {
		units := map[string]config.Unit{}
		for _, col := range discover {
			if u, ok := r.cfg.Unit(col.Unit); ok && u.Catalog != "" {
				units[u.ID] = u
			}
		}
		cats := r.loadCatalogs(units)
		for _, col := range discover {
			s := r.columnSource(col)
			s.preset = nil
			cat, loaded := cats[col.Unit]
			switch {
			case !loaded:
				s.preset = r.state(s)
				s.preset.ErrKind, s.preset.Cause = "config", "单位未配置目录网址，无法查找栏目"
			case !cat.state.Audited:
				s.preset = r.state(s)
				s.preset.ErrKind = cat.state.ErrKind
				s.preset.Cause = "目录页无法加载：" + cat.state.Cause
			default:
				ch, ok := findChannel(cat.channels, col.Match, cat.state.URL)
				if !ok {
					s.preset = r.state(s)
					s.preset.URL = cat.state.URL
					s.preset.ErrKind, s.preset.Cause = ErrNotFound, fmt.Sprintf("栏目未找到：目录中没有「%s」", strings.Join(col.Match, "」「"))
				} else {
					s.url = ch.URL
				}
			}
			add(s)
		}
	}
	for _, m := range r.cfg.Mailboxes {
		if !r.wantUnit(m.Unit) || len(r.c.opt.Columns) > 0 && !r.wantColumn(m.ID) {
			continue
		}
		s := &source{kind: store.SourceMailbox, key: "mailbox:" + m.ID, id: m.ID, unit: m.Unit, name: m.Name,
			url: m.URL, family: r.cfg.MailboxProfile(m)}
		if m.URL == "" {
			s.preset = r.state(s)
			s.preset.ErrKind, s.preset.Cause = "config", "信箱未配置网址"
		}
		add(s)
	}
	return out, r.ctx.Err()
}

// ErrNotFound is the SourceState.ErrKind of a column to discover that its
// unit's catalog does not list (栏目未找到).
const ErrNotFound = store.NotFound

func colID(col config.Column) string {
	if col.ID != "" {
		return col.ID
	}
	return config.DefaultColumnID(col.Unit, col.Name)
}

// findChannel finds a channel by one of names, in the order given: a
// match of an earlier name wins over a later one. When several links of
// the catalog page carry the name (the site's own navigation often links
// the district's column of the same name), links in the page's header,
// menu bar and footer do not count, and of the others the one under the
// catalog's own directory wins, then one on the catalog's host, then the
// first.
func findChannel(chs []extract.Channel, names []string, catalogURL string) (extract.Channel, bool) {
	cu, _ := url.Parse(catalogURL)
	dir := ""
	if cu != nil {
		dir = cu.Path[:strings.LastIndex(cu.Path, "/")+1]
	}
	score := func(ch extract.Channel) int {
		u, err := url.Parse(ch.URL)
		if err != nil || cu == nil {
			return 0
		}
		s := 0
		if strings.EqualFold(u.Host, cu.Host) {
			s += 2
			if dir != "" && dir != "/" && strings.HasPrefix(u.Path, dir) {
				s += 4
			}
		}
		return s
	}
	// The site's header, menu bar and footer link the district's channels:
	// a name found only there is not the unit's (unless the page has no
	// other link at all).
	if slices.ContainsFunc(chs, func(ch extract.Channel) bool { return !ch.Chrome }) {
		chs = slices.DeleteFunc(slices.Clone(chs), func(ch extract.Channel) bool { return ch.Chrome })
	}
	for _, n := range names {
		best, bestScore, found := extract.Channel{}, -1, false
		for _, ch := range chs {
			if !extract.SameName(ch.Name, n) {
				continue
			}
			if sc := score(ch); sc > bestScore {
				best, bestScore, found = ch, sc, true
			}
		}
		if found {
			return best, true
		}
	}
	return extract.Channel{}, false
}

// catalog is a loaded unit catalog.
type catalog struct {
	state    store.SourceState
	channels []extract.Channel
}

// loadCatalogs fetches the catalogs of units in parallel and records
// each as a catalog source.
func (r *run) loadCatalogs(units map[string]config.Unit) map[string]catalog {
	out := map[string]catalog{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, r.cfg.Site.Crawl.Parallelism))
	for _, u := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cat := r.loadCatalog(u)
			mu.Lock()
			out[u.ID] = cat
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (r *run) loadCatalog(u config.Unit) (cat catalog) {
	fam := r.cfg.UnitProfile(u.ID)
	st := store.SourceState{Key: "catalog:" + u.ID, Kind: store.SourceCatalog, ID: u.ID, Unit: u.ID, URL: u.Catalog,
		RunID: r.id, CrawledAt: r.now()}
	defer func() {
		cat.state = st
		if r.ctx.Err() == nil {
			r.w.put(record{source: &st})
		}
	}()
	pu, err := url.Parse(u.Catalog)
	if err != nil || pu.Host == "" {
		st.ErrKind, st.Cause = "config", "目录网址无效"
		return cat
	}
	res := r.fetchPage(request{method: "GET", url: normalizeURL(u.Catalog)}, fam)
	if res.failed() {
		st.ErrKind, st.Cause = res.errKind, res.cause
		r.putFailed(u.Catalog, res)
		return cat
	}
	body, cs := decodeHTML(res.body, res.contentType)
	r.w.put(record{page: ptr(r.pageRecord(u.Catalog, res, cs, ""))})
	chs, err := extract.Catalog(extract.Page{URL: pu, Body: body, Family: fam, Now: r.now().In(cst)})
	if err != nil {
		st.ErrKind, st.Cause = errParse, "目录页无法解析"
		return cat
	}
	cat.channels = chs
	st.Audited = true
	st.ListPages = 1
	st.Items = len(chs)
	return cat
}

func ptr[T any](v T) *T { return &v }
