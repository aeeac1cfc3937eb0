package config

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// SameChannel reports whether a channel name read on a catalog page
// names the channel a template or column wants. Names are compared after
// ChannelKey's normalisation, so that close variants match: full-width
// and half-width forms (（）/ (), ２０２５ / 2025), white space of any kind,
// punctuation and brackets, a count printed after the name ("政策文件(12)"),
// and a "及解读" suffix ("政策文件及解读" is the 政策文件 channel).
func SameChannel(channel, want string) bool {
	w := ChannelKey(want)
	return w != "" && ChannelKey(channel) == w
}

// interpretationSuffixes are the endings that attach a channel's policy
// interpretations to its name.
var interpretationSuffixes = []string{"及政策解读", "及其解读", "及解读", "和解读", "与解读"}

// ChannelKey is the normalised form of a channel name used by SameChannel.
func ChannelKey(name string) string {
	name = width.Fold.String(name)
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsSpace(r), r == '\u3000', r == '\u00a0', r == '\u200b', r == '\ufeff':
		case unicode.IsPunct(r), unicode.IsSymbol(r):
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	k := b.String()
	// A bracketed count after the name ("政策文件(12)") is dropped; digits
	// that are part of the name stay.
	if hadCount(name) {
		k = strings.TrimRightFunc(k, unicode.IsDigit)
	}
	for _, s := range interpretationSuffixes {
		if strings.HasSuffix(k, s) && len(k) > len(s) {
			k = strings.TrimSuffix(k, s)
			break
		}
	}
	return k
}

// hadCount reports whether name ends with a bracketed number, such as
// "(12)", "（12）" or "[12]": a count of the channel's items, not part of
// its name.
func hadCount(name string) bool {
	name = strings.TrimRightFunc(name, unicode.IsSpace)
	if name == "" {
		return false
	}
	rs := []rune(name)
	last := rs[len(rs)-1]
	if last != ')' && last != ']' && last != '】' {
		return false
	}
	i := len(rs) - 2
	digits := 0
	for i >= 0 && unicode.IsDigit(rs[i]) {
		i--
		digits++
	}
	return digits > 0 && i >= 0 && (rs[i] == '(' || rs[i] == '[' || rs[i] == '【')
}
