package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/govaudit/govaudit/jobs"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/rules"
)

// noticeFile is one downloadable file of the notice.
type noticeFile struct {
	Key, Label, Ext, Type string
	write                 func(io.Writer, *reports.Notice) error
}

// noticeFiles are the notice's formats, as the report command writes them.
var noticeFiles = []noticeFile{
	{"html", "下载网页版", "-通报.html", "text/html; charset=utf-8", reports.WriteHTML},
	{"docx", "Word 文档", "-通报.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", reports.WriteDOCX},
	{"xlsx", "Excel 表格", "-通报.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", reports.WriteXLSX},
	{"ranking.csv", "排名 CSV", "-排名.csv", "text/csv; charset=utf-8", reports.WriteRankingCSV},
	{"problems.csv", "问题清单 CSV", "-问题清单.csv", "text/csv; charset=utf-8", reports.WriteProblemsCSV},
}

// noticeCSP lets the notice's own style sheet apply, and nothing else.
const noticeCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type reportsData struct {
	Period  string
	Label   string
	Periods []option
	Notice  *reports.Notice
	Drafts  int
	Files   []noticeFile
}

// periodFrom reads a period ("2026Q3" or "2026"); empty means the last
// ended quarter.
func (s *Server) periodFrom(v string) (reports.Period, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return jobs.LastEndedQuarter(s.now()), nil
	}
	if len(v) == 4 {
		y, err := strconv.Atoi(v)
		if err != nil {
			return reports.Period{}, err
		}
		return reports.YearPeriod(y)
	}
	return reports.ParseQuarter(v)
}

// periodOptions lists the last eight quarters before now and the years
// they touch, newest first.
func (s *Server) periodOptions(selected string) []option {
	p := jobs.LastEndedQuarter(s.now())
	var out []option
	years := map[int]bool{}
	for range 8 {
		out = append(out, option{p.String(), p.Label(), p.String() == selected})
		years[p.Year] = true
		if p.Quarter--; p.Quarter == 0 {
			p.Year, p.Quarter = p.Year-1, 4
		}
	}
	var ys []int
	for y := range years {
		ys = append(ys, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ys)))
	for _, y := range ys {
		v := strconv.Itoa(y)
		out = append(out, option{v, v + "年度（全年）", v == selected})
	}
	return out
}

// reportsPage shows the period's notice in short and offers its files.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.periodFrom(r.URL.Query().Get("period"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "期间无效："+r.URL.Query().Get("period"), nil)
		return
	}
	n, err := jobs.Notice(r.Context(), s.cfg, s.st, p, s.now())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "生成通报失败", err)
		return
	}
	d := reportsData{Period: p.String(), Label: p.Label(), Periods: s.periodOptions(p.String()), Notice: n,
		Drafts: n.Drafts, Files: noticeFiles}
	s.Render(w, r, "reports", "通报", d)
}

// noticeDownload writes the period's notice in one format. The HTML
// version opens in the browser (?download=1 saves it).
func (s *Server) noticeDownload(w http.ResponseWriter, r *http.Request) {
	p, err := s.periodFrom(r.PathValue("period"))
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "期间无效："+r.PathValue("period"), nil)
		return
	}
	var nf *noticeFile
	for i := range noticeFiles {
		if noticeFiles[i].Key == r.PathValue("file") {
			nf = &noticeFiles[i]
		}
	}
	if nf == nil {
		s.fail(w, r, http.StatusNotFound, "没有这种格式："+r.PathValue("file"), nil)
		return
	}
	n, err := jobs.Notice(r.Context(), s.cfg, s.st, p, s.now())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "生成通报失败", err)
		return
	}
	var buf bytes.Buffer
	if err := nf.write(&buf, n); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "生成通报失败", err)
		return
	}
	name := p.String() + nf.Ext
	h := w.Header()
	h.Set("Content-Type", nf.Type)
	h.Set("Cache-Control", "no-store")
	if nf.Key == "html" && r.URL.Query().Get("download") == "" {
		h.Set("Content-Security-Policy", noticeCSP)
		h.Set("Content-Disposition", "inline")
	} else {
		h.Set("Content-Disposition", attachment(name))
	}
	s.log.Info("notice written", "period", p.String(), "format", nf.Key, "by", UserFrom(r.Context()).Name)
	_, _ = w.Write(buf.Bytes())
}

// attachment is a Content-Disposition that saves a file under a Chinese
// name (RFC 6266 / RFC 5987), with an ASCII fallback.
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// exportFindings writes the findings of the list's filter as CSV (UTF-8
// with a byte-order mark, formula-safe cells, every value in Chinese).
func (s *Server) exportFindings(w http.ResponseWriter, r *http.Request) {
	f, _ := filterFrom(r.URL.Query())
	rows, _, err := s.query(f)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "读取问题失败", err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	_ = cw.Write([]string{"编号", "单位", "检查项", "栏目", "标题", "网址", "季度", "扣分", "是否计分", "状态", "检出时间", "日期", "证据"})
	for _, x := range rows {
		scoring := "是"
		if !x.Scoring {
			scoring = "否"
		}
		c := reports.SafeCell
		_ = cw.Write([]string{x.ID, c(s.unitName(x.Unit)), rules.CheckName(x.Rule), c(s.columnName(x.Column)), c(x.Title),
			c(x.URL), rules.QuarterName(x.Quarter), reports.FormatPoints(x.Points), scoring, statusNames[x.Status],
			fmtTime(x.DetectedAt), rules.FormatDates(x.Evidence.Dates), c(rules.EvidenceText(x.Evidence.Text))})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "导出失败", err)
		return
	}
	name := "问题清单-" + s.now().In(cst).Format("20060102") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(name))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
