package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// digestFixture: three units with entries (one without an address), one
// unit with only an old or dismissed draft (nothing to report).
func digestFixture() DigestInput {
	asOf := time.Date(2026, 11, 16, 8, 0, 0, 0, cst)
	units := []config.Unit{
		{ID: "lzqzjj", Name: "区住建局", Email: "zjj@example.gov.cn"},
		{ID: "lzqfgj", Name: "区发改局", Email: "fgj@example.gov.cn"},
		{ID: "lzqjtj", Name: "区教体局", Email: "jtj@example.gov.cn"},
		{ID: "lzqkjj", Name: "区科技局"},
		{ID: "lzqcl", Name: "区残联", Email: "cl@example.gov.cn"},
	}
	draft := func(unit, title string, detected time.Time, status string) store.Finding {
		return store.Finding{ID: store.FindingID("timeliness", unit+title), Rule: "timeliness", Unit: unit,
			Column: unit + "/政策文件", Title: title, URL: "http://www.linzi.gov.cn/doc.html", Status: status,
			DetectedAt: detected, Quarter: "2026Q4", Points: 1, Scoring: true, Evidence: store.Evidence{Text: "超过 20 个工作日"}}
	}
	return DigestInput{
		Week: WeekOf(asOf), AsOf: asOf, Site: "临淄区人民政府", Units: units,
		Risks: []Risk{
			{Unit: "lzqzjj", Kind: RiskKeyColumn, Column: "政策解读", Due: "2026-12-31", WorkingDaysLeft: 33, Detail: "本季度尚无信息发布"},
			{Unit: "lzqzjj", Kind: RiskMailbox, Column: "部门信箱", Title: `<script>alert(1)</script>关于小区噪音`, Due: "2026-11-10", Overdue: true,
				URL: "http://www.linzi.gov.cn/letter/1.html"},
			{Unit: "lzqfgj", Kind: RiskPeriodic, Column: "统计数据", Title: "2026年10月", Due: "2026-11-15", Overdue: true},
			{Unit: "lzqkjj", Kind: RiskStale, Column: "工作动态", Detail: "最近一次更新 2026-10-01"},
		},
		Findings: []store.Finding{
			draft("lzqzjj", "关于印发方案的通知", asOf.Add(-2*24*time.Hour), store.StatusDraft),
			draft("lzqjtj", "新发现\n第二行", asOf.Add(-6*time.Hour), store.StatusDraft),
			draft("lzqcl", "上周的问题", asOf.Add(-8*24*time.Hour), store.StatusDraft), // before the week
			draft("lzqcl", "已驳回", asOf.Add(-24*time.Hour), store.StatusDismissed), // not a draft
			draft("lzqcl", "已确认", asOf.Add(-24*time.Hour), store.StatusConfirmed), // not a draft
			draft("lzqcl", "明天的", asOf.Add(24*time.Hour), store.StatusDraft),      // after as-of
		},
	}
}

func TestDigestContent(t *testing.T) {
	d := BuildDigest(digestFixture())
	var got []string
	for _, u := range d.Units {
		got = append(got, fmt.Sprintf("%s:%d/%d/%d", u.Unit.ID, len(u.Overdue), len(u.Soon), len(u.Drafts)))
	}
	want := "lzqzjj:1/1/1 lzqfgj:1/0/0 lzqjtj:0/0/1 lzqkjj:0/1/0"
	if strings.Join(got, " ") != want {
		t.Fatalf("digest units %v, want %s", got, want)
	}
	ms, err := d.Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms.NoAddress) != 1 || ms.NoAddress[0] != "区科技局" {
		t.Errorf("no address: %v", ms.NoAddress)
	}
	if len(ms.List) != 4 {
		t.Fatalf("%d messages, want 3 units + summary", len(ms.List))
	}
	m := ms.List[0]
	if m.To != "zjj@example.gov.cn" || m.Subject != "【政务公开】区住建局 第47周 待办提醒（3项）" || m.Items != 3 {
		t.Errorf("first message %q to %s, %d items", m.Subject, m.To, m.Items)
	}
	for _, s := range []string{"已逾期（1项）", "即将到期（1项）", "本周新发现的疑似问题（待审核，1项）", "剩余 33 个工作日，期限 2026-12-31",
		"已逾期，期限 2026-11-10", "关于印发方案的通知", "http://www.linzi.gov.cn/letter/1.html"} {
		if !strings.Contains(m.Text, s) {
			t.Errorf("text part lacks %q:\n%s", s, m.Text)
		}
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Errorf("HTML part does not escape the letter title")
	}
	if jt := ms.List[2]; !strings.Contains(jt.Text, "一、本周新发现的疑似问题") || strings.Contains(jt.Text, "新发现\n第二行") {
		t.Errorf("教体局 text:\n%s", jt.Text)
	}
	sum := ms.List[3]
	if sum.To != "office@example.gov.cn" || sum.Unit != "" || sum.Subject != "【政务公开】第47周 各单位待办提醒汇总（4个单位，6项）" {
		t.Errorf("summary %q to %s", sum.Subject, sum.To)
	}
	if !strings.Contains(sum.Text, "未配置联系邮箱") || !strings.Contains(sum.HTML, "区科技局") {
		t.Errorf("summary does not name the unit without an address:\n%s", sum.Text)
	}
	for _, l := range ms.List {
		if strings.Contains(l.Subject, "区残联") || l.To == "cl@example.gov.cn" {
			t.Errorf("a unit with nothing to report got an email: %s", l.Subject)
		}
	}
}

func TestDigestNothing(t *testing.T) {
	in := digestFixture()
	in.Risks, in.Findings = nil, nil
	d := BuildDigest(in)
	ms, err := d.Messages("")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Units) != 0 || len(ms.List) != 0 {
		t.Errorf("nothing to report but %d units, %d messages", len(d.Units), len(ms.List))
	}
}

func TestWriteEML(t *testing.T) {
	d := BuildDigest(digestFixture())
	ms, err := d.Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := WriteEML(dir, "noreply@example.gov.cn", "临淄区政务公开办", d.Week, ms.List, d.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 || filepath.Base(paths[0]) != "2026-W47-lzqzjj.eml" || filepath.Base(paths[3]) != "2026-W47-summary.eml" {
		t.Fatalf("paths %v", paths)
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	for _, h := range []string{"Subject", "To", "From"} {
		if v := msg.Header.Get(h); !strings.Contains(strings.ToLower(v), "=?utf-8?") {
			t.Errorf("%s not MIME-encoded: %q", h, v)
		}
	}
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || subj != ms.List[0].Subject {
		t.Errorf("decoded subject %q %v, want %q", subj, err, ms.List[0].Subject)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != "区住建局" || to[0].Address != "zjj@example.gov.cn" {
		t.Errorf("To %v %v", to, err)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("content type %q", ct)
	}
	if s := string(raw); !strings.Contains(s, "text/plain") || !strings.Contains(s, "text/html") {
		t.Error(".eml lacks a plain-text or HTML part")
	}
}

// mailpit is a real SMTP server with an HTTP API, started for a test.
type mailpit struct {
	smtpHost string
	smtpPort int
	api      string
}

func startMailpit(t *testing.T) mailpit {
	t.Helper()
	if s, a := os.Getenv("GOVAUDIT_MAILPIT_SMTP"), os.Getenv("GOVAUDIT_MAILPIT_API"); s != "" && a != "" {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			t.Fatalf("GOVAUDIT_MAILPIT_SMTP: %v", err)
		}
		m := mailpit{smtpHost: host, api: strings.TrimSuffix(a, "/")}
		fmt.Sscan(port, &m.smtpPort)
		m.deleteAll(t)
		return m
	}
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		bin = "/usr/local/bin/mailpit"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("mailpit not found (install github.com/axllent/mailpit); required when CI=true")
			}
			t.Skip("mailpit not found: skipping the SMTP tests (install github.com/axllent/mailpit)")
		}
	}
	smtpPort, httpPort := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort), "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--quiet")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	m := mailpit{smtpHost: "127.0.0.1", smtpPort: smtpPort, api: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(m.api + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", smtpPort)); err == nil {
				c.Close()
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type mailpitMessage struct {
	Subject string
	From    struct{ Name, Address string }
	To      []struct{ Name, Address string }
}

func (m mailpit) messages(t *testing.T) []mailpitMessage {
	t.Helper()
	resp, err := http.Get(m.api + "/api/v1/messages?limit=500")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Total    int
		Messages []mailpitMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Total != len(body.Messages) {
		t.Fatalf("mailpit total %d, listed %d", body.Total, len(body.Messages))
	}
	return body.Messages
}

func (m mailpit) deleteAll(t *testing.T) {
	req, _ := http.NewRequest(http.MethodDelete, m.api+"/api/v1/messages", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "govaudit.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestSendDigestMailpit(t *testing.T) {
	mp := startMailpit(t)
	st := openStore(t)
	d := BuildDigest(digestFixture())
	ms, err := d.Messages("office@example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return d.AsOf }
	ctx := context.Background()
	good := SMTP{Host: mp.smtpHost, Port: mp.smtpPort, TLS: TLSNone, User: "govaudit", Password: "secret",
		From: "noreply@example.gov.cn", FromName: "临淄区政务公开办", Timeout: 5 * time.Second}

	// A send failure (nothing listens on the port) is reported and not recorded.
	bad := good
	bad.Port = freePort(t)
	res, err := Send(ctx, bad, st, d.Week, ms.List, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 4 || len(res.Sent) != 0 || res.Err() == nil || !strings.Contains(res.Err().Error(), "zjj@example.gov.cn") {
		t.Fatalf("failed %d sent %d err %v", len(res.Failed), len(res.Sent), res.Err())
	}
	if recs, _ := st.Digests(d.Week.String()); len(recs) != 0 {
		t.Fatalf("failed sends recorded: %v", recs)
	}

	// Partial: the first two go through, then the server "fails".
	res, err = Send(ctx, good, st, d.Week, ms.List[:2], now)
	if err != nil || len(res.Sent) != 2 || res.Err() != nil {
		t.Fatalf("first run: %+v %v", res, err)
	}
	// The next run retries the rest and sends nothing twice.
	res, err = Send(ctx, good, st, d.Week, ms.List, now)
	if err != nil || len(res.Sent) != 2 || len(res.Skipped) != 2 || res.Err() != nil {
		t.Fatalf("retry run: sent %d skipped %d failed %d %v", len(res.Sent), len(res.Skipped), len(res.Failed), err)
	}
	got := mp.messages(t)
	if len(got) != 4 {
		t.Fatalf("mailpit has %d messages, want 4", len(got))
	}
	var subjects, rcpts []string
	for _, m := range got {
		subjects = append(subjects, m.Subject)
		if len(m.To) != 1 {
			t.Errorf("%q has %d recipients", m.Subject, len(m.To))
			continue
		}
		rcpts = append(rcpts, m.To[0].Address+" "+m.To[0].Name)
		if m.From.Name != "临淄区政务公开办" || m.From.Address != "noreply@example.gov.cn" {
			t.Errorf("from %+v", m.From)
		}
	}
	sort.Strings(subjects)
	sort.Strings(rcpts)
	wantSubj := []string{"【政务公开】区发改局 第47周 待办提醒（1项）", "【政务公开】区住建局 第47周 待办提醒（3项）",
		"【政务公开】区教体局 第47周 待办提醒（1项）", "【政务公开】第47周 各单位待办提醒汇总（4个单位，6项）"}
	sort.Strings(wantSubj)
	if strings.Join(subjects, "|") != strings.Join(wantSubj, "|") {
		t.Errorf("subjects\n%v\nwant\n%v", subjects, wantSubj)
	}
	wantRcpt := []string{"fgj@example.gov.cn 区发改局", "jtj@example.gov.cn 区教体局", "office@example.gov.cn 政务公开办", "zjj@example.gov.cn 区住建局"}
	if strings.Join(rcpts, "|") != strings.Join(wantRcpt, "|") {
		t.Errorf("recipients %v, want %v", rcpts, wantRcpt)
	}

	// The same week again sends nothing.
	res, err = Send(ctx, good, st, d.Week, ms.List, now)
	if err != nil || len(res.Sent) != 0 || len(res.Skipped) != 4 {
		t.Fatalf("second run: sent %d skipped %d %v", len(res.Sent), len(res.Skipped), err)
	}
	if n := len(mp.messages(t)); n != 4 {
		t.Errorf("mailpit has %d messages after a rerun, want 4", n)
	}
	recs, err := st.Digests(d.Week.String())
	if err != nil || len(recs) != 4 {
		t.Fatalf("records %d %v", len(recs), err)
	}
	for _, r := range recs {
		if r.MessageID == "" || !r.SentAt.Equal(d.AsOf) {
			t.Errorf("record %+v", r)
		}
	}
	// A new week is sent again.
	next := d.Week
	next.Num++
	res, err = Send(ctx, good, st, next, ms.List[:1], now)
	if err != nil || len(res.Sent) != 1 {
		t.Fatalf("next week: %+v %v", res, err)
	}
}

func TestSMTPFromConfig(t *testing.T) {
	env := map[string]string{"MAILPW": "pw"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		m       config.Mail
		port    int
		tls     string
		wantErr string
	}{
		{config.Mail{Host: "smtp.x", From: "a@x"}, 587, TLSStartTLS, ""},
		{config.Mail{Host: "smtp.x", From: "a@x", TLS: "implicit"}, 465, TLSImplicit, ""},
		{config.Mail{Host: "smtp.x", From: "a@x", TLS: "none", Port: 2525, User: "u", PasswordEnv: "MAILPW"}, 2525, TLSNone, ""},
		{config.Mail{Host: "smtp.x", From: "a@x", TLS: "ssl"}, 0, "", "mail.tls"},
		{config.Mail{From: "a@x"}, 0, "", "mail.host"},
		{config.Mail{Host: "smtp.x"}, 0, "", "mail.from"},
		{config.Mail{Host: "smtp.x", From: "a@x", User: "u"}, 0, "", "password_env"},
		{config.Mail{Host: "smtp.x", From: "a@x", User: "u", PasswordEnv: "NOPE"}, 0, "", "NOPE is empty"},
	}
	for i, tt := range tests {
		s, err := SMTPFromConfig(tt.m, getenv)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%d: err %v, want %q", i, err, tt.wantErr)
			}
			continue
		}
		if err != nil || s.Port != tt.port || s.TLS != tt.tls {
			t.Errorf("%d: %+v %v", i, s, err)
		}
	}
	if s, _ := SMTPFromConfig(tests[2].m, getenv); s.Password != "pw" {
		t.Error("password not read from the environment")
	}
}
