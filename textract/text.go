package textract

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeText returns data as UTF-8: a UTF-8 or UTF-16 byte-order mark is
// honoured, valid UTF-8 is kept, anything else is read as GB18030 (which
// covers GBK and GB2312), the usual encoding of Chinese text files.
func decodeText(data []byte) []byte {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return data[3:]
	case bytes.HasPrefix(data, []byte("\xff\xfe")), bytes.HasPrefix(data, []byte("\xfe\xff")):
		out, _, err := transform.Bytes(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder(), data)
		if err == nil {
			return out
		}
	}
	if utf8.Valid(data) {
		return data
	}
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	if err != nil {
		return bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	return out
}

// extractText reads a plain text or CSV file: one line per line (CSV: per
// record, cells joined by tabs, with the first record as context).
func extractText(data []byte, format string, lim Limits) (Doc, error) {
	text := decodeText(data)
	l := &lines{lim: lim}
	if format == "csv" {
		r := csv.NewReader(bytes.NewReader(text))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		r.ReuseRecord = true
		var header string
		for n := 1; ; n++ {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				// Not CSV after all: read it as text.
				return extractText(data, "txt", lim)
			}
			row := strings.Join(rec, "\t")
			if n == 1 {
				header = row
			}
			ctx := header
			if n == 1 {
				ctx = ""
			}
			if !l.add(fmt.Sprintf("第 %d 行", n), row, ctx) {
				break
			}
		}
		return Doc{Lines: l.out}, l.tooLarge(format)
	}
	n := 0
	for len(text) > 0 {
		n++
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if !l.add(fmt.Sprintf("第 %d 行", n), string(bytes.TrimRight(line, "\r")), "") {
			break
		}
	}
	return Doc{Lines: l.out}, l.tooLarge(format)
}
