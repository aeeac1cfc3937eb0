package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
)

// addForm is a valid add form; mod changes it.
func addForm(mod func(url.Values)) url.Values {
	v := url.Values{"unit": {"lzqfgj"}, "period": {"2026Q3"}, "points": {"1"}, "category": {store.CategoryRectification},
		"reason": {"第二季度通报问题未按期整改"}}
	if mod != nil {
		mod(v)
	}
	return v
}

func (c *client) addAdjustment(form url.Values) (*http.Response, string) {
	c.fx.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	return c.post("/adjustments", form)
}

func (fx *fixture) adjustments() []store.Adjustment {
	fx.t.Helper()
	list, err := fx.st.Adjustments(store.AdjustmentFilter{Withdrawn: true})
	if err != nil {
		fx.t.Fatal(err)
	}
	return list
}

var adjRowRE = regexp.MustCompile(`class="aid">(adj-\d+)<`)

func adjRows(body string) []string {
	var ids []string
	for _, m := range adjRowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestAdjustmentAdd(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)

	resp, body := c.get("/adjustments")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="adj-form"`) || !strings.Contains(body, "人工加减分") {
		t.Fatalf("GET /adjustments: %d, want the list with the add form", resp.StatusCode)
	}
	for _, cat := range store.AdjustmentCategories() {
		if !strings.Contains(body, `<option value="`+cat+`">`) {
			t.Errorf("category %s not offered", cat)
		}
	}

	resp, _ = c.addAdjustment(addForm(nil))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d, want 303", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/adjustments?period=2026Q3&unit=lzqfgj" {
		t.Errorf("redirect to %q", loc)
	}
	list := fx.adjustments()
	if len(list) != 1 {
		t.Fatalf("%d adjustments stored, want 1", len(list))
	}
	a := list[0]
	if a.Unit != "lzqfgj" || a.Period != "2026Q3" || a.Points != 1 || a.Category != store.CategoryRectification ||
		a.By != "张三" || a.Reason != "第二季度通报问题未按期整改" || !a.At.Equal(fx.clock.now()) {
		t.Errorf("stored %+v", a)
	}
	_, body = c.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "已录入 "+a.ID+"：区发改局 2026Q3 扣 1 分") {
		t.Errorf("no confirmation message on the list")
	}
	if ids := adjRows(body); len(ids) != 1 || ids[0] != a.ID {
		t.Errorf("list shows %v, want [%s]", ids, a.ID)
	}

	// A bonus, lower case period, with a script in the reason.
	resp, _ = c.addAdjustment(addForm(func(v url.Values) {
		v.Set("unit", "lzqjtj")
		v.Set("period", "2026y")
		v.Set("points", "-2.5")
		v.Set("category", store.CategoryBonus)
		v.Set("reason", xssScript)
	}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add bonus: %d", resp.StatusCode)
	}
	list = fx.adjustments()
	if len(list) != 2 || list[1].Period != "2026Y" || list[1].Points != -2.5 {
		t.Fatalf("stored %+v", list)
	}
	_, body = c.get("/adjustments")
	if strings.Contains(body, xssScript) || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the reason is not escaped on the list")
	}
	if !strings.Contains(body, "加 2.5 分") || !strings.Contains(body, "有效记录合计：扣 1 分，加 2.5 分") {
		t.Error("bonus or totals not shown")
	}
}

func TestAdjustmentValidation(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	tests := []struct {
		name string
		mod  func(url.Values)
		msg  string
	}{
		{"no reason", func(v url.Values) { v.Set("reason", "  ") }, "必须填写事由"},
		{"no unit", func(v url.Values) { v.Del("unit") }, "请选择单位"},
		{"unknown unit", func(v url.Values) { v.Set("unit", "nobody") }, "请选择单位"},
		{"bad period", func(v url.Values) { v.Set("period", "2026Q5") }, "期间应为季度（如 2026Q3）或年终（如 2026Y）"},
		{"month period", func(v url.Values) { v.Set("period", "2026-07") }, "期间应为季度"},
		{"points not a number", func(v url.Values) { v.Set("points", "一分") }, "分值必须是数字"},
		{"points NaN", func(v url.Values) { v.Set("points", "NaN") }, "分值必须是数字"},
		{"zero points", func(v url.Values) { v.Set("points", "0") }, "分值不能为 0"},
		{"too many points", func(v url.Values) { v.Set("points", "101") }, "绝对值不超过 100"},
		{"unknown category", func(v url.Values) { v.Set("category", "奖励") }, "请选择类别"},
		{"bonus as rectification", func(v url.Values) { v.Set("points", "-1") }, "负数分值是加分，类别请选择“加分”"},
		{"reason too long", func(v url.Values) { v.Set("reason", strings.Repeat("长", 2001)) }, "事由太长"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := c.addAdjustment(addForm(tt.mod))
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			if !strings.Contains(body, `id="form-error"`) || !strings.Contains(body, tt.msg) {
				t.Errorf("message %q not shown", tt.msg)
			}
			if n := len(fx.adjustments()); n != 0 {
				t.Errorf("%d adjustments stored after a refused form", n)
			}
		})
	}
	// The refused form keeps what was typed.
	_, body := c.addAdjustment(addForm(func(v url.Values) {
		v.Set("points", "0")
		v.Set("reason", `"><img src=x onerror=alert(1)>`)
	}))
	if !strings.Contains(body, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</textarea>") {
		t.Error("the refused form does not keep the (escaped) reason")
	}
	if !strings.Contains(body, `<option value="lzqfgj" selected>`) || !strings.Contains(body, `value="2026Q3"`) {
		t.Error("the refused form does not keep unit and period")
	}
}

func TestAdjustmentAccess(t *testing.T) {
	fx := newFixture(t, nil)
	// Not signed in: sent to sign in; a POST is refused.
	anon := fx.client()
	resp, _ := anon.get("/adjustments")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous GET: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = anon.post("/adjustments", addForm(func(v url.Values) { v.Set("csrf", "x") }))
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous POST: %d, want 401", resp.StatusCode)
	}

	// An inspector without the CSRF token.
	c := fx.signedIn("张三", pwInspector)
	resp, body := c.addAdjustment(addForm(func(v url.Values) { v.Set("csrf", "") }))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "安全令牌") {
		t.Errorf("POST without CSRF token: %d, want 403", resp.StatusCode)
	}
	resp, _ = c.addAdjustment(addForm(func(v url.Values) { v.Set("csrf", c.csrf+"x") }))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	if n := len(fx.adjustments()); n != 0 {
		t.Fatalf("%d adjustments stored without a valid token", n)
	}

	// A viewer reads but neither adds nor withdraws.
	adj, err := fx.st.AddAdjustment(store.Adjustment{Unit: "lzqfgj", Period: "2026Q3", Points: 1,
		Category: store.CategoryTraining, Reason: "未参加培训", By: "张三", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	v := fx.signedIn("李四", pwViewer)
	resp, body = v.get("/adjustments")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `id="adj-form"`) || !strings.Contains(body, adj.ID) {
		t.Errorf("viewer list: %d, want the list without the add form", resp.StatusCode)
	}
	resp, body = v.get("/adjustments/" + adj.ID)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "act-withdraw") {
		t.Errorf("viewer detail: %d, want no withdraw form", resp.StatusCode)
	}
	v.csrf = csrfOf(body)
	resp, body = v.addAdjustment(addForm(nil))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "只读账号") {
		t.Errorf("viewer add: %d, want 403", resp.StatusCode)
	}
	resp, _ = v.post("/adjustments/"+adj.ID+"/withdraw", url.Values{"csrf": {v.csrf}, "reason": {"x"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer withdraw: %d, want 403", resp.StatusCode)
	}
	if list := fx.adjustments(); len(list) != 1 || list[0].Withdrawn {
		t.Errorf("a viewer changed the adjustments: %+v", list)
	}
}

func TestAdjustmentFilter(t *testing.T) {
	fx := newFixture(t, nil)
	add := func(unit, period string, points float64) string {
		cat := store.CategorySubmission
		if points < 0 {
			cat = store.CategoryBonus
		}
		a, err := fx.st.AddAdjustment(store.Adjustment{Unit: unit, Period: period, Points: points, Category: cat,
			Reason: "测试", By: "张三", At: t0})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	a1 := add("lzqfgj", "2026Q3", 1)
	a2 := add("lzqfgj", "2026Q2", 0.5)
	a3 := add("lzqjtj", "2026Q3", 2)
	a4 := add("lzqjtj", "2026Y", -1)
	a5 := add("lzqfgj", "2025Q4", 1)
	if _, err := fx.st.WithdrawAdjustment(a2, "张三", "录入错误", t0); err != nil {
		t.Fatal(err)
	}
	c := fx.signedIn("李四", pwViewer)
	tests := []struct {
		query string
		want  []string // newest first
	}{
		{"", []string{a5, a4, a3, a1}},
		{"?withdrawn=1", []string{a5, a4, a3, a2, a1}},
		{"?unit=lzqfgj", []string{a5, a1}},
		{"?unit=lzqfgj&withdrawn=1", []string{a5, a2, a1}},
		{"?period=2026Q3", []string{a3, a1}},
		{"?period=2026q3&unit=lzqjtj", []string{a3}},
		{"?period=2026Y", []string{a4}},
		{"?period=2026", []string{a4, a3, a1}},
		{"?period=2025", []string{a5}},
		{"?unit=lzqmzj", nil},
		{"?period=bogus", []string{a5, a4, a3, a1}}, // an invalid period is dropped
	}
	for _, tt := range tests {
		resp, body := c.get("/adjustments" + tt.query)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tt.query, resp.StatusCode)
			continue
		}
		if got := adjRows(body); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: rows %v, want %v", tt.query, got, tt.want)
		}
		if tt.want == nil && !strings.Contains(body, "没有符合条件的人工加减分记录") {
			t.Errorf("%s: no empty-list message", tt.query)
		}
	}
	_, body := c.get("/adjustments?period=2026Q3")
	if !strings.Contains(body, `<option value="2026Q3" selected>`) || !strings.Contains(body, "2026 全年（含年终）") {
		t.Error("period filter options not shown")
	}
}

func TestAdjustmentWithdrawAndHistory(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	if resp, _ := c.addAdjustment(addForm(nil)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	id := fx.adjustments()[0].ID
	path := "/adjustments/" + id

	resp, body := c.get(path)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="act-withdraw"`) {
		t.Fatalf("detail: %d, want the withdraw form", resp.StatusCode)
	}

	withdraw := func(form url.Values) (*http.Response, string) {
		if _, ok := form["csrf"]; !ok {
			form.Set("csrf", c.csrf)
		}
		return c.post(path+"/withdraw", form)
	}
	resp, body = withdraw(url.Values{"reason": {" "}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "撤回必须填写理由") {
		t.Errorf("withdraw without reason: %d", resp.StatusCode)
	}
	resp, _ = withdraw(url.Values{"reason": {"录入错误"}, "csrf": {""}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("withdraw without CSRF token: %d", resp.StatusCode)
	}
	if fx.adjustments()[0].Withdrawn {
		t.Fatal("withdrawn without a reason or token")
	}
	fx.clock.add(3600e9)
	resp, _ = withdraw(url.Values{"reason": {"录入错误，应为 2026Q4"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		t.Fatalf("withdraw: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	a := fx.adjustments()[0]
	if !a.Withdrawn || a.WithdrawnBy != "张三" || a.WithdrawReason != "录入错误，应为 2026Q4" {
		t.Errorf("after withdraw: %+v", a)
	}
	resp, body = withdraw(url.Values{"reason": {"再撤一次"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "不能再次撤回") {
		t.Errorf("second withdraw: %d, want 409", resp.StatusCode)
	}
	for _, p := range []string{"/adjustments/adj-999999", "/adjustments/nope"} {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := c.post("/adjustments/adj-999999/withdraw", url.Values{"csrf": {c.csrf}, "reason": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("withdraw unknown: %d, want 404", resp.StatusCode)
	}

	// The history, after a restart of the server and the store.
	fx.restart()
	c = fx.signedIn("李四", pwViewer)
	resp, body = c.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("detail after restart: %d", resp.StatusCode)
	}
	for _, want := range []string{`class="ev-add"`, `class="ev-withdraw"`, "新增", "撤回", "第二季度通报问题未按期整改",
		"录入错误，应为 2026Q4", "有效 → 已撤回", "已撤回"} {
		if !strings.Contains(body, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	if strings.Count(body, `<td class="by">张三</td>`) != 2 {
		t.Error("history does not name 张三 for both events")
	}
	if strings.Contains(body, `id="act-withdraw"`) {
		t.Error("a withdrawn adjustment offers the withdraw form")
	}
}

// TestCheckTitlesFromRules checks that the UI names every check as
// rules.Defs does, in its order.
func TestCheckTitlesFromRules(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	_, body := c.get("/findings")
	last := -1
	for _, d := range rules.Defs() {
		opt := `<option value="` + d.ID + `">` + d.Title + `</option>`
		i := strings.Index(body, opt)
		if i < 0 {
			t.Errorf("rule filter lacks %s", opt)
			continue
		}
		if i < last {
			t.Errorf("%s out of order", d.ID)
		}
		last = i
	}
	_, body = c.get("/findings/" + fx.ids["jtj1"])
	if !strings.Contains(body, "<h1>缺少附件 ") {
		t.Error("finding page does not title the check from rules.Defs")
	}
}
