package pii

import (
	"bytes"
	"html"
	"strings"
	"time"

	xhtml "golang.org/x/net/html"
)

// MaskHTML returns a page with the personal data of its text masked, for
// showing a stored snapshot to people: valid ID numbers, every mobile
// number (contact lines included) and every 16–19-digit number passing
// Luhn (with or without a bank keyword) get the masks of Mask. Markup,
// attributes and other text are left as they are.
func MaskHTML(page []byte) []byte {
	z := xhtml.NewTokenizer(bytes.NewReader(page))
	var out bytes.Buffer
	out.Grow(len(page))
	today := time.Now()
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return out.Bytes()
		}
		raw := z.Raw()
		if tt != xhtml.TextToken {
			out.Write(raw)
			continue
		}
		text := html.UnescapeString(string(raw))
		if masked, changed := maskNumbers(text, today); changed {
			out.WriteString(html.EscapeString(masked))
			continue
		}
		out.Write(raw)
	}
}

// maskNumbers masks the personal data of a text (see MaskHTML).
func maskNumbers(text string, today time.Time) (string, bool) {
	rs := halfWidth([]rune(text))
	var b strings.Builder
	changed := false
	last := 0
	for i := 0; i < len(rs); {
		if !isDigit(rs[i]) {
			i++
			continue
		}
		n, next := candidate(rs, i)
		i = next
		if n.digits == "" {
			continue
		}
		d := n.digits
		kind := ""
		switch {
		case !n.grouped && len(d) == 18 && ValidID18(d, today):
			kind = KindID
		case len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' && !strings.ContainsRune(d, 'X'):
			kind = KindMobile
		case len(d) >= 16 && len(d) <= 19 && !strings.ContainsRune(d, 'X') && Luhn(d):
			kind = KindBank
		}
		if kind == "" {
			continue
		}
		b.WriteString(string(rs[last:n.start]))
		b.WriteString(Mask(kind, d))
		last = n.end
		changed = true
	}
	if !changed {
		return text, false
	}
	b.WriteString(string(rs[last:]))
	return b.String(), true
}
