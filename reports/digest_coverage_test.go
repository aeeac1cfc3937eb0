package reports

import (
	"strings"
	"testing"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules"
)

// TestDigestCoverage: the office's summary says which columns the latest
// crawl could not judge and why, escaped in HTML, and nothing when all
// were judged.
func TestDigestCoverage(t *testing.T) {
	units := []config.Unit{{ID: "lzqfgj", Name: "区发改局"}, {ID: "lzqjtj", Name: "区教体局"}}
	cov := []rules.ColumnCoverage{
		{Unit: "lzqfgj", Column: "lzqfgj/政策文件", Name: "政策文件", State: rules.CoverJudged},
		{Unit: "lzqfgj", Column: "lzqfgj/人事信息", Name: "人事信息", State: rules.CoverNotFound, Cause: "栏目未找到：目录中没有「人事信息」"},
		{Unit: "lzqjtj", Column: "lzqjtj/通知公告", Name: "通知公告", State: rules.CoverNotRead, Cause: "列表页标题为“<script>alert(1)</script>”（状态码 200 的错误页）"},
		{Unit: "lzqjtj", Column: "lzqjtj/工作动态", Name: "工作动态", State: rules.CoverSuspect, Cause: "疑似异常（上次 8 条，本次 0 条）"},
		{Unit: "lzqjtj", Column: "lzqjtj/政策文件", Name: "政策文件", State: rules.CoverJudged, Warnings: []string{"3 条信息的发布日期全部等于成文日期"}},
	}
	d := BuildDigest(digestFixture())
	d.Coverage = SummarizeCoverage(cov, units)
	if d.Coverage.Columns != 5 || d.Coverage.Judged != 2 || len(d.Coverage.Lines) != 4 {
		t.Fatalf("summary %+v", d.Coverage)
	}
	ms, err := d.Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	office := ms.List[len(ms.List)-1]
	for _, want := range []string{"抓取覆盖情况：配置栏目 5 个，已完整审计 2 个。", "区发改局「人事信息」：栏目未找到", "区教体局「工作动态」：疑似异常",
		"区教体局「政策文件」：疑似读取有误"} {
		if !strings.Contains(office.Text, want) {
			t.Errorf("office text lacks %q:\n%s", want, office.Text)
		}
	}
	if strings.Contains(office.HTML, "<script>alert") || !strings.Contains(office.HTML, "&lt;script&gt;") {
		t.Errorf("the crawled cause is not escaped in the HTML summary")
	}

	d.Coverage = SummarizeCoverage(cov[:1], units)
	ms, _ = d.Messages("office@example.gov.cn")
	if office := ms.List[len(ms.List)-1]; !strings.Contains(office.Text, "已完整审计 1 个") || strings.Contains(office.Text, "「") && strings.Contains(office.Text, "疑似") {
		t.Errorf("all judged: %s", office.Text)
	}
}
