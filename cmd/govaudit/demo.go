package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/crawler"
	"github.com/govaudit/govaudit/portalsim"
	"github.com/govaudit/govaudit/reports"
	"github.com/govaudit/govaudit/store"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

func demoCmd() command {
	return command{
		name:    "demo",
		summary: "run everything against the built-in simulated portal (offline)",
		run:     runDemo,
	}
}

// demoHeader starts every configuration the demo writes; the demo refuses
// to replace a govaudit.yaml without it.
const demoHeader = "# govaudit configuration for the simulated portal"

// demoParallelism is the least number of concurrent requests the demo
// crawls its in-process portal with.
const demoParallelism = 16

// The demo's sign-in for the review UI: a DEMO credential, printed and
// written (as a bcrypt hash) into the demo configuration only.
const (
	demoUser     = "demo"
	demoPassword = "govaudit-demo"
)

// demoCredentialNote marks the demo inspector in the configuration.
const demoCredentialNote = "# DEMO CREDENTIAL: inspector \"" + demoUser + "\" signs in to the review UI with the password \"" +
	demoPassword + "\".\n# It is public: remove it (govaudit user remove " + demoUser + ") before this file serves anything real.\n"

// demoEnv is what the demo's steps share.
type demoEnv struct {
	a    *app
	dir  string
	sim  *portalsim.Sim
	opt  portalsim.Options // what the portal was generated from
	base string            // the simulated portal's base URL
	cfg  *config.Config
	st   *store.Store
	// asOf is the portal's "today": the date checks and reports judge by.
	asOf time.Time
	// crawl is the run recorded by the crawl step.
	crawl store.Run
	// outputs are the files to point the user at, in order.
	outputs []demoOutput
}

// demoOutput is one file or directory the demo leaves behind.
type demoOutput struct{ what, path string }

// demoStep is one stage of the demo once the portal serves and the
// configuration is written.
type demoStep struct {
	name string
	run  func(ctx context.Context, e *demoEnv) error
}

// demoSteps lists the demo's stages, in order. Each prints its own summary
// and adds its files to e.outputs.
//
// Extension points, once their packages land (each a func(ctx, *demoEnv) error):
//   - "check":  evaluate every check as of e.asOf over e.st, sync the findings
//     (new/unchanged/resolved), and compare them with e.dir/truth.json;
//   - "report": the quarter's notice (通报) as HTML/XLSX/CSV into e.dir/reports;
//   - "digest": the weekly digest written to e.dir/digest (no SMTP needed).
func demoSteps() []demoStep {
	return []demoStep{
		{"crawl", demoCrawl},
		{"check", demoCheck},
		{"report", demoReport},
		{"rectify", demoRectify},
		{"digest", demoDigest},
	}
}

func runDemo(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet(a, "demo", "[--dir DIR] [--force] [--seed N] [--today YYYY-MM-DD] [--units N] [--items N]\n  [--layouts varied|classic]\n\nStarts the simulated district portal on a free loopback port, writes a\nconfiguration for it and crawls it into a store, then says what was found and\nwhere everything is. Everything stays in DIR; nothing leaves this machine.\nA store of an earlier demo holding review decisions is kept unless --force.")
	dir := fs.String("dir", "govaudit-demo", "directory for the configuration, the store and the outputs")
	force := fs.Bool("force", false, "start afresh even when the earlier demo's store holds review decisions")
	var sf simFlags
	sf.register(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	opt, err := sf.options(time.Now())
	if err != nil {
		return err
	}
	start := time.Now()
	if !*force {
		if n, err := demoDecisions(filepath.Join(*dir, "govaudit.db")); err != nil {
			return err
		} else if n > 0 {
			return fmt.Errorf("%s holds %d review decisions made by people (not by the demo); a new demo would erase them: "+
				"choose another --dir, or add --force to start afresh", filepath.Join(*dir, "govaudit.db"), n)
		}
	}
	e, stop, err := demoSetup(ctx, a, *dir, opt)
	if err != nil {
		return err
	}
	defer stop()
	for _, s := range demoSteps() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("demo interrupted before %s: %w", s.name, err)
		}
		if err := s.run(ctx, e); err != nil {
			return fmt.Errorf("demo %s: %w", s.name, err)
		}
	}
	demoWhere(e, time.Since(start))
	return nil
}

// demoSetup prepares DIR, generates and serves the portal, writes and loads
// its configuration and opens the store. stop undoes what must not outlive
// the demo (the server, the open store).
func demoSetup(ctx context.Context, a *app, dir string, opt portalsim.Options) (*demoEnv, func(), error) {
	cfgPath := filepath.Join(dir, "govaudit.yaml")
	dbPath := filepath.Join(dir, "govaudit.db")
	truthPath := filepath.Join(dir, "truth.json")
	if err := demoClaimDir(dir, cfgPath, dbPath); err != nil {
		return nil, nil, err
	}
	sim, err := portalsim.New(opt)
	if err != nil {
		return nil, nil, fmt.Errorf("generate portal: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("listen on loopback: %w", err)
	}
	base := "http://" + ln.Addr().String() + "/"
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(sctx, ln, sim.Handler()) }()
	stopServer := func() {
		cancel()
		if err := <-served; err != nil {
			a.log.Warn("simulated portal", "err", err)
		}
	}

	fail := func(err error) (*demoEnv, func(), error) {
		stopServer()
		return nil, nil, err
	}
	// The district's 主动公开基本目录 for the catalog check (issue 15).
	catalogPath, err := filepath.Abs(filepath.Join(dir, "catalog.csv"))
	if err != nil {
		return fail(err)
	}
	if err := sim.WriteCatalog(catalogPath); err != nil {
		return fail(err)
	}
	if err := sim.Truth(base).WriteFile(truthPath); err != nil {
		return fail(fmt.Errorf("write ground truth: %w", err))
	}
	absDB, err := filepath.Abs(dbPath)
	if err != nil {
		return fail(err)
	}
	simCfg := sim.Config(base)
	// The portal is in this process, on loopback: politeness is moot, and
	// more connections hide the per-request latency.
	simCfg.Site.Crawl.Parallelism = max(simCfg.Site.Crawl.Parallelism, demoParallelism)
	// A demo inspector, so that the review UI can be tried at once.
	hash, err := bcrypt.GenerateFromPassword([]byte(demoPassword), bcrypt.DefaultCost)
	if err != nil {
		return fail(fmt.Errorf("hash the demo password: %w", err))
	}
	simCfg.Inspectors = append(simCfg.Inspectors, config.Inspector{Name: demoUser, PasswordHash: string(hash), Role: "inspector"})
	if err := writeSimConfigNote(simCfg, cfgPath, absDB, demoCredentialNote); err != nil {
		return fail(err)
	}
	// Crawl exactly what the file says, as `govaudit crawl` would.
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return fail(fmt.Errorf("the demo configuration does not load (a bug): %w", err))
	}
	if err := os.Remove(dbPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(fmt.Errorf("remove the previous demo store: %w", err))
	}
	if err := os.RemoveAll(store.PackDir(dbPath)); err != nil {
		return fail(fmt.Errorf("remove the previous demo store's page bodies: %w", err))
	}
	st, err := openStore(cfg, "", false)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(a.stdout, "govaudit demo: simulated portal at %s — %d units, seed %d, today %s\n",
		base, len(cfg.Units), opt.Seed, opt.Today.Format("2006-01-02"))
	fmt.Fprintf(a.stdout, "  %d columns, %d mailboxes configured in %s\n", len(cfg.Columns), len(cfg.Mailboxes), cfgPath)
	e := &demoEnv{
		a: a, dir: dir, sim: sim, opt: opt, base: base, cfg: cfg, st: st, asOf: opt.Today,
		outputs: []demoOutput{
			{"configuration", cfgPath},
			{"store", dbPath},
			{"ground truth (injected violations)", truthPath},
			{"主动公开基本目录 (catalog check)", catalogPath},
		},
	}
	stop := func() {
		if err := st.Close(); err != nil {
			a.log.Warn("close store", "err", err)
		}
		stopServer()
	}
	return e, stop, nil
}

// demoDecisions counts the review decisions and manual adjustments in an
// earlier demo's store that someone other than the demo made; 0 when
// there is no store.
func demoDecisions(dbPath string) (int, error) {
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	st, err := store.Open(dbPath, store.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return 0, fmt.Errorf("%s is in use (is `govaudit serve` running on it?); stop it before running the demo again", dbPath)
	}
	if err != nil {
		return 0, err
	}
	defer st.Close()
	n := 0
	var reviewed []string
	err = st.EachFinding(func(f store.Finding) error {
		// Every finding: a reopened one is a draft again.
		reviewed = append(reviewed, f.ID)
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range reviewed {
		hist, err := st.History(id)
		if err != nil {
			return 0, err
		}
		for _, ev := range hist {
			switch ev.Action {
			case "confirm", "dismiss", "adjust", "reopen":
				if ev.By != demoInspector {
					n++
				}
			}
		}
	}
	adjs, err := st.Adjustments(store.AdjustmentFilter{})
	if err != nil {
		return 0, err
	}
	return n + len(adjs), nil
}

// demoClaimDir creates dir, refusing to touch a configuration or store
// that an earlier demo did not write.
func demoClaimDir(dir, cfgPath, dbPath string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	ours := false
	data, err := os.ReadFile(cfgPath)
	switch {
	case err == nil:
		if !bytes.HasPrefix(data, []byte(demoHeader)) {
			return fmt.Errorf("%s exists and was not written by the demo; choose another --dir", cfgPath)
		}
		ours = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read %s: %w", cfgPath, err)
	}
	if _, err := os.Stat(dbPath); err == nil && !ours {
		return fmt.Errorf("%s exists and was not written by the demo; choose another --dir", dbPath)
	}
	return nil
}

// demoCrawl crawls the portal and prints what was found per page family.
func demoCrawl(ctx context.Context, e *demoEnv) error {
	start := time.Now()
	opt := crawler.Options{Log: slog.New(demoMinLevel{e.a.log.Handler(), slog.LevelWarn})}
	if f, ok := e.a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opt.Progress = f
	}
	c, err := crawler.New(e.cfg, e.st, opt)
	if err != nil {
		return err
	}
	run, err := c.Run(ctx)
	if err != nil {
		return err
	}
	e.crawl = run
	if run.Status != "ok" {
		return fmt.Errorf("crawl run %d ended %s: %s", run.ID, run.Status, run.Note)
	}
	srcs, err := e.st.Sources()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.a.stdout, "\ncrawl (run %d): %d pages, %d requests, %s in %s\n",
		run.ID, run.Pages, run.Requests, demoBytes(run.Bytes), time.Since(start).Round(100*time.Millisecond))
	demoFamilies(e, run, srcs)
	return nil
}

// demoMinLevel drops log records below min: the demo prints its own
// summary, so per-column log lines would only bury it.
type demoMinLevel struct {
	slog.Handler
	min slog.Level
}

func (h demoMinLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h demoMinLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return demoMinLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h demoMinLevel) WithGroup(name string) slog.Handler {
	return demoMinLevel{h.Handler.WithGroup(name), h.min}
}

// demoFamilies prints the crawl's figures per page family next to what the
// portal holds.
func demoFamilies(e *demoEnv, run store.Run, srcs []store.SourceState) {
	notAudited := map[string]int{}
	var causes []string
	for _, s := range srcs {
		if s.Audited || s.RunID != run.ID {
			continue
		}
		notAudited[demoSourceFamily(e.cfg, s)]++
		if len(causes) < 5 {
			causes = append(causes, fmt.Sprintf("%s %s: %s", s.Kind, s.ID, s.Cause))
		}
	}
	truth := e.sim.Stats()
	families := []string{config.ProfileGongkai, config.ProfileHanweb, config.ProfileTRS}
	for f := range run.Families {
		if !demoContains(families, f) {
			families = append(families, f)
		}
	}
	tw := tabwriter.NewWriter(e.a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page family\tpages\titems\tattachments\tletters\tnot audited\t")
	var total store.FamilyStats
	totalNA := 0
	for _, f := range families {
		got := run.Families[f]
		want := truth.Families[f]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t\n", f, got.Pages,
			demoOf(got.Items, want.Items), demoOf(got.Attachments, want.Attachments), got.Letters, notAudited[f])
		total.Pages += got.Pages
		total.Items += got.Items
		total.Attachments += got.Attachments
		total.Letters += got.Letters
		totalNA += notAudited[f]
	}
	fmt.Fprintf(tw, "total\t%d\t%s\t%s\t%s\t%d\t\n", total.Pages, demoOf(total.Items, truth.Items),
		demoOf(total.Attachments, truth.Attachments), demoOf(total.Letters, truth.Letters), totalNA)
	tw.Flush()
	fmt.Fprintln(e.a.stdout, "  (found/on the portal; the portal's figures come from its ground truth)")
	fmt.Fprintf(e.a.stdout, "errors: %s\n", demoErrorKinds(run.Errors))
	for _, c := range causes {
		fmt.Fprintf(e.a.stdout, "  not audited: %s\n", c)
	}
}

// demoSourceFamily is the page family of a crawled source.
func demoSourceFamily(cfg *config.Config, s store.SourceState) string {
	switch s.Kind {
	case store.SourceColumn:
		if col, ok := cfg.Column(s.ID); ok {
			return cfg.ColumnProfile(col)
		}
	case store.SourceMailbox:
		if m, ok := cfg.Mailbox(s.ID); ok {
			return cfg.MailboxProfile(m)
		}
	}
	return cfg.UnitProfile(s.Unit)
}

// demoOf writes "found/expected", or just the count when the portal does not say.
func demoOf(got, want int) string {
	if want == 0 && got == 0 {
		return "0"
	}
	return fmt.Sprintf("%d/%d", got, want)
}

// demoErrorKinds writes errors by kind, or "none".
func demoErrorKinds(m map[string]int) string {
	if s := runErrors(m); s != "0" {
		return s
	}
	return "none"
}

func demoContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// demoBytes writes a byte count in KiB or MiB.
func demoBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// demoWhere tells where everything is and what to try next.
func demoWhere(e *demoEnv, took time.Duration) {
	w := e.a.stdout
	fmt.Fprintf(w, "\nWhere everything is (demo took %s):\n", took.Round(100*time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range e.outputs {
		fmt.Fprintf(tw, "  %s\t%s\n", o.what, o.path)
	}
	tw.Flush()
	cfgPath := filepath.Join(e.dir, "govaudit.yaml")
	addr := e.cfg.Web.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	self := selfCommand()
	fmt.Fprintf(w, "\nNext:\n")
	fmt.Fprintf(w, "  review the findings in the browser:\n    %s serve --config %s\n", self, cfgPath)
	fmt.Fprintf(w, "    then open http://%s and sign in as %s, password %s\n", addr, demoUser, demoPassword)
	fmt.Fprintf(w, "    (a DEMO credential, in the demo configuration only; never use it for a real portal)\n")
	fmt.Fprintf(w, "  list the findings on the command line:\n    %s findings list --config %s --status draft\n", self, cfgPath)
	fmt.Fprintf(w, "  send the digest for real: set mail.host, mail.from, mail.office and mail.password_env in the\n"+
		"  configuration (README, \"The weekly digest\"), export the password, then\n    %s digest --config %s --week %s\n",
		self, cfgPath, reports.WeekOf(e.asOf))
	fmt.Fprintf(w, "  every run so far:\n    %s runs --config %s\n", self, cfgPath)
	// The portal again, on the address the configuration points at (not
	// on :8080, where serve listens).
	portalAddr := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(e.base, "http://"), "https://"), "/")
	fmt.Fprintf(w, "  the portal ran at %s for the demo only; serve it again (beside serve) with\n    %s portalsim --addr %s --seed %d --today %s%s\n",
		e.base, self, portalAddr, e.opt.Seed, e.asOf.Format("2006-01-02"), demoScaleFlags(e.opt))
}

// selfCommand is how to run this program again, as the user ran it:
// "go run ./cmd/govaudit" under go run (a binary in the build cache),
// "govaudit" when that is the one on PATH, else the binary's path.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "go run ./cmd/govaudit"
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") || strings.Contains(filepath.Base(exe), ".test") {
		return "go run ./cmd/govaudit"
	}
	if p, err := exec.LookPath("govaudit"); err == nil {
		if a, err1 := filepath.EvalSymlinks(p); err1 == nil {
			if b, err2 := filepath.EvalSymlinks(exe); err2 == nil && a == b {
				return "govaudit"
			}
		}
	}
	return exe
}

// demoScaleFlags repeats the scale flags the demo was run with.
func demoScaleFlags(o portalsim.Options) string {
	var b strings.Builder
	if o.Layouts == portalsim.LayoutsClassic {
		b.WriteString(" --layouts classic")
	}
	if o.Units != 0 {
		fmt.Fprintf(&b, " --units %d", o.Units)
	}
	if o.Items != 0 {
		fmt.Fprintf(&b, " --items %d", o.Items)
	}
	if o.ChannelsMin != 0 {
		fmt.Fprintf(&b, " --channels-min %d", o.ChannelsMin)
	}
	if o.ChannelsMax != 0 {
		fmt.Fprintf(&b, " --channels-max %d", o.ChannelsMax)
	}
	if o.Letters != 0 {
		fmt.Fprintf(&b, " --letters %d", o.Letters)
	}
	return b.String()
}
