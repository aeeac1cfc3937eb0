package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// wordingHit is one wrong text found on a page.
type wordingHit struct {
	wrong, right string
	kind         string // 严重表述错误, 错别字, 职务错误, 领导姓名错误
	severe       bool
	count        int
	context      string // the text around the first occurrence
}

// checkWording: serious expression errors (严重表述错误) and typos
// (错别字) in the title and body text of every item in the window:
//   - a fixed wrong text of the shipped or configured lists (wrong forms of
//     the country's name, of organs, laws and slogans; typo pairs);
//   - a leader of the leader table next to a title (before or after the
//     name) that the table does not give that leader on the item's
//     publication date (职务错误), unless the title is preceded by 原 or 前;
//   - a title followed by a three-character name that differs in one
//     character from a leader who holds that title on that date
//     (领导姓名错误).
//
// One finding per page and wrong text: subject "<item URL>#<wrong text>".
func checkWording(e *env, _ Def) outcome {
	var o outcome
	wl, err := cachedWordLists(e.cfg.Rules.Wording.Files)
	if err != nil {
		e.err = err
		return o
	}
	for _, it := range e.windowItems(&o, nil) {
		t, ok := e.text(it)
		if e.err != nil {
			return o
		}
		if !ok {
			o.notAudited++
			o.unaudited = append(o.unaudited, it.URL)
			continue
		}
		o.examined++
		text := it.Title + "\n" + t.Body
		for _, h := range wl.scan(text, it.pub) {
			severity := "一般"
			if h.severe {
				severity = "严重"
			}
			msg := fmt.Sprintf("%s（%s）：「%s」应为「%s」，共 %d 处；上下文：…%s…", h.kind, severity, h.wrong, h.right, h.count, h.context)
			f := e.itemFinding(it, it.URL+"#"+h.wrong, msg)
			f.Evidence.Dates["published"] = it.pub.Format(dateLayout)
			o.findings = append(o.findings, f)
		}
	}
	return o
}

// scan finds the wrong texts of text, a page published on date; one hit
// per wrong text, in order of first occurrence.
func (w *wordLists) scan(text string, date time.Time) []wordingHit {
	var hits []wordingHit
	at := map[string]int{}
	add := func(h wordingHit, start, end int) {
		if i, ok := at[h.wrong]; ok {
			hits[i].count++
			return
		}
		h.count = 1
		h.context = contextAround(text, start, end, 12)
		at[h.wrong] = len(hits)
		hits = append(hits, h)
	}
	b := []byte(text)
	if w.words != nil {
		for _, m := range w.words.FindAll(b, -1) {
			e := w.entries[m.PatternID]
			if excepted(text, m.Start, m.End, e.Except) {
				continue
			}
			kind := "错别字"
			if e.severe {
				kind = "严重表述错误"
			}
			add(wordingHit{wrong: e.Wrong, right: e.Right, kind: kind, severe: e.severe}, m.Start, m.End)
		}
	}
	if w.people == nil {
		return hits
	}
	matches := w.people.FindAll(b, -1)
	for i, m := range matches {
		if m.PatternID >= len(w.titles) {
			// A name: the title right after it (张三区长).
			name := w.names[m.PatternID-len(w.titles)]
			if i+1 < len(matches) && matches[i+1].Start == m.End && matches[i+1].PatternID < len(w.titles) {
				title := w.titles[matches[i+1].PatternID]
				if h, ok := w.wrongTitle(name, title, date); ok {
					h.wrong = name + title // as the page writes it
					add(h, m.Start, matches[i+1].End)
				}
			}
			continue
		}
		title := w.titles[m.PatternID]
		if formerTitle(text, m.Start) {
			continue
		}
		// The name right after the title (区长张三).
		if i+1 < len(matches) && matches[i+1].Start == m.End && matches[i+1].PatternID >= len(w.titles) {
			name := w.names[matches[i+1].PatternID-len(w.titles)]
			if h, ok := w.wrongTitle(name, title, date); ok {
				add(h, m.Start, matches[i+1].End)
			}
			continue
		}
		if h, ok := w.misspelledLeader(text[m.End:], title, date); ok {
			add(h, m.Start, m.End+len(h.wrong)-len(title))
		}
	}
	return hits
}

// wrongTitle reports a leader named next to a title the table does not
// give them on date.
func (w *wordLists) wrongTitle(name, title string, date time.Time) (wordingHit, bool) {
	l := w.leaders[name]
	var held []string
	for _, t := range l.Titles {
		if t.holds(date) {
			if t.Title == title {
				return wordingHit{}, false
			}
			held = append(held, t.Title)
		}
	}
	right := strings.Join(held, "、")
	if right == "" {
		right = "（该日期无任职记录，请核实）"
	}
	return wordingHit{wrong: title + name, right: right + name, kind: "职务错误", severe: true}, true
}

// misspelledLeader reports a three-character name at the start of rest,
// after title, that is no leader but differs in one character from a
// leader who holds title on date.
func (w *wordLists) misspelledLeader(rest, title string, date time.Time) (wordingHit, bool) {
	var cand []rune
	for _, r := range rest {
		if len(cand) == 3 {
			break
		}
		cand = append(cand, r)
	}
	if len(cand) < 3 {
		return wordingHit{}, false
	}
	got := string(cand)
	if _, known := w.leaders[got]; known {
		return wordingHit{}, false
	}
	for _, n := range w.names {
		if utf8.RuneCountInString(n) != 3 || !oneRuneApart([]rune(n), cand) {
			continue
		}
		if slices.ContainsFunc(w.leaders[n].Titles, func(t leaderTitle) bool { return t.Title == title && t.holds(date) }) {
			return wordingHit{wrong: title + got, right: title + n, kind: "领导姓名错误", severe: true}, true
		}
	}
	return wordingHit{}, false
}

// oneRuneApart reports whether a and b, of equal length, differ in
// exactly one rune.
func oneRuneApart(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	diff := 0
	for i := range a {
		if a[i] != b[i] {
			diff++
		}
	}
	return diff == 1
}

// formerTitle reports whether the title starting at byte i of text is
// preceded by 原 or 前 (a title no longer held).
func formerTitle(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r == '原' || r == '前'
}

// excepted reports whether the match text[start:end] lies inside one of
// the correct texts except.
func excepted(text string, start, end int, except []string) bool {
	for _, x := range except {
		lo := max(0, start-len(x))
		hi := min(len(text), end+len(x))
		win := text[lo:hi]
		for off := 0; ; {
			j := strings.Index(win[off:], x)
			if j < 0 {
				break
			}
			s := lo + off + j
			if s <= start && s+len(x) >= end {
				return true
			}
			off += j + 1
		}
	}
	return false
}

// contextAround returns up to n runes either side of text[start:end],
// with the match, on one line.
func contextAround(text string, start, end, n int) string {
	lo := start
	for k := 0; k < n && lo > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(text[:lo])
		lo -= size
	}
	hi := end
	for k := 0; k < n && hi < len(text); k++ {
		_, size := utf8.DecodeRuneInString(text[hi:])
		hi += size
	}
	return strings.Join(strings.Fields(text[lo:hi]), " ")
}
