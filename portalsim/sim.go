// Package portalsim serves a simulated district government portal: the
// open-government (政务公开) catalogs of the district's units in three page
// families (the /gongkai/ platform, Hanweb JCMS and TRS WCM), their items,
// attachments and mailboxes, with violations of every check injected at
// known rates and a ground truth that lists them.
//
// Everything is deterministic from Options.Seed and Options.Today. The
// portal is generated as compact records; pages are rendered on request.
// It is the demo's target, the tests' fixture and the benchmarks' load.
package portalsim

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Sim is a simulated portal. It is safe for concurrent use.
type Sim struct {
	opt       Options
	today, ws day
	units     []*unit
	mailboxes []*mailbox
	routes    map[string]route
	newest    []*item // for the home page, newest first

	down      map[*column]bool // Faults.Down5xxColumns
	challenge map[*column]bool // Faults.ChallengeColumns
	huge      map[*column]bool // Faults.HugeColumns
	loop      map[*column]bool // Faults.RedirectLoopColumns
	endless   map[*column]bool // Faults.EndlessColumns
	nonHTML   map[*column]int  // Faults.NonHTMLColumns: position in the list
	waf200    map[*column]bool // Faults.WAF200Columns
	soft404   map[*column]int  // Faults.SoftNotFoundColumns: position in the list
	login     map[*column]bool // Faults.LoginColumns
	emptied   map[*column]bool // Faults.EmptiedColumns
	shrunk    map[*column]bool // Faults.ShrunkColumns
	pageFail  map[*column]bool // Faults.PageFailColumns
	token     string           // the challenge cookie's value

	requests atomic.Int64
	flap     atomic.Int64 // requests counted for Faults.FlapUp/FlapDown
	flakyMu  sync.Mutex
	flaky    map[string]bool // pages that already failed once

	catalogPath string      // written by WriteCatalog (content.go)
	content     *simContent // content.go
}

// route kinds.
const (
	rCatalog = iota + 1
	rList
	rItem
	rAtt
	rMailList
	rLetter
)

// route is what a path serves.
type route struct {
	kind int
	u    *unit
	c    *column
	it   *item
	a    *att
	mb   *mailbox
	l    *letter
}

// downfileKey is the route key of a hanweb attachment, served from one
// path with the file in the query.
func downfileKey(filename string) string { return "downfile:" + filename }

// New generates the portal described by opt.
func New(opt Options) (*Sim, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sim{opt: opt, flaky: map[string]bool{}}
	s.today = dayOf(opt.Today)
	s.ws = mkday(s.today.year()-1, 1, 1)
	g := &generator{s: s, rates: opt.Rates}
	if err := g.generate(); err != nil {
		return nil, err
	}
	s.assignLayouts()
	if opt.Layouts == LayoutsVaried && g.rates.Late > 0 {
		g.seedTraps()
	}
	s.token = fmt.Sprintf("%016x", mix(uint64(opt.Seed)^0x412))
	for _, u := range s.units {
		if slices.Contains(opt.Faults.WrongCharsetUnits, u.id) {
			u.mislabeled = true
		}
	}
	s.down = s.columnSet(opt.Faults.Down5xxColumns)
	s.challenge = s.columnSet(opt.Faults.ChallengeColumns)
	s.huge = s.columnSet(opt.Faults.HugeColumns)
	s.loop = s.columnSet(opt.Faults.RedirectLoopColumns)
	s.endless = s.columnSet(opt.Faults.EndlessColumns)
	s.waf200 = s.columnSet(opt.Faults.WAF200Columns)
	s.login = s.columnSet(opt.Faults.LoginColumns)
	s.emptied = s.columnSet(opt.Faults.EmptiedColumns)
	s.shrunk = s.columnSet(opt.Faults.ShrunkColumns)
	s.pageFail = s.columnSet(opt.Faults.PageFailColumns)
	s.nonHTML = s.columnIndex(opt.Faults.NonHTMLColumns)
	s.soft404 = s.columnIndex(opt.Faults.SoftNotFoundColumns)
	return s, nil
}

func (s *Sim) columnSet(ids []string) map[*column]bool {
	m := map[*column]bool{}
	for _, u := range s.units {
		for _, c := range u.cols {
			if slices.Contains(ids, c.id()) {
				m[c] = true
			}
		}
	}
	return m
}

// columnIndex maps the columns named in ids to their position in ids.
func (s *Sim) columnIndex(ids []string) map[*column]int {
	m := map[*column]int{}
	for _, u := range s.units {
		for _, c := range u.cols {
			if i := slices.Index(ids, c.id()); i >= 0 {
				m[c] = i
			}
		}
	}
	return m
}

// index builds the route table and the home page's list.
func (s *Sim) index() error {
	s.routes = map[string]route{}
	add := func(key string, r route) error {
		if _, dup := s.routes[key]; dup {
			return fmt.Errorf("portalsim: generated two pages at %s", key)
		}
		s.routes[key] = r
		return nil
	}
	var all []*item
	for _, u := range s.units {
		if err := add(u.catalogPath(), route{kind: rCatalog, u: u}); err != nil {
			return err
		}
		for _, c := range u.cols {
			if err := add(c.listPath(1), route{kind: rList, u: u, c: c}); err != nil {
				return err
			}
			all = append(all, c.items[:min(20, len(c.items))]...)
			for _, it := range c.items {
				if err := add(it.path(), route{kind: rItem, u: u, c: c, it: it}); err != nil {
					return err
				}
				for _, a := range it.atts {
					key := a.path()
					if u.fam == famHanweb {
						key = downfileKey(a.key + "." + a.ext)
					}
					if err := add(key, route{kind: rAtt, u: u, c: c, it: it, a: a}); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, mb := range s.mailboxes {
		if err := add(mb.dir(), route{kind: rMailList, mb: mb}); err != nil {
			return err
		}
		for _, l := range mb.letters {
			if err := add(l.path(), route{kind: rLetter, mb: mb, l: l}); err != nil {
				return err
			}
		}
	}
	for _, u := range s.units {
		for _, c := range u.cols {
			for _, it := range c.items {
				if !it.brokenLink {
					continue
				}
				if _, ok := s.routes[it.deadLink()]; ok {
					return fmt.Errorf("portalsim: dead link %s collides with a page", it.deadLink())
				}
			}
		}
	}
	slices.SortFunc(all, func(a, b *item) int {
		if a.pub != b.pub {
			return int(b.pub - a.pub)
		}
		return b.id - a.id
	})
	s.newest = all[:min(20, len(all))]
	return nil
}

// Requests returns the number of requests served so far.
func (s *Sim) Requests() int64 { return s.requests.Load() }

// Stats are the sizes of a portal.
type Stats struct {
	Units       int `json:"units"`
	Columns     int `json:"columns"`
	Pages       int `json:"pages"` // HTML pages a complete crawl fetches (catalogs, list pages, articles, letters)
	Items       int `json:"items"`
	Attachments int `json:"attachments"`
	Letters     int `json:"letters"`
	Mailboxes   int `json:"mailboxes"`
	// Families breaks the figures down by page family: gongkai, hanweb,
	// trs, and mailbox for the letter boxes.
	Families map[string]FamilyStats `json:"families"`
}

// FamilyStats are the sizes of one page family.
type FamilyStats struct {
	Units       int `json:"units"`
	Columns     int `json:"columns"`
	ListPages   int `json:"list_pages"` // hanweb: the column page and the proxy answers in batches of 45
	Pages       int `json:"pages"`      // catalogs + list pages + articles (+ letters)
	Items       int `json:"items"`
	Attachments int `json:"attachments"`
	Letters     int `json:"letters"`
}

// Stats counts the portal's pages, items, attachments and letters.
func (s *Sim) Stats() Stats {
	st := Stats{Units: len(s.units), Families: map[string]FamilyStats{}}
	for _, u := range s.units {
		f := st.Families[u.fam.String()]
		f.Units++
		f.Pages++ // the catalog
		for _, c := range u.cols {
			f.Columns++
			lp := c.pages()
			if u.fam == famHanweb {
				lp = 1
				if rest := len(c.items) - c.perPage(); rest > 0 {
					lp += (rest + 44) / 45
				}
			}
			f.ListPages += lp
			f.Pages += lp + len(c.items)
			f.Items += len(c.items)
			for _, it := range c.items {
				f.Attachments += len(it.atts)
			}
		}
		st.Families[u.fam.String()] = f
	}
	mf := FamilyStats{}
	for _, mb := range s.mailboxes {
		mf.ListPages += mb.pages()
		mf.Pages += mb.pages() + len(mb.letters)
		mf.Letters += len(mb.letters)
	}
	st.Families["mailbox"] = mf
	st.Mailboxes = len(s.mailboxes)
	for _, f := range st.Families {
		st.Columns += f.Columns
		st.Pages += f.Pages
		st.Items += f.Items
		st.Attachments += f.Attachments
		st.Letters += f.Letters
	}
	return st
}
