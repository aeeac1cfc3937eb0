package textract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// extractXLSX reads every cell of every sheet: one line per non-empty
// cell, located as "工作表 <name> <cell>", with the sheet's first
// non-empty row (the header) and the cell's own row as context.
func extractXLSX(data []byte, lim Limits) (Doc, error) {
	if err := checkZip(data, lim, "xlsx"); err != nil {
		return Doc{}, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    lim.MaxUnzipped,
		UnzipXMLSizeLimit: min(lim.MaxUnzipped, 16<<20),
	})
	if err != nil {
		return Doc{}, noText("xlsx", "表格文件无法打开")
	}
	defer f.Close()
	l := &lines{lim: lim}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return Doc{}, noText("xlsx", "工作表 "+sheet+" 无法读取")
		}
		var header []string
		for r := 1; rows.Next(); r++ {
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return Doc{}, noText("xlsx", "工作表 "+sheet+" 无法读取")
			}
			if header == nil && nonEmpty(cols) {
				header = append([]string(nil), cols...)
				// The header row is a line of its own too.
			}
			rowText := strings.Join(cols, "\t")
			for c, v := range cols {
				if strings.TrimSpace(v) == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r)
				ctx := rowText
				if c < len(header) && header[c] != v {
					ctx = header[c] + "\t" + rowText
				}
				if !l.add("工作表 "+sheet+" "+cell, v, ctx) {
					rows.Close()
					return Doc{Lines: l.out}, l.tooLarge("xlsx")
				}
			}
		}
		rows.Close()
	}
	return Doc{Lines: l.out}, l.tooLarge("xlsx")
}

func nonEmpty(ss []string) bool {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

// checkZip refuses an archive whose declared sizes pass the cap (a zip
// bomb) before anything is decompressed; the readers cap again while
// reading, since declared sizes can lie.
func checkZip(data []byte, lim Limits, format string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return noText(format, "文件已损坏（不是有效的压缩包）")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnzipped) {
			return noText(format, fmt.Sprintf("解压后超过上限 %d MiB", lim.MaxUnzipped>>20))
		}
	}
	return nil
}

// extractDOCX reads word/document.xml: one line per paragraph outside
// tables ("第 N 段") and per table row ("表格 T 第 R 行", cells joined by
// tabs, the table's first row as context).
func extractDOCX(data []byte, lim Limits) (Doc, error) {
	if err := checkZip(data, lim, "docx"); err != nil {
		return Doc{}, err
	}
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var part *zip.File
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			part = f
		}
	}
	if part == nil {
		return Doc{}, noText("docx", "文件已损坏（缺少 word/document.xml）")
	}
	rc, err := part.Open()
	if err != nil {
		return Doc{}, noText("docx", "文件已损坏")
	}
	defer rc.Close()
	lr := &io.LimitedReader{R: rc, N: lim.MaxUnzipped + 1}
	l := &lines{lim: lim}
	if err := docxLines(xml.NewDecoder(lr), l); err != nil {
		if lr.N <= 0 {
			return Doc{}, noText("docx", fmt.Sprintf("解压后超过上限 %d MiB", lim.MaxUnzipped>>20))
		}
		return Doc{}, noText("docx", "文件已损坏（XML 无法解析）")
	}
	return Doc{Lines: l.out}, l.tooLarge("docx")
}

// docxLines walks the WordprocessingML body.
func docxLines(d *xml.Decoder, l *lines) error {
	type table struct {
		n      int // table number
		row    int
		header string
	}
	var (
		para   strings.Builder // the current paragraph
		cells  []string        // the cells of the current row
		tables []*table
		paras  int
		ntab   int
		inText bool
	)
	endPara := func() {
		text := para.String()
		para.Reset()
		if len(tables) > 0 {
			if len(cells) > 0 {
				if cells[len(cells)-1] != "" && text != "" {
					cells[len(cells)-1] += " "
				}
				cells[len(cells)-1] += text
			}
			return
		}
		if strings.TrimSpace(text) != "" {
			paras++
			l.add(fmt.Sprintf("第 %d 段", paras), text, "")
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if l.full {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				para.WriteByte('\t')
			case "br", "cr":
				para.WriteByte(' ')
			case "tbl":
				ntab++
				tables = append(tables, &table{n: ntab})
			case "tr":
				cells = cells[:0]
			case "tc":
				cells = append(cells, "")
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				endPara()
			case "tr":
				if len(tables) == 0 {
					break
				}
				tb := tables[len(tables)-1]
				tb.row++
				text := strings.TrimSpace(strings.Join(cells, "\t"))
				if text == "" {
					break
				}
				ctx := tb.header
				if tb.header == "" {
					tb.header, ctx = text, ""
				}
				l.add(fmt.Sprintf("表格 %d 第 %d 行", tb.n, tb.row), text, ctx)
			case "tbl":
				if len(tables) > 0 {
					tables = tables[:len(tables)-1]
				}
			}
		case xml.CharData:
			if inText {
				para.Write(t)
			}
		}
	}
}
