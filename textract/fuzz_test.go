package textract

import (
	"testing"
	"time"

	"github.com/govaudit/govaudit/textract/docgen"
)

// FuzzExtract: no input makes Extract panic or return lines beyond its
// limits.
func FuzzExtract(f *testing.F) {
	x, _ := docgen.XLSX(docgen.Sheet{Name: "s", Rows: [][]string{{"a", "13812345678"}}})
	d, _ := docgen.DOCX(docgen.Block{Text: "段落"}, docgen.Block{Table: [][]string{{"x", "y"}}})
	for _, seed := range [][]byte{x, d, docgen.PDF([]string{"第一页"}), docgen.ImagePDF(), []byte("a,b\n1,2\n"), []byte("<p>x</p>")} {
		f.Add(seed, "")
	}
	// Inputs found to send the PDF library into an endless loop are in
	// testdata/fuzz: the child process is killed, faster here.
	pdfTimeout = 3 * time.Second
	f.Fuzz(func(t *testing.T, data []byte, typ string) {
		doc, err := Extract(data, typ, "", Limits{MaxUnzipped: 1 << 20, MaxLines: 1000})
		if err == nil && len(doc.Lines) > 1000 {
			t.Fatalf("%d lines", len(doc.Lines))
		}
	})
}
