package textract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/textract/docgen"
)

// benchDocs are documents of a realistic size per format: a 2,000-row
// roster (xlsx, csv), a 1,500-paragraph report with a 300-row table
// (docx), a 40-page PDF of CJK text, a text file and an HTML page.
func benchDocs(b *testing.B) map[string][]byte {
	b.Helper()
	row := func(i int) []string {
		return []string{fmt.Sprint(i), "张伟", fmt.Sprintf("3703051980%04d%04d", i%1200+1, i), fmt.Sprintf("138%08d", i), "临淄区闻韶街道办事处"}
	}
	rows := [][]string{{"序号", "姓名", "身份证号码", "联系电话", "地址"}}
	for i := 1; i <= 2000; i++ {
		rows = append(rows, row(i))
	}
	xlsx, err := docgen.XLSX(docgen.Sheet{Name: "名单", Rows: rows})
	if err != nil {
		b.Fatal(err)
	}
	sentence := "为深入贯彻落实上级关于政务公开工作的决策部署，进一步提升工作水平，结合我区实际，现将有关事项通知如下。"
	var blocks []docgen.Block
	for range 1500 {
		blocks = append(blocks, docgen.Block{Text: sentence})
	}
	blocks = append(blocks, docgen.Block{Table: rows[:300]})
	docx, err := docgen.DOCX(blocks...)
	if err != nil {
		b.Fatal(err)
	}
	var pages [][]string
	for range 40 {
		var p []string
		for range 45 {
			p = append(p, sentence[:len(sentence)/2])
		}
		pages = append(pages, p)
	}
	var csv, txt, html strings.Builder
	for _, r := range rows {
		csv.WriteString(strings.Join(r, ",") + "\n")
	}
	html.WriteString("<html><body><table>")
	for range 3000 {
		txt.WriteString(sentence + "\n")
	}
	for _, r := range rows {
		html.WriteString("<tr><td>" + strings.Join(r, "</td><td>") + "</td></tr>\n")
	}
	html.WriteString("</table></body></html>")
	return map[string][]byte{"xlsx": xlsx, "docx": docx, "pdf": docgen.PDF(pages...), "pdf-1page": docgen.PDF([]string{sentence}), "csv": []byte(csv.String()),
		"txt": []byte(txt.String()), "html": []byte(html.String())}
}

// BenchmarkExtract reads each format; MB/s is of the file's bytes.
func BenchmarkExtract(b *testing.B) {
	docs := benchDocs(b)
	for _, f := range []string{"xlsx", "docx", "pdf", "pdf-1page", "csv", "txt", "html"} {
		data := docs[f]
		typ, _, _ := strings.Cut(f, "-")
		b.Run(f, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			chars := 0
			for i := 0; i < b.N; i++ {
				d, err := Extract(data, typ, "", Limits{})
				if err != nil {
					b.Fatal(err)
				}
				chars = d.Chars
			}
			b.ReportMetric(float64(chars*b.N)/b.Elapsed().Seconds()/1e6, "Mchars/s")
			b.ReportMetric(float64(len(data))/1024, "fileKiB")
			b.ReportMetric(float64(chars)/1000, "kchars")
		})
	}
}
