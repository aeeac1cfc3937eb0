package portalsim

import (
	"fmt"
	"strconv"
)

// family is a page family (CMS) of the portal.
type family uint8

const (
	famGongkai family = iota
	famHanweb
	famTRS
)

var familyNames = [...]string{"gongkai", "hanweb", "trs"}

func (f family) String() string { return familyNames[f] }

// unit is one assessed unit and its part of the portal.
type unit struct {
	idx      int
	id, name string
	district bool
	fam      family
	charset  string // utf-8, gbk or gb18030 (the bytes sent)
	metaOnly bool   // charset declared only in the page, not in the header
	// httpEquiv declares the charset as <meta http-equiv … charset=gb2312>.
	httpEquiv bool
	// mislabeled pages declare UTF-8 but are sent in GBK (a fault).
	mislabeled bool
	code       string // the organisation code that starts each 索引号
	home       int    // hanweb: the number of the unit's home column
	// Style variations.
	altLabels   bool // 发文日期/公开主体/发文字号/效力状态 instead of the usual labels
	shortDates  bool // trs: list dates as [03-17]
	compactPub  bool // PubDate meta as 20261006
	btContent   bool // hanweb: body in .bt_content instead of #zoom
	pagerScript bool // hanweb: paging parameters in a script
	cols        []*column
	newest      day
	// lay is the unit's layout; classic units are rendered by the classic
	// renderer, which lay only describes.
	lay     *layout
	classic bool
}

// column is one channel of a unit's catalog.
type column struct {
	u     *unit
	idx   int
	spec  chanSpec
	key   bool
	hex   string // gongkai channel id
	unix  int64  // gongkai channel creation time
	num   int    // hanweb column number
	blank bool
	stale bool
	style int // how period names are written in titles
	items []*item
}

// id is the column id of the configuration and the truth.
func (c *column) id() string { return c.u.id + "/" + c.spec.name }

// item is one document of a column.
type item struct {
	c          *column
	id         int
	hex        string // gongkai doc id
	title      string
	topic      string
	pub        day
	pubMin     int
	written    day // 0: no 成文日期
	docNo      string
	indexNo    string
	subject    string
	atts       []*att
	missing    []string // names the body gives that no link matches
	mention    bool     // the body names the linked attachments
	brokenLink bool
	scriptAtts bool        // trs: attachments written by document.write
	q          *contentDoc // an extra document of Options.Content (content.go)
}

// Attachment states.
const (
	attOK      = iota
	att404     // answers 404
	attHTML200 // an HTML error page with status 200
	attEmpty   // status 200 and an empty body
)

// att is an attachment of an item.
type att struct {
	it   *item
	name string // file name shown as the link text, with extension
	stem string // file name without extension
	ext  string
	key  string // unique part of the URL
	mode int
	size int
}

// mailbox is a 区长信箱 or 部门信箱.
type mailbox struct {
	id, name string
	owner    *unit
	script   bool // list rows in a JavaScript dataStore array
	order    int  // the list's column order, an index into mailOrders
	letters  []*letter
}

// letter is one letter of a mailbox.
type letter struct {
	mb      *mailbox
	id      int
	no      string
	title   string
	topic   string
	recv    day
	recvMin int
	replied day // 0: unanswered
	repMin  int
	status  string
	handler string // 承办部门
}

// Paths, relative to the portal's root.

func (u *unit) catalogPath() string {
	switch u.fam {
	case famHanweb:
		return fmt.Sprintf("/col/col%d/index.html", u.home)
	case famTRS:
		return "/" + u.id + "/index.html"
	default:
		return "/gongkai/site_" + u.id + "/"
	}
}

func (c *column) gongkaiDir() string {
	return fmt.Sprintf("/gongkai/site_%s/channel_c_%s_n_%d/", c.u.id, c.hex, c.unix)
}

// listPath is the path of list page p (1-based).
func (c *column) listPath(p int) string {
	switch c.u.fam {
	case famHanweb:
		return fmt.Sprintf("/col/col%d/index.html", c.num)
	case famTRS:
		if p == 1 {
			return "/" + c.u.id + "/" + c.spec.slug + "/index.html"
		}
		return "/" + c.u.id + "/" + c.spec.slug + "/index_" + strconv.Itoa(p-1) + ".html"
	default:
		if p == 1 {
			return c.gongkaiDir()
		}
		return c.gongkaiDir() + "index_" + strconv.Itoa(p) + ".html"
	}
}

// perPage is the number of entries on a list page.
func (c *column) perPage() int {
	if c.u.lay != nil {
		return c.u.lay.perPage
	}
	if c.u.fam == famTRS {
		return 20
	}
	return 15
}

// pages is the number of list pages (1 for a blank column).
func (c *column) pages() int { return max(1, (len(c.items)+c.perPage()-1)/c.perPage()) }

func (it *item) yyyymm() string {
	y, m, _ := it.pub.ymd()
	return fmt.Sprintf("%04d%02d", y, int(m))
}

func (it *item) path() string {
	u := it.c.u
	switch u.fam {
	case famHanweb:
		y, m, d := it.pub.ymd()
		return fmt.Sprintf("/art/%d/%d/%d/art_%d_%d.html", y, int(m), d, it.c.num, it.id)
	case famTRS:
		return fmt.Sprintf("/%s/%s/%s/t%s_%d.html", u.id, it.c.spec.slug, it.yyyymm(), it.pub.format(fmtCompact, 0), it.id)
	default:
		return "/gongkai/site_" + u.id + "/doc_" + it.hex + ".html"
	}
}

// deadLink is the path of the missing page an article with brokenLink
// links to.
func (it *item) deadLink() string {
	u := it.c.u
	switch u.fam {
	case famHanweb:
		return fmt.Sprintf("/art/2019/3/5/art_%d_%d.html", it.c.num, 900000000+it.id)
	case famTRS:
		return fmt.Sprintf("/%s/%s/201903/t20190305_%d.html", u.id, it.c.spec.slug, 900000000+it.id)
	default:
		return "/gongkai/site_" + u.id + "/doc_" + hex24(uint64(it.id), 0xdead) + ".html"
	}
}

func (a *att) path() string {
	it := a.it
	u := it.c.u
	switch u.fam {
	case famHanweb:
		return "/module/download/downfile.jsp?classid=0&filename=" + a.key + "." + a.ext
	case famTRS:
		return fmt.Sprintf("/%s/%s/%s/P0%s.%s", u.id, it.c.spec.slug, it.yyyymm(), a.key, a.ext)
	default:
		return "/gongkai/site_" + u.id + "/upload/" + a.key + "." + a.ext
	}
}

// href is how the article page links the attachment.
func (a *att) href() string {
	if a.it.c.u.fam == famTRS {
		return fmt.Sprintf("./P0%s.%s", a.key, a.ext)
	}
	return a.path()
}

func (mb *mailbox) dir() string { return "/hdjl/" + mb.id + "/" }

func (mb *mailbox) listPath(p int) string {
	if p == 1 {
		return mb.dir()
	}
	return mb.dir() + "list_" + strconv.Itoa(p) + ".html"
}

func (mb *mailbox) pages() int { return max(1, (len(mb.letters)+14)/15) }

func (l *letter) path() string { return l.mb.dir() + "letter_" + strconv.Itoa(l.id) + ".html" }

// mix is splitmix64's finaliser: a cheap, good 64-bit hash step.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hex24 is a 24-hex-digit id derived from a and b.
func hex24(a, b uint64) string {
	h := mix(a ^ mix(b))
	return fmt.Sprintf("%016x%08x", h, uint32(mix(h^b)))
}

// hashString is FNV-1a of s.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
