// Package textract extracts the text of the documents a portal publishes
// (attachments and pages) as located lines, for the content checks.
//
// Supported: .xlsx (and .xls/.et files that are really xlsx), .docx, .pdf
// with a text layer (ToUnicode CMaps of CJK fonts included), .txt, .csv and
// .html. Legacy binary formats (.doc, .xls, .wps), .ofd, images and PDFs
// without a text layer cannot be read: Extract returns a *NoTextError, and
// the document is "not audited", never "clean".
//
// Input is untrusted: the caller caps the download, and Extract caps what
// archives decompress to (Limits.MaxUnzipped) and the lines it returns.
package textract

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line is one line of a document's text with where it was.
type Line struct {
	// Where locates the line for an inspector, in Chinese: "第 3 页",
	// "工作表 花名册 C5", "第 12 段", "第 4 行".
	Where string
	Text  string
	// Context is text that belongs to the line without being on it, e.g.
	// the header of a spreadsheet column or of a table; empty when none.
	Context string
}

// Doc is the text of one document.
type Doc struct {
	Format string // xlsx, docx, pdf, txt, csv, html
	Lines  []Line
	// Chars counts the characters of text (spaces excluded).
	Chars int
}

// NoTextError means the document holds no text that can be read: an
// unsupported format, a PDF without a text layer, a damaged file, or an
// archive past the decompression cap.
type NoTextError struct {
	Format string
	// Cause is for people, in Chinese ("无法提取文字：图片型 PDF，无文字层").
	Cause string
}

func (e *NoTextError) Error() string { return e.Cause }

// ErrNoText is matched by every *NoTextError (errors.Is).
var ErrNoText = errors.New("无法提取文字")

// Is makes errors.Is(err, ErrNoText) true.
func (e *NoTextError) Is(target error) bool { return target == ErrNoText }

func noText(format, why string) *NoTextError {
	return &NoTextError{Format: format, Cause: "无法提取文字：" + why}
}

// Limits bound the work of one extraction.
type Limits struct {
	// MaxUnzipped caps the bytes an archive (xlsx, docx) may decompress
	// to, and the bytes of PDF text; default 64 MiB.
	MaxUnzipped int64
	// MaxLines caps the lines returned; default 200 000.
	MaxLines int
}

func (l Limits) withDefaults() Limits {
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = 64 << 20
	}
	if l.MaxLines <= 0 {
		l.MaxLines = 200_000
	}
	return l
}

// Format tells the format of a document from its first bytes, its
// declared type (the file extension without the dot, or a content type)
// and its name: xlsx, docx, pdf, txt, csv, html, or what it is when that
// cannot be read (doc, xls, wps, ofd, image, zip, rar, unknown).
func Format(data []byte, typ, name string) string {
	typ = strings.ToLower(strings.TrimSpace(typ))
	if typ == "" && name != "" {
		typ = strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
	}
	switch {
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "pdf"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return zipFormat(data, typ)
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		switch typ {
		case "xls", "et", "wps", "doc":
			return typ
		}
		return "doc"
	case bytes.HasPrefix(data, []byte("\x89PNG")), bytes.HasPrefix(data, []byte("\xff\xd8\xff")),
		bytes.HasPrefix(data, []byte("GIF8")), bytes.HasPrefix(data, []byte("BM")),
		bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "image"
	case bytes.HasPrefix(data, []byte("Rar!")):
		return "rar"
	case bytes.HasPrefix(data, []byte("7z\xbc\xaf")):
		return "7z"
	}
	switch typ {
	case "txt", "csv", "html", "htm", "shtml", "xml":
		if typ == "htm" || typ == "shtml" {
			return "html"
		}
		if typ == "xml" {
			return "txt"
		}
		return typ
	}
	if looksText(data) {
		if looksHTML(data) {
			return "html"
		}
		return "txt"
	}
	if typ != "" {
		return typ
	}
	return "unknown"
}

// zipFormat tells an OOXML or OFD package by its entries' names.
func zipFormat(data []byte, typ string) string {
	head := data[:min(len(data), 64<<10)]
	switch {
	case bytes.Contains(data, []byte("word/document.xml")):
		return "docx"
	case bytes.Contains(data, []byte("xl/workbook.xml")):
		return "xlsx"
	case bytes.Contains(head, []byte("OFD.xml")):
		return "ofd"
	}
	switch typ {
	case "docx", "xlsx", "ofd":
		return typ
	}
	return "zip"
}

// looksText reports whether the first bytes look like text (UTF-8 or a
// GB encoding): no NUL and few control bytes.
func looksText(data []byte) bool {
	head := data[:min(len(data), 4096)]
	if len(head) == 0 {
		return false
	}
	ctl := 0
	for _, b := range head {
		if b == 0 {
			return false
		}
		if b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' {
			ctl++
		}
	}
	return ctl*100 < len(head)
}

func looksHTML(data []byte) bool {
	head := bytes.ToLower(data[:min(len(data), 1024)])
	return bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html")) ||
		bytes.Contains(head, []byte("<body")) || bytes.Contains(head, []byte("<table"))
}

// Extract returns the text of a document. typ is its declared type (the
// extension without the dot, or empty), name its file name (may be
// empty). A document without readable text gives a *NoTextError.
func Extract(data []byte, typ, name string, lim Limits) (Doc, error) {
	lim = lim.withDefaults()
	f := Format(data, typ, name)
	var (
		doc Doc
		err error
	)
	switch f {
	case "xlsx":
		doc, err = extractXLSX(data, lim)
	case "docx":
		doc, err = extractDOCX(data, lim)
	case "pdf":
		doc, err = extractPDF(data, lim)
	case "txt", "csv":
		doc, err = extractText(data, f, lim)
	case "html":
		doc, err = extractHTMLDoc(data, lim)
	case "doc", "xls", "et", "wps":
		return Doc{}, noText(f, "旧版 Office/WPS 二进制格式（."+f+"）")
	case "ofd":
		return Doc{}, noText(f, "OFD 版式文件")
	case "image":
		return Doc{}, noText(f, "图片文件")
	case "zip", "rar", "7z":
		return Doc{}, noText(f, "压缩包（."+f+"）")
	default:
		return Doc{}, noText(f, "无法识别的文件格式")
	}
	if err != nil {
		return Doc{}, err
	}
	doc.Format = f
	doc.Chars = 0
	for _, l := range doc.Lines {
		doc.Chars += countChars(l.Text)
	}
	if doc.Chars == 0 {
		if f == "pdf" {
			return Doc{}, noText(f, "图片型 PDF，无文字层")
		}
		return Doc{}, noText(f, "文件中没有文字")
	}
	return doc, nil
}

// countChars counts the non-space characters of s.
func countChars(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// lines collects the lines of one document within the limits.
type lines struct {
	lim   Limits
	out   []Line
	bytes int64
	full  bool
}

// add appends a line (trimmed; empty lines are dropped) and reports
// whether more may be added.
func (l *lines) add(where, text, context string) bool {
	if l.full {
		return false
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return true
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	l.bytes += int64(len(text))
	if len(l.out) >= l.lim.MaxLines || l.bytes > l.lim.MaxUnzipped {
		l.full = true
		return false
	}
	l.out = append(l.out, Line{Where: where, Text: text, Context: strings.TrimSpace(context)})
	return true
}

// tooLarge is the error of a document whose text passed the limits: a
// part of it would be audited as if it were the whole.
func (l *lines) tooLarge(format string) error {
	if l.full {
		return noText(format, fmt.Sprintf("文字超过上限（%d 行或 %d MiB）", l.lim.MaxLines, l.lim.MaxUnzipped>>20))
	}
	return nil
}
