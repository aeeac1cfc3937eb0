package web

import (
	"net/url"
	"strings"
	"testing"
)

// TestJobsFromTheBrowser: an inspector runs the checks and previews the
// week's digest from the UI; a viewer may preview but not run; sending
// without a mail server is refused in Chinese.
func TestJobsFromTheBrowser(t *testing.T) {
	fx := newFixture(t, nil)
	c := fx.signedIn("张三", pwInspector)
	_, list := c.get("/findings")
	if !strings.Contains(list, `id="run-check"`) {
		t.Error("the findings list offers no check run")
	}
	resp, _ := c.post("/jobs/check", url.Values{"csrf": {c.csrf}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/findings?status=draft" {
		t.Fatalf("run check: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := c.get("/findings?status=draft")
	if !strings.Contains(body, "检查完成") {
		t.Error("no summary of the check run")
	}
	runs, err := fx.st.Runs("check", 1)
	if err != nil || len(runs) != 1 {
		t.Errorf("the check run was not recorded: %v %v", runs, err)
	}

	resp, body = c.get("/digest")
	if resp.StatusCode != 200 || !strings.Contains(body, "每周提醒") || !strings.Contains(body, `id="digest-send"`) {
		t.Errorf("digest preview: %d", resp.StatusCode)
	}
	resp, body = c.post("/digest/send", url.Values{"csrf": {c.csrf}})
	if resp.StatusCode != 400 || !strings.Contains(body, "未配置邮件服务器") {
		t.Errorf("send without mail.host: %d", resp.StatusCode)
	}

	v := fx.signedIn("李四", pwViewer)
	if resp, _ := v.get("/digest"); resp.StatusCode != 200 {
		t.Errorf("viewer preview: %d", resp.StatusCode)
	}
	if resp, _ := v.post("/jobs/check", url.Values{"csrf": {v.csrf}}); resp.StatusCode != 403 {
		t.Errorf("a viewer ran the checks: %d", resp.StatusCode)
	}
}
