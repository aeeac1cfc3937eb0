package rules

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules/workday"
)

// Helpers shared by the interpretation and validity checks: which items
// are 规范性文件, and how a 文号 and a 有效期 are read.

// isNormative reports whether an item of col is a 规范性文件: an item of a
// policy column that has a 文号, or any item of a column configured with
// normative: true.
func isNormative(col config.Column, it *item) bool {
	if col.Normative {
		return true
	}
	return col.Kind == config.KindPolicy && hasDocNo(it.DocNo)
}

// hasDocNo reports whether a 文号 is given (not empty, not 无文号 or 无).
func hasDocNo(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && s != "无文号" && s != "无" && s != "-" && s != "/"
}

// docNoKey normalises a 文号 for comparison: brackets of any width and
// shape become 〔〕, full-width digits half-width, spaces go.
func docNoKey(s string) string {
	s = fullWidthDigits(strings.Join(strings.Fields(s), ""))
	r := strings.NewReplacer("[", "〔", "]", "〕", "［", "〔", "］", "〕", "(", "〔", ")", "〕", "（", "〔", "）", "〕", "【", "〔", "】", "〕")
	return r.Replace(s)
}

// fullWidthDigits replaces full-width digits by ASCII ones.
func fullWidthDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= '０' && r <= '９' }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)
}

var (
	// 有效期至2025年12月31日 / 有效期到 2025-12-31 / 有效期截至…
	reValidUntil = regexp.MustCompile(`有效期\s*(?:至|到|截至|截止到|截止)\s*(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})`)
	// 有效期5年 / 有效期为五年 / 有效期限为3年
	reValidYears = regexp.MustCompile(`有效期(?:限)?\s*(?:为)?\s*([0-9一二三四五六七八九十两]+)\s*年`)
	// 自2023年1月1日起施行 / 自2023年1月1日起实施
	reInForce = regexp.MustCompile(`自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起\s*(?:施行|实施|执行|生效)`)
)

// validityEnd reads the end of a document's 有效期 from its text: an
// explicit 有效期至 date, else N years (有效期N年) from the date it comes
// into force (自…起施行), else from start (its 成文日期 or publication).
// The end is the last valid day. ok is false when the text gives no
// 有效期.
func validityEnd(text string, start time.Time) (end time.Time, stated string, ok bool) {
	text = fullWidthDigits(text)
	if m := reValidUntil.FindStringSubmatch(text); m != nil {
		if d, ok := ymd(m[1], m[2], m[3]); ok {
			return d, m[0], true
		}
	}
	if m := reValidYears.FindStringSubmatch(text); m != nil {
		n := cnNumber(m[1])
		if n > 0 && n < 100 {
			from := start
			if f := reInForce.FindStringSubmatch(text); f != nil {
				if d, ok := ymd(f[1], f[2], f[3]); ok {
					from = d
				}
			}
			return from.AddDate(n, 0, -1), m[0], true
		}
	}
	return time.Time{}, "", false
}

// ymd builds a date from its parts, refusing impossible ones.
func ymd(y, m, d string) (time.Time, bool) {
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	dd, _ := strconv.Atoi(d)
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return time.Time{}, false
	}
	t := workday.Date(yy, time.Month(mm), dd)
	if t.Day() != dd {
		return time.Time{}, false
	}
	return t, true
}

// cnNumber reads 1–99 written in digits or Chinese numerals (五, 十, 十二,
// 二十); 0 when it cannot.
func cnNumber(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	digit := map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	switch {
	case len(rs) == 1 && rs[0] == '十':
		return 10
	case len(rs) == 1:
		return digit[rs[0]]
	case len(rs) == 2 && rs[0] == '十':
		return 10 + digit[rs[1]]
	case len(rs) == 2 && rs[1] == '十':
		return 10 * digit[rs[0]]
	case len(rs) == 3 && rs[1] == '十':
		return 10*digit[rs[0]] + digit[rs[2]]
	}
	return 0
}

// Validity states as read from a page's 有效性 / 效力状态 field.
const (
	validityNone    = ""
	validityValid   = "有效"
	validityInvalid = "失效" // 失效, 废止, 已废止, 部分失效, 已修改 …
)

// validityState classifies a 有效性 value.
func validityState(v string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return validityNone
	case strings.Contains(v, "失效"), strings.Contains(v, "废止"), strings.Contains(v, "无效"),
		strings.Contains(v, "修改"), strings.Contains(v, "修订"), strings.Contains(v, "过期"):
		return validityInvalid
	case strings.Contains(v, "有效"), strings.Contains(v, "现行"):
		return validityValid
	}
	return validityNone
}
