package textract

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/textract/docgen"
)

func find(t *testing.T, d Doc, sub string) Line {
	t.Helper()
	for _, l := range d.Lines {
		if strings.Contains(l.Text, sub) {
			return l
		}
	}
	t.Fatalf("no line holds %q in %+v", sub, d.Lines)
	return Line{}
}

func TestXLSX(t *testing.T) {
	data, err := docgen.XLSX(docgen.Sheet{Name: "花名册", Rows: [][]string{
		{"序号", "姓名", "身份证号", "银行卡号"},
		{"1", "张三", "110101199003074514", "6222021234567890128"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Extract(data, "xls", "名单.xls", Limits{}) // an .xls that is really xlsx
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "xlsx" {
		t.Errorf("format %s", d.Format)
	}
	l := find(t, d, "6222021234567890128")
	if l.Where != "工作表 花名册 D2" || !strings.Contains(l.Context, "银行卡号") {
		t.Errorf("line %+v", l)
	}
}

func TestDOCX(t *testing.T) {
	data, err := docgen.DOCX(docgen.Block{Text: "关于发放补贴的公示"},
		docgen.Block{Table: [][]string{{"姓名", "联系电话"}, {"李四", "13912345678"}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Extract(data, "docx", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if l := find(t, d, "关于发放补贴的公示"); l.Where != "第 1 段" {
		t.Errorf("paragraph %+v", l)
	}
	l := find(t, d, "13912345678")
	if l.Where != "表格 1 第 2 行" || l.Context != "姓名\t联系电话" || l.Text != "李四\t13912345678" {
		t.Errorf("row %+v", l)
	}
}

func TestPDFWithToUnicode(t *testing.T) {
	data := docgen.PDF([]string{"临淄区困难群众救助名单", "王五\t370305198001011234"}, []string{"第二页：联系电话 0533-7212345"})
	d, err := Extract(data, "pdf", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if l := find(t, d, "困难群众"); l.Where != "第 1 页 第 1 行" {
		t.Errorf("line %+v", l)
	}
	if l := find(t, d, "370305198001011234"); !strings.HasPrefix(l.Text, "王五") {
		t.Errorf("line %+v", l)
	}
	find(t, d, "0533-7212345")
}

func TestNoText(t *testing.T) {
	ole := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 500)...)
	for _, c := range []struct {
		name string
		data []byte
		typ  string
		want string
	}{
		{"image-only pdf", docgen.ImagePDF(), "pdf", "图片型 PDF"},
		{"doc", ole, "doc", "旧版"},
		{"wps", ole, "wps", "旧版"},
		{"ofd", zipOf(t, "OFD.xml", "<ofd/>"), "ofd", "OFD"},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), "", "图片"},
		{"broken pdf", []byte("%PDF-1.4\n garbage"), "pdf", "PDF"},
		{"broken docx", []byte("PK\x03\x04 word/document.xml garbage"), "docx", "损坏"},
	} {
		_, err := Extract(c.data, c.typ, "", Limits{})
		var nt *NoTextError
		if !errors.As(err, &nt) || !errors.Is(err, ErrNoText) || !strings.Contains(nt.Cause, c.want) {
			t.Errorf("%s: %v, want a NoTextError with %q", c.name, err, c.want)
		}
	}
}

func zipOf(t *testing.T, name, content string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	w.Write([]byte(content))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestZipBomb: a document that decompresses past the cap is refused, not read.
func TestZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte(`<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>`))
	chunk := bytes.Repeat([]byte("啊"), 1<<16)
	for range 64 { // 12 MiB of text, compressing to a few KiB
		w.Write(chunk)
	}
	w.Write([]byte(`</w:t></w:r></w:p></w:body></w:document>`))
	zw.Close()
	if buf.Len() > 1<<20 {
		t.Fatalf("bomb is %d bytes", buf.Len())
	}
	_, err := Extract(buf.Bytes(), "docx", "", Limits{MaxUnzipped: 4 << 20})
	if !errors.Is(err, ErrNoText) || !strings.Contains(err.Error(), "上限") {
		t.Fatalf("bomb: %v", err)
	}
}

func TestTextAndHTML(t *testing.T) {
	gbk := []byte{0xd5, 0xc5, 0xc8, 0xfd, 0x20, '1', '3', '8'} // "张三 138" in GBK
	d, err := Extract(gbk, "txt", "", Limits{})
	if err != nil || d.Lines[0].Text != "张三 138" {
		t.Fatalf("gbk text: %v %+v", err, d)
	}
	d, err = Extract([]byte("姓名,电话\n张三,13812345678\n"), "csv", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if l := find(t, d, "13812345678"); l.Where != "第 2 行" || l.Context != "姓名\t电话" {
		t.Errorf("csv %+v", l)
	}
	page := `<html><head><title>t</title><script>var a="13812345678"</script></head><body><p>第一段<br>第二行</p>
<table><tr><th>姓名</th><th>卡号</th></tr><tr><td>赵六</td><td>6222021234567890128</td></tr></table></body></html>`
	d, err = Extract([]byte(page), "html", "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Lines {
		if strings.Contains(l.Text, "var a") {
			t.Errorf("script text read: %+v", l)
		}
	}
	find(t, d, "第二行")
	if l := find(t, d, "赵六"); l.Context != "姓名\t卡号" {
		t.Errorf("table row %+v", l)
	}
}

// TestPDFStreamBomb: a PDF whose content stream inflates past the cap is
// refused before the PDF library reads it.
func TestPDFStreamBomb(t *testing.T) {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	chunk := bytes.Repeat([]byte("0 0 m "), 1<<14)
	for range 200 { // 19 MiB of operators
		zw.Write(chunk)
	}
	zw.Close()
	pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n4 0 obj\n<< /Length " +
		strconv.Itoa(z.Len()) + " /Filter /FlateDecode >>\nstream\n")
	pdf = append(pdf, z.Bytes()...)
	pdf = append(pdf, "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"...)
	_, err := Extract(pdf, "pdf", "", Limits{MaxUnzipped: 4 << 20})
	if !errors.Is(err, ErrNoText) || !strings.Contains(err.Error(), "上限") {
		t.Fatalf("bomb: %v", err)
	}
	// A normal PDF passes the same check.
	if _, err := Extract(docgen.PDF([]string{"正常的文件"}), "pdf", "", Limits{MaxUnzipped: 4 << 20}); err != nil {
		t.Fatal(err)
	}
}

// TestPDFLibraryLoopIsKilled: a PDF on which the library loops for ever
// (an unterminated hex string at the end of a content stream; found by
// FuzzExtract) is parsed in a child process killed at the timeout: not
// audited, and the parse does not go on in this process.
func TestPDFLibraryLoopIsKilled(t *testing.T) {
	raw, err := os.ReadFile("testdata/fuzz/FuzzExtract/6ca93182ed6919ce")
	if err != nil {
		t.Fatal(err)
	}
	lit := strings.TrimSuffix(strings.TrimPrefix(strings.Split(string(raw), "\n")[1], "[]byte("), ")")
	bad, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatal(err)
	}
	saved := pdfTimeout
	pdfTimeout = 2 * time.Second
	defer func() { pdfTimeout = saved }()
	t0 := time.Now()
	_, err = Extract([]byte(bad), "pdf", "", Limits{})
	if !errors.Is(err, ErrNoText) || !strings.Contains(err.Error(), "超时") {
		t.Fatalf("looping PDF: %v", err)
	}
	if el := time.Since(t0); el > 10*time.Second {
		t.Errorf("took %s", el)
	}
}
