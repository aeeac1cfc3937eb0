package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/rules"
	"github.com/govaudit/govaudit/store"
	"github.com/govaudit/govaudit/web"
)

// findingsActions returns the review subcommands of "govaudit findings":
// show, confirm, dismiss, adjust, reopen and history. They work on the
// store directly or, while `govaudit serve` or the daemon holds it, through
// that server's JSON API (see reviewer).
func findingsActions() []findingsSub {
	return []findingsSub{
		{name: "show", usage: "ID", summary: "show a finding with its evidence and history", run: runFindingShow},
		{name: "confirm", usage: "ID… [--by NAME] [--reason TEXT]", summary: "confirm draft findings as deductions",
			run: decideCmd(store.DecideConfirm)},
		{name: "dismiss", usage: "ID… --reason TEXT [--by NAME]", summary: "dismiss findings (a reason is required)",
			run: decideCmd(store.DecideDismiss)},
		{name: "adjust", usage: "ID --points P --reason TEXT [--by NAME]", summary: "change a finding's points (a reason is required)",
			run: decideCmd(store.DecideAdjust)},
		{name: "reopen", usage: "ID… [--by NAME] [--reason TEXT]", summary: "turn decided or resolved findings back into drafts",
			run: decideCmd(store.DecideReopen)},
		{name: "history", usage: "ID", summary: "show who decided what on a finding, when and why", run: runFindingHistory},
	}
}

// reviewer reads and decides findings, on the store or through a server.
type reviewer interface {
	list(f store.Filter) ([]store.Finding, int, error)
	finding(id string) (store.Finding, []store.Event, error)
	decide(id string, a store.Action) (store.Finding, error)
	where() string // for messages: "store X" or "server URL"
	close()
}

// openReviewer opens the store of --config/--db, for writing when write is
// set. When another process holds the store and announced its JSON API in
// the endpoint file, the reviewer goes through that API instead.
func openReviewer(flags *flag.FlagSet, sf *storeFlags, write bool) (reviewer, *config.Config, error) {
	cfg, path, err := sf.configIfNeeded(flags)
	if err != nil {
		return nil, nil, err
	}
	if path == "" {
		return nil, nil, configError{fmt.Errorf("%s: store.path is empty and no --db given", sf.config)}
	}
	if !fileExists(path) {
		return nil, nil, fmt.Errorf("no store at %s yet (run govaudit crawl and govaudit check first)", path)
	}
	// A running server announces itself in the endpoint file: go through
	// it. A file left by a server that died is ignored.
	ep, eerr := web.ReadEndpoint(path)
	var pingErr error
	if eerr == nil {
		api := &apiReviewer{ep: ep, path: path, client: &http.Client{Timeout: 15 * time.Second}}
		if pingErr = api.ping(); pingErr == nil {
			return api, cfg, nil
		}
	}
	st, err := store.Open(path, store.Options{ReadOnly: !write, Timeout: time.Second})
	if err == nil {
		return storeReviewer{st}, cfg, nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return nil, nil, err
	}
	if eerr == nil {
		return nil, nil, fmt.Errorf("%w\n%v", err, pingErr)
	}
	return nil, nil, fmt.Errorf("%w\nanother process (govaudit daemon, nightly or crawl?) holds the store and offers no review API: "+
		"review in the web UI of `govaudit serve`/`govaudit daemon`, or wait until it finishes", err)
}

// storeReviewer works on the store directly.
type storeReviewer struct{ st *store.Store }

func (r storeReviewer) list(f store.Filter) ([]store.Finding, int, error) { return r.st.Findings(f) }

func (r storeReviewer) finding(id string) (store.Finding, []store.Event, error) {
	f, err := r.st.Finding(id)
	if err != nil {
		return f, nil, err
	}
	h, err := r.st.History(id)
	return f, h, err
}

func (r storeReviewer) decide(id string, a store.Action) (store.Finding, error) {
	return r.st.Decide(id, a)
}
func (r storeReviewer) where() string { return "store " + r.st.Path() }
func (r storeReviewer) close()        { r.st.Close() }

// apiReviewer goes through the JSON API of the server holding the store.
type apiReviewer struct {
	ep     web.Endpoint
	path   string
	client *http.Client
}

func (r *apiReviewer) where() string { return "server " + r.ep.URL }
func (r *apiReviewer) close()        {}

func (r *apiReviewer) call(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, strings.TrimRight(r.ep.URL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.ep.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("the store is held by the server at %s (from %s), which does not answer: %w\n"+
			"if no govaudit serve/daemon runs any more, remove that file", r.ep.URL, web.EndpointPath(r.path), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e web.APIError
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e); err != nil || e.Code == "" {
			return fmt.Errorf("server %s: HTTP %d", r.ep.URL, resp.StatusCode)
		}
		switch e.Code {
		case "not_found":
			return fmt.Errorf("%s: %w", e.Error, store.ErrNotFound)
		case "reason_required":
			return fmt.Errorf("%w", store.ErrReasonRequired)
		case "transition":
			return fmt.Errorf("%s (via %s)", e.Error, r.ep.URL)
		case "unauthorized":
			return fmt.Errorf("server %s refused the token of %s (restarted? run the command again)", r.ep.URL, web.EndpointPath(r.path))
		}
		return fmt.Errorf("server %s: %s", r.ep.URL, e.Error)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// ping checks that the server answers and accepts the token.
func (r *apiReviewer) ping() error {
	c := *r.client
	c.Timeout = 2 * time.Second
	rr := *r
	rr.client = &c
	var out map[string]bool
	return rr.call(http.MethodGet, "/api/ping", nil, &out)
}

func (r *apiReviewer) list(f store.Filter) ([]store.Finding, int, error) {
	q := url.Values{}
	for k, v := range map[string]string{"rule": f.Rule, "unit": f.Unit, "status": f.Status, "quarter": f.Quarter,
		"column": f.Column, "q": f.Query, "sort": f.Sort} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Offset > 0 {
		q.Set("offset", strconv.Itoa(f.Offset))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	path := "/api/findings"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out web.APIFindings
	err := r.call(http.MethodGet, path, nil, &out)
	return out.Findings, out.Total, err
}

func (r *apiReviewer) finding(id string) (store.Finding, []store.Event, error) {
	var out web.APIFinding
	err := r.call(http.MethodGet, "/api/findings/"+id, nil, &out)
	return out.Finding, out.History, err
}

func (r *apiReviewer) decide(id string, a store.Action) (store.Finding, error) {
	var out web.APIFinding
	err := r.call(http.MethodPost, "/api/findings/"+id+"/"+a.Kind,
		web.APIDecision{By: a.By, Reason: a.Reason, Points: a.Points}, &out)
	return out.Finding, err
}

// currentUser names the person at the terminal, for --by's default.
func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "cli"
}

var decidedWords = map[string]string{
	store.DecideConfirm: "已确认", store.DecideDismiss: "已驳回", store.DecideAdjust: "已调整扣分", store.DecideReopen: "已重新打开",
}

// decideCmd returns the run function of one decision subcommand.
func decideCmd(kind string) func(ctx context.Context, a *app, args []string) error {
	return func(ctx context.Context, a *app, args []string) error {
		var usage string
		for _, s := range findingsActions() {
			if s.name == kind {
				usage = s.usage
			}
		}
		fs := newFlagSet(a, "findings "+kind, usage)
		sf := addStoreFlags(fs)
		by := fs.String("by", currentUser(), "who decides (recorded in the audit trail)")
		reason := fs.String("reason", "", "why (required to dismiss or adjust)")
		var points float64
		if kind == store.DecideAdjust {
			fs.Float64Var(&points, "points", -1, "the new points of the finding (>= 0)")
		}
		ids, err := parseInterspersed(fs, args)
		if err != nil {
			return err
		}
		switch {
		case len(ids) == 0:
			return usageError{fmt.Errorf("no finding id given")}
		case kind == store.DecideAdjust && len(ids) != 1:
			return usageError{fmt.Errorf("adjust takes one finding id, got %d", len(ids))}
		case (kind == store.DecideDismiss || kind == store.DecideAdjust) && strings.TrimSpace(*reason) == "":
			return usageError{fmt.Errorf("--reason is required to %s a finding", kind)}
		case kind == store.DecideAdjust && !flagSet(fs, "points"):
			return usageError{fmt.Errorf("--points is required")}
		case strings.TrimSpace(*by) == "":
			return usageError{fmt.Errorf("--by cannot be empty")}
		}
		rv, cfg, err := openReviewer(fs, sf, true)
		if err != nil {
			return err
		}
		if kind == store.DecideAdjust {
			var sc *config.Scoring
			if cfg != nil {
				sc = &cfg.Scoring
			}
			if err := sc.CheckPoints(points); err != nil {
				rv.close()
				return usageError{fmt.Errorf("--points: %w", err)}
			}
		}
		defer rv.close()
		failed := 0
		for _, id := range ids {
			act := store.Action{Kind: kind, By: strings.TrimSpace(*by), Reason: strings.TrimSpace(*reason), Points: points, At: time.Now()}
			f, err := rv.decide(id, act)
			if err != nil {
				failed++
				fmt.Fprintf(a.stderr, "%s: %v\n", id, err)
				continue
			}
			switch kind {
			case store.DecideAdjust:
				fmt.Fprintf(a.stdout, "%s %s（扣分 %s）\n", f.ID, decidedWords[kind], formatPoints(f.Points))
			case store.DecideReopen:
				fmt.Fprintf(a.stdout, "%s %s（%s）\n", f.ID, decidedWords[kind], statusWord(f.Status))
			default:
				fmt.Fprintf(a.stdout, "%s %s\n", f.ID, decidedWords[kind])
			}
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d findings not %s (see above)", failed, len(ids), pastTense(kind))
		}
		return nil
	}
}

func pastTense(kind string) string {
	switch kind {
	case store.DecideConfirm:
		return "confirmed"
	case store.DecideDismiss:
		return "dismissed"
	case store.DecideAdjust:
		return "adjusted"
	}
	return "reopened"
}

// oneFinding parses the flags of show and history and reads the finding.
func oneFinding(a *app, name string, args []string) (store.Finding, []store.Event, *config.Config, error) {
	fs := newFlagSet(a, "findings "+name, "ID")
	sf := addStoreFlags(fs)
	ids, err := parseInterspersed(fs, args)
	if err != nil {
		return store.Finding{}, nil, nil, err
	}
	if len(ids) != 1 {
		return store.Finding{}, nil, nil, usageError{fmt.Errorf("want one finding id, got %d", len(ids))}
	}
	rv, cfg, err := openReviewer(fs, sf, false)
	if err != nil {
		return store.Finding{}, nil, nil, err
	}
	defer rv.close()
	f, h, err := rv.finding(ids[0])
	if errors.Is(err, store.ErrNotFound) {
		return f, nil, nil, fmt.Errorf("no finding %s in the %s", ids[0], rv.where())
	}
	return f, h, cfg, err
}

func runFindingShow(ctx context.Context, a *app, args []string) error {
	f, hist, cfg, err := oneFinding(a, "show", args)
	if err != nil {
		return err
	}
	w := a.stdout
	c := func(s string) string { return cleanCell(s, 0) }
	unit := f.Unit
	for _, u := range cfg.Units {
		if u.ID == f.Unit {
			unit = u.Name + "（" + u.ID + "）"
		}
	}
	title := f.Rule
	for _, d := range rules.Defs() {
		if d.ID == f.Rule {
			title = d.Title + "（" + f.Rule + "）"
		}
	}
	scoring := "计分"
	if !f.Scoring {
		scoring = "不计分"
	}
	rows := [][]string{
		{"编号", f.ID}, {"检查项", title}, {"单位", c(unit)}, {"栏目", c(f.Column)}, {"标题", c(f.Title)},
		{"网址", c(f.URL)}, {"对象", c(f.Subject)}, {"季度", f.Quarter},
		{"扣分", formatPoints(f.Points) + "（" + scoring + "）"}, {"状态", statusWord(f.Status)},
		{"检出时间", cliTime(f.DetectedAt)}, {"最近检查", cliTime(f.LastSeen)},
	}
	for _, r := range rows {
		if r[1] != "" {
			fmt.Fprintf(w, "%s  %s\n", padRight(r[0], 8), r[1])
		}
	}
	ev := f.Evidence
	fmt.Fprintf(w, "\n证据\n  %s\n", c(ev.Text))
	keys := make([]string, 0, len(ev.Dates))
	for k := range ev.Dates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := k
		if n, ok := dateWords[k]; ok {
			name = n
		}
		fmt.Fprintf(w, "  %s  %s\n", padRight(c(name), 10), c(ev.Dates[k]))
	}
	if ev.WorkingDays > 0 {
		fmt.Fprintf(w, "  工作日  %d\n", ev.WorkingDays)
	}
	if len(ev.Skipped) > 0 {
		fmt.Fprintf(w, "  跳过的节假日  %s\n", c(strings.Join(ev.Skipped, "；")))
	}
	if len(ev.MakeUp) > 0 {
		fmt.Fprintf(w, "  调休工作日  %s\n", c(strings.Join(ev.MakeUp, "；")))
	}
	if ev.SnapshotHash != "" {
		fmt.Fprintf(w, "  页面快照  %s（抓取于 %s；在网页界面的问题页查看）\n", c(ev.SnapshotHash), cliTime(ev.FetchedAt))
	}
	fmt.Fprintln(w, "\n审核记录")
	writeHistory(w, hist)
	return nil
}

func runFindingHistory(ctx context.Context, a *app, args []string) error {
	_, hist, _, err := oneFinding(a, "history", args)
	if err != nil {
		return err
	}
	writeHistory(a.stdout, hist)
	return nil
}

// dateWords name the dates of evidence.
var dateWords = map[string]string{
	"written": "成文日期", "published": "发布日期", "list": "列表日期", "received": "来信时间", "replied": "答复时间",
	"due": "截止日期", "from": "期间开始", "to": "期间结束", "last_published": "最近发布",
}

var eventWords = map[string]string{
	"detected": "检出", "confirm": "确认", "dismiss": "驳回", "adjust": "调整扣分", "reopen": "重新打开",
	"resolved": "问题已消除", "reopened": "再次检出",
}

// writeHistory prints the audit trail of a finding, oldest first.
func writeHistory(w io.Writer, hist []store.Event) {
	if len(hist) == 0 {
		fmt.Fprintln(w, "  （无记录）")
		return
	}
	var rows [][]string
	for _, e := range hist {
		by := e.By
		if by == store.SystemActor || by == "" {
			by = "系统"
		}
		act := e.Action
		if wd, ok := eventWords[act]; ok {
			act = wd
		}
		change := ""
		switch {
		case e.Action == store.DecideAdjust:
			change = "扣分 " + e.From + " → " + e.To
		case e.From != "" || e.To != "":
			change = statusWord(e.From) + " → " + statusWord(e.To)
		}
		rows = append(rows, []string{cliTime(e.At), cleanCell(by, 20), act, change, cleanCell(e.Reason, 0)})
	}
	writeTable(w, []string{"时间", "操作人", "操作", "变化", "理由"}, rows, -1)
}

// cliTime writes t in China Standard Time.
func cliTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
}

func padRight(s string, width int) string {
	if d := width - displayWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}
