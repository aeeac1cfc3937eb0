package web

import (
	"strings"
	"testing"

	"github.com/govaudit/govaudit/store"
)

// TestVerdictAndRectificationPages: the overview shows the latest national
// verdict; /rectification lists every notified finding with its state.
func TestVerdictAndRectificationPages(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	if _, body := c.get("/overview"); strings.Contains(body, `id="verdict"`) {
		t.Error("verdict section without a verdict")
	}
	if _, body := c.get("/rectification"); !strings.Contains(body, "尚无已登记的通报") {
		t.Error("empty rectification page")
	}
	if err := fx.st.PutVerdict(store.VerdictRecord{Week: "2026-W42", AsOf: "2026-10-12", Status: store.VerdictWarn,
		Indicators: []store.VerdictIndicator{{ID: "blank-columns", Name: "空白栏目", Value: 3, Warn: 3, Fail: 5, Unit: "个",
			Status: store.VerdictWarn, Note: "3 个：<script>x</script>"}}}); err != nil {
		t.Fatal(err)
	}
	if err := fx.st.PutCheckNotes(store.CheckNotes{AsOf: "2026-10-12", Notes: map[string][]string{
		"catalog": {"区发改局「机构职能」栏目未列入主动公开基本目录"}}}); err != nil {
		t.Fatal(err)
	}
	f := store.Finding{ID: store.FindingID("missing-attachment", "http://www.linzi.gov.cn/jtj/a1.html"), Rule: "missing-attachment",
		Subject: "http://www.linzi.gov.cn/jtj/a1.html", Unit: "lzqjtj", Title: "教体局通知一", Quarter: "2026Q3"}
	if _, err := fx.st.RecordNotice("2026Q3", t0, "2026-10-26", []store.Finding{f}); err != nil {
		t.Fatal(err)
	}
	es, _ := fx.st.NoticeEntries()
	es[0].State, es[0].Rectified = store.RectifyFixed, "2026-10-20"
	if err := fx.st.UpdateNoticeEntries(es); err != nil {
		t.Fatal(err)
	}
	_, body := c.get("/overview")
	if !strings.Contains(body, `id="verdict"`) || !strings.Contains(body, "空白栏目：3 个") || strings.Contains(body, "<script>x</script>") ||
		!strings.Contains(body, "「机构职能」栏目未列入") {
		t.Errorf("overview verdict missing or not escaped")
	}
	resp, body := c.get("/rectification?notice=2026Q3")
	if resp.StatusCode != 200 || !strings.Contains(body, "教体局通知一") || !strings.Contains(body, "已整改（2026-10-20）") ||
		!strings.Contains(body, "区教体局") || !strings.Contains(body, "/findings/"+f.ID) {
		t.Errorf("rectification page: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `href="/rectification"`) {
		t.Error("no navigation link to the rectification page")
	}
}
