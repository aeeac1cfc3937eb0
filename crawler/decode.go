package crawler

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// decodeHTML turns a page's bytes into UTF-8. The encoding is decided in
// this order: a byte-order mark, the Content-Type header, a <meta> in the
// first 1024 bytes, then a sniff (valid UTF-8, else GB18030). A declared
// charset that does not fit the bytes is overruled: UTF-8 declared but
// invalid is re-decoded as GB18030 (the superset of GBK and GB2312), and
// a Chinese or Latin charset declared over valid multi-byte UTF-8 is
// taken for the UTF-8 it is. It returns the decoded bytes and the name of
// the encoding used.
func decodeHTML(body []byte, contentType string) ([]byte, string) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return validUTF8(body[3:]), "utf-8"
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), body), "utf-16le"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.UseBOM), body), "utf-16be"
	}
	enc, name, certain := declared(body, contentType)
	// A UTF-8 page with a few stray bytes (a broken template, garbage
	// from a CMS) is still UTF-8: decoding it as GB18030 would garble
	// every character.
	valid := utf8.Valid(body)
	isUTF8 := valid || mostlyUTF8(body)
	asUTF8 := func() []byte {
		if valid {
			return body
		}
		return []byte(strings.ToValidUTF8(string(body), "\uFFFD"))
	}
	if !certain {
		// Nothing declared.
		if isUTF8 {
			return asUTF8(), "utf-8"
		}
		return decodeWith(simplifiedchinese.GB18030, body), "gb18030"
	}
	switch name {
	case "utf-8":
		if isUTF8 {
			return asUTF8(), "utf-8"
		}
		return decodeWith(simplifiedchinese.GB18030, body), "gb18030"
	case "gbk", "gb18030", "gb2312", "hz-gb-2312":
		if isUTF8 && hasMultibyte(body) {
			return asUTF8(), "utf-8"
		}
		// GB18030 decodes everything GBK and GB2312 pages hold, including
		// the characters GB2312 lacks that such pages use anyway.
		if name == "gb2312" || name == "hz-gb-2312" {
			name = "gbk"
		}
		return decodeWith(simplifiedchinese.GB18030, body), name
	case "windows-1252", "iso-8859-1", "iso-8859-15", "us-ascii":
		if isUTF8 {
			return asUTF8(), "utf-8"
		}
		// A Chinese page with a Latin label: take GB18030 when it decodes
		// cleanly.
		if gb := decodeWith(simplifiedchinese.GB18030, body); replacementShare(gb) < 0.01 {
			return gb, "gb18030"
		}
	}
	if isUTF8 && hasMultibyte(body) {
		return asUTF8(), "utf-8"
	}
	return decodeWith(enc, body), name
}

// mostlyUTF8 reports whether invalid bytes are rare in a body that is not
// valid UTF-8: at least 8 well-formed multi-byte characters and fewer than
// one run of invalid bytes per 10 of them. Text in GBK or GB18030 read as
// UTF-8 is mostly invalid runs (a GBK pair is seldom a UTF-8 sequence), so
// it does not pass; a UTF-8 page with a few stray bytes does.
func mostlyUTF8(b []byte) bool {
	good, bad := 0, 0
	inBad := false
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			inBad = false
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			if !inBad {
				bad++
			}
			inBad = true
			i++
			continue
		}
		inBad = false
		good++
		i += n
	}
	return good >= 8 && bad*10 < good
}

// reMetaCharset finds a charset declared by <meta charset> or
// <meta http-equiv="Content-Type" content="…; charset=…">.
var reMetaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.-]+)`)

// declared returns the encoding the header, else a <meta> in the first
// 1024 bytes, declares; certain is false when neither declares one.
func declared(body []byte, contentType string) (encoding.Encoding, string, bool) {
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		if cs := params["charset"]; cs != "" {
			if e, name := charset.Lookup(cs); e != nil {
				return e, name, true
			}
		}
	}
	head := body
	if len(head) > 1024 {
		head = head[:1024]
	}
	if m := reMetaCharset.FindSubmatch(head); m != nil {
		if e, name := charset.Lookup(string(m[1])); e != nil {
			return e, name, true
		}
	}
	return nil, "", false
}

func decodeWith(enc encoding.Encoding, body []byte) []byte {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return validUTF8(body)
	}
	return out
}

// validUTF8 replaces invalid sequences, so that parsers see valid text.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return []byte(strings.ToValidUTF8(string(b), "\uFFFD"))
}

func hasMultibyte(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// replacementShare is the share of U+FFFD among the non-ASCII runes.
func replacementShare(b []byte) float64 {
	var bad, wide int
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		if r < 0x80 {
			continue
		}
		wide++
		if r == utf8.RuneError {
			bad++
		}
	}
	if wide == 0 {
		return 0
	}
	return float64(bad) / float64(wide)
}
