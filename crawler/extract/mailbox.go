package extract

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler/dates"
)

// LetterRow is one row of a mailbox's letter list.
type LetterRow struct {
	URL      string // the letter page; empty when the row links none
	No       string // 编号
	Title    string
	Status   string // 处理情况
	Received string // 提交时间, "2006-01-02" or "2006-01-02 15:04"
	Handler  string // 承办部门
}

// LetterList is one page of a mailbox list.
type LetterList struct {
	Rows  []LetterRow
	Next  string
	Pages []string
	// Found is false when the page holds no letter list at all (neither
	// a letter table nor a dataStore array): a changed page, not an
	// empty mailbox.
	Found bool
}

// Letter is what a letter page yields.
type Letter struct {
	No        string
	Title     string
	Received  string // 来信时间
	Status    string // 处理状态
	ReplyUnit string // 答复单位
	Replied   string // 答复时间; empty when unanswered
	Answer    int    // characters of the reply (答复内容)
}

var reDataStore = regexp.MustCompile(`(?s)dataStore\s*=\s*\[(.*?)\]\s*;?`)

// defaultColumns is the column order of a list without header cells.
var defaultColumns = []string{"编号", "标题", "处理情况", "提交时间", "承办部门"}

// Letters extracts a mailbox list page in table or script form.
func Letters(p Page) (*LetterList, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("letter list without URL")
	}
	doc, err := parseDoc(p.Body)
	if err != nil {
		return nil, fmt.Errorf("parse letter list %s: %w", p.URL, err)
	}
	ll := &LetterList{}
	tables := doc.FindMatcher(selLetterList)
	if tables.Length() == 0 {
		doc.FindMatcher(selTable).Each(func(_ int, t *goquery.Selection) {
			h := label(t.FindMatcher(selTh).Text())
			if strings.Contains(h, "标题") && (strings.Contains(h, "时间") || strings.Contains(h, "状态") || strings.Contains(h, "处理")) {
				tables = tables.AddSelection(t)
			}
		})
	}
	if tables.Length() > 0 {
		ll.Found = true
		tables.Each(func(_ int, t *goquery.Selection) {
			ll.Rows = append(ll.Rows, letterRows(t, p)...)
		})
	}
	if m := reDataStore.FindSubmatch(p.Body); m != nil {
		ll.Found = true
		var b strings.Builder
		b.WriteString("<table>")
		for _, s := range jsStrings(string(m[1])) {
			b.WriteString(s)
		}
		b.WriteString("</table>")
		if d, err := parseDoc([]byte(b.String())); err == nil {
			ll.Rows = append(ll.Rows, letterRows(d.FindMatcher(selTable).First(), p)...)
		}
	}
	ll.Next = nextLink(doc, p.URL)
	if lp, err := List(Page{URL: p.URL, Body: p.Body, Family: Generic, MaxPages: p.MaxPages}); err == nil {
		ll.Pages = lp.Pages
	}
	return ll, nil
}

// letterRows reads the rows of a letter table, by its header cells when
// it has them.
func letterRows(t *goquery.Selection, p Page) []LetterRow {
	cols := defaultColumns
	if ths := t.FindMatcher(selTr).First().ChildrenFiltered("th"); ths.Length() > 0 {
		cols = nil
		ths.Each(func(_ int, th *goquery.Selection) { cols = append(cols, label(th.Text())) })
	}
	var out []LetterRow
	t.FindMatcher(selTr).Each(func(_ int, tr *goquery.Selection) {
		tds := tr.ChildrenFiltered("td")
		if tds.Length() == 0 {
			return
		}
		var r LetterRow
		tds.Each(func(i int, td *goquery.Selection) {
			if i >= len(cols) {
				return
			}
			v := truncRunes(cleanText(td.Text()), 300)
			if a := td.FindMatcher(selAHref).First(); a.Length() > 0 && r.URL == "" {
				h, _ := a.Attr("href")
				r.URL = resolve(p.URL, h)
			}
			switch cols[i] {
			case "编号", "信件编号", "序号":
				r.No = v
			case "标题", "信件标题", "主题":
				r.Title = v
			case "处理情况", "处理状态", "状态", "办理状态":
				r.Status = v
			case "提交时间", "来信时间", "时间", "写信时间":
				if d, err := dates.ParseDateTime(v, p.Now); err == nil {
					r.Received = d
				}
			case "承办部门", "承办单位", "答复单位":
				r.Handler = v
			}
		})
		if r.Title == "" && r.URL == "" {
			return
		}
		out = append(out, r)
	})
	return out
}

// jsStrings returns the string literals of a JavaScript array body.
func jsStrings(src string) []string {
	var out []string
	for i := 0; i < len(src); i++ {
		q := src[i]
		if q != '"' && q != '\'' {
			continue
		}
		j := i + 1
		for j < len(src) && src[j] != q {
			if src[j] == '\\' {
				j++
			}
			j++
		}
		if j > len(src) {
			j = len(src)
		}
		out = append(out, unescapeJS(src[i+1:j]))
		i = j
	}
	return out
}

// ParseLetter extracts a letter page.
func ParseLetter(p Page) (*Letter, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("letter without URL")
	}
	doc, err := parseDoc(p.Body)
	if err != nil {
		return nil, fmt.Errorf("parse letter %s: %w", p.URL, err)
	}
	f := tableFields(doc)
	if len(f) == 0 {
		return nil, fmt.Errorf("letter %s: no letter table", p.URL)
	}
	l := &Letter{
		No:        truncRunes(firstOf(f, "信件编号", "编号"), 100),
		Title:     truncRunes(firstOf(f, "信件标题", "标题"), 500),
		Status:    truncRunes(firstOf(f, "处理状态", "状态", "处理情况"), 50),
		ReplyUnit: truncRunes(firstOf(f, "答复单位", "回复单位"), 100),
	}
	if d, err := dates.ParseDateTime(firstOf(f, "来信时间", "提交时间"), p.Now); err == nil {
		l.Received = d
	}
	if d, err := dates.ParseDateTime(firstOf(f, "答复时间", "回复时间"), p.Now); err == nil {
		l.Replied = d
	}
	l.Answer = len([]rune(strings.Join(strings.Fields(firstOf(f, "答复内容", "回复内容")), "")))
	return l, nil
}

// Channel is a channel listed on a unit's catalog page.
type Channel struct {
	Name string
	URL  string
}

// Catalog lists the channels of a unit's catalog page: the links of
// ul.channel-list, else every link of the page.
func Catalog(p Page) ([]Channel, error) {
	if p.URL == nil {
		return nil, fmt.Errorf("catalog without URL")
	}
	doc, err := parseDoc(p.Body)
	if err != nil {
		return nil, fmt.Errorf("parse catalog %s: %w", p.URL, err)
	}
	links := doc.FindMatcher(selChannelLinks)
	if links.Length() == 0 {
		links = doc.FindMatcher(selAHref)
	}
	var out []Channel
	seen := map[string]bool{}
	links.Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		u := resolve(p.URL, h)
		name := cleanText(a.Text())
		if u == "" || name == "" || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, Channel{Name: truncRunes(name, 100), URL: u})
	})
	return out, nil
}

// SameName reports whether a channel name matches a wanted name: equal
// after config.ChannelKey's normalisation (width, white space,
// punctuation, a printed count, a "及解读" suffix).
func SameName(channel, want string) bool {
	return config.SameChannel(channel, want)
}
