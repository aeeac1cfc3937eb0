package probe

import (
	"bytes"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/net/html"
)

// cst is China Standard Time, in which the portal's dates are read.
var cst = time.FixedZone("CST", 8*3600)

// dateRE matches the dates a home page shows next to its items:
// 2026-04-09, 2026/4/9, 2026.04.09 and 2024年03月17日 (with or without
// brackets around them).
var dateRE = regexp.MustCompile(`\b(20\d\d)\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\b`)

// NewestDate returns the newest date ("2006-01-02") shown in the text of
// an HTML page's list entries (li, tr, dd, dt), or in its whole text when
// it has no dated list entry. Dates after now (in CST) are ignored, as are
// dates in scripts, styles and attributes (URLs, copyright years). It
// returns "" when the page shows no date: an undated page counts as not
// updated.
//
// This is a small parser of its own rather than the crawler's: a probe
// only needs the newest full date on one page.
func NewestDate(page []byte, now time.Time) string {
	today := now.In(cst).Format(time.DateOnly)
	var inList, anywhere string
	z := html.NewTokenizer(bytes.NewReader(page))
	depth := 0 // how many list-entry elements are open
	skip := 0  // inside script or style
	for {
		switch z.Next() {
		case html.ErrorToken:
			if inList != "" {
				return inList
			}
			return anywhere
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "li", "tr", "dd", "dt":
				depth++
			case "script", "style", "noscript":
				skip++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "li", "tr", "dd", "dt":
				if depth > 0 {
					depth--
				}
			case "script", "style", "noscript":
				if skip > 0 {
					skip--
				}
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			for _, m := range dateRE.FindAllSubmatch(z.Text(), -1) {
				d, ok := validDate(m[1], m[2], m[3])
				if !ok || d > today {
					continue
				}
				if d > anywhere {
					anywhere = d
				}
				if depth > 0 && d > inList {
					inList = d
				}
			}
		}
	}
}

// validDate builds "2006-01-02" from year, month and day, if they make a
// real date.
func validDate(y, m, d []byte) (string, bool) {
	yy, _ := strconv.Atoi(string(y))
	mm, _ := strconv.Atoi(string(m))
	dd, _ := strconv.Atoi(string(d))
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return "", false
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, cst)
	if t.Day() != dd {
		return "", false
	}
	return t.Format(time.DateOnly), true
}
