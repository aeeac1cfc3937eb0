package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Validate checks a configuration built in code (a loaded one is already
// valid). Its errors carry no line numbers.
func (c *Config) Validate() error {
	p := &problems{file: c.Path}
	c.validate(p)
	return p.err()
}

var (
	idRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	checkIDRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	envRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// validate records every problem of c in p.
func (c *Config) validate(p *problems) {
	c.validateSite(p)
	units := c.validateUnits(p)
	c.validateTemplates(p, units)
	c.validateColumns(p, units)
	c.validateMailboxes(p, units)
	c.validateRules(p)
	c.validateMail(p)
	c.validateWeb(p)
	c.validateSchedule(p)
	if c.Probes.Interval <= 0 {
		p.add("probes.interval", "must be positive")
	}
	if c.Probes.Timeout <= 0 {
		p.add("probes.timeout", "must be positive")
	}
	if c.Store.Path == "" {
		p.add("store.path", "is empty")
	}
}

func (c *Config) validateSite(p *problems) {
	if c.Site.BaseURL == "" {
		p.add("site.base_url", "is required (the portal's home page, e.g. http://www.linzi.gov.cn/)")
	} else {
		checkURL(p, "site.base_url", c.Site.BaseURL)
	}
	checkProfile(p, "site.profile", c.Site.Profile, false)
	cr := c.Site.Crawl
	if cr.RequestsPerSecond < 0 {
		p.add("site.crawl.requests_per_second", "cannot be negative (0 means no limit)")
	}
	if cr.Parallelism < 1 {
		p.add("site.crawl.parallelism", "must be at least 1")
	}
	if cr.Timeout <= 0 {
		p.add("site.crawl.timeout", "must be positive")
	}
	if cr.Retries < 0 {
		p.add("site.crawl.retries", "cannot be negative")
	}
	if cr.MaxBodyBytes <= 0 {
		p.add("site.crawl.max_body_bytes", "must be positive")
	}
	if cr.MaxListPages < 1 {
		p.add("site.crawl.max_list_pages", "must be at least 1")
	}
	if cr.MaxAttachmentBytes < 0 {
		p.add("site.crawl.max_attachment_bytes", "cannot be negative")
	}
	if cr.RevalidateDays < 1 {
		p.add("site.crawl.revalidate_days", "must be at least 1")
	}
	if strings.TrimSpace(cr.UserAgent) == "" {
		p.add("site.crawl.user_agent", "is empty")
	}
	for i, h := range cr.AttachmentHosts {
		if h == "" || strings.ContainsAny(h, "/:@?# \t") || strings.ToLower(h) != h {
			p.add(fmt.Sprintf("site.crawl.attachment_hosts[%d]", i), "%q is not a lower-case host name (no scheme, port or path)", h)
		}
	}
}

// validateUnits checks the units and returns them by id.
func (c *Config) validateUnits(p *problems) map[string]Unit {
	units := make(map[string]Unit, len(c.Units))
	for i, u := range c.Units {
		path := fmt.Sprintf("units[%d]", i)
		switch {
		case u.ID == "":
			p.add(path+".id", "is required")
		case !idRE.MatchString(u.ID):
			p.add(path+".id", "%q: use letters, digits, '-', '_' or '.' only", u.ID)
		default:
			if _, dup := units[u.ID]; dup {
				p.add(path+".id", "%q is used by another unit", u.ID)
			}
			units[u.ID] = u
		}
		if strings.TrimSpace(u.Name) == "" {
			p.add(path+".name", "is required")
		}
		if u.Email != "" {
			if _, err := mail.ParseAddress(u.Email); err != nil {
				p.add(path+".email", "%q is not an email address", u.Email)
			}
		}
		if u.Catalog != "" {
			checkURL(p, path+".catalog", u.Catalog)
		}
		checkProfile(p, path+".profile", u.Profile, true)
	}
	return units
}

func (c *Config) validateTemplates(p *problems, units map[string]Unit) {
	for i, t := range c.Templates {
		path := fmt.Sprintf("templates[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			p.add(path+".name", "is required (the channel's name in the catalog, e.g. 政策文件)")
		}
		checkKind(p, path+".kind", t.Kind)
		checkCadence(p, path+".cadence", t.Cadence)
		if t.DeadlineDays < 0 {
			p.add(path+".deadline_days", "cannot be negative")
		}
		if t.Path != "" {
			if u, err := url.Parse(t.Path); err != nil {
				p.add(path+".path", "%q is not a URL path: %v", t.Path, err)
			} else if u.Scheme != "" || u.Host != "" {
				p.add(path+".path", "%q: give a path relative to each unit's catalog, not a full URL", t.Path)
			}
		}
		for j, id := range t.Units {
			up := fmt.Sprintf("%s.units[%d]", path, j)
			u, ok := units[id]
			switch {
			case !ok:
				p.add(up, "no unit has id %q", id)
			case t.Path != "" && u.Catalog == "":
				p.add(up, "unit %q has no catalog URL to join %q to", id, t.Path)
			}
		}
	}
}

func (c *Config) validateColumns(p *problems, units map[string]Unit) {
	ids := map[string]bool{}
	for i, col := range c.Columns {
		path := fmt.Sprintf("columns[%d]", i)
		u, ok := units[col.Unit]
		switch {
		case col.Unit == "":
			p.add(path+".unit", "is required (a unit id)")
		case !ok:
			p.add(path+".unit", "no unit has id %q", col.Unit)
		}
		if strings.TrimSpace(col.Name) == "" {
			p.add(path+".name", "is required")
		}
		if col.URL == "" {
			p.add(path+".url", "is required")
		} else {
			checkURL(p, path+".url", col.URL)
		}
		checkKind(p, path+".kind", col.Kind)
		checkCadence(p, path+".cadence", col.Cadence)
		if col.DeadlineDays < 0 {
			p.add(path+".deadline_days", "cannot be negative")
		}
		checkProfile(p, path+".profile", col.Profile, true)
		id := col.ID
		if id == "" {
			id = DefaultColumnID(col.Unit, col.Name)
		}
		if ids[id] {
			p.add(path+".id", "column id %q is used twice (give one of them an id)", id)
		}
		ids[id] = true
		prof := col.Profile
		if prof == "" {
			prof = u.Profile
		}
		if prof == "" {
			prof = c.Site.Profile
		}
		if prof == ProfileGeneric {
			s := col.Selectors
			if s == nil || s.Item == "" || s.Link == "" {
				p.add(path+".selectors", "the generic profile needs selectors (at least item and link)")
			}
		}
	}
}

func (c *Config) validateMailboxes(p *problems, units map[string]Unit) {
	ids := map[string]bool{}
	for i, m := range c.Mailboxes {
		path := fmt.Sprintf("mailboxes[%d]", i)
		if strings.TrimSpace(m.Name) == "" {
			p.add(path+".name", "is required (e.g. 区长信箱)")
		}
		if m.URL == "" {
			p.add(path+".url", "is required (the letter list)")
		} else {
			checkURL(p, path+".url", m.URL)
		}
		if m.Unit == "" {
			p.add(path+".unit", "is required (the unit that answers the letters)")
		} else if _, ok := units[m.Unit]; !ok {
			p.add(path+".unit", "no unit has id %q", m.Unit)
		}
		checkProfile(p, path+".profile", m.Profile, true)
		if m.ReplyDays < 0 {
			p.add(path+".reply_days", "cannot be negative")
		}
		id := m.ID
		if id == "" {
			id = defaultMailboxID(m.Unit, m.Name)
		}
		if ids[id] {
			p.add(path+".id", "mailbox id %q is used twice", id)
		}
		ids[id] = true
	}
}

func (c *Config) validateRules(p *problems) {
	if c.Rules.PublishDays < 1 {
		p.add("rules.publish_days", "must be at least 1")
	}
	if c.Rules.MailboxReplyDays < 1 {
		p.add("rules.mailbox_reply_days", "must be at least 1")
	}
	if c.Rules.InterpretationDays < 1 {
		p.add("rules.interpretation_days", "must be at least 1")
	}
	if c.Rules.RectifyDays < 1 {
		p.add("rules.rectify_days", "must be at least 1")
	}
	if c.Rules.Baseline != "" {
		if _, err := time.Parse("2006-01-02", c.Rules.Baseline); err != nil {
			p.add("rules.baseline", "%q is not a date such as 2026-10-01", c.Rules.Baseline)
		}
	}
	if c.Rules.Since != "" {
		if _, err := time.Parse("2006-01-02", c.Rules.Since); err != nil {
			p.add("rules.since", "%q is not a date such as 2025-01-01", c.Rules.Since)
		}
	}
	for _, k := range sortedKeys(c.Rules.Stale) {
		path := "rules.stale_days." + k
		if !slices.Contains(Kinds(), k) {
			p.add(path, "%q is not a column kind (%s)", k, strings.Join(Kinds(), ", "))
		}
		if c.Rules.Stale[k] < 0 {
			p.add(path, "cannot be negative")
		}
	}
	for _, k := range sortedKeys(c.Rules.Checks) {
		path := "rules.checks." + k
		if !checkIDRE.MatchString(k) {
			p.add(path, "%q is not a check id (lower-case words joined by '-', e.g. timeliness, key-column-empty)", k)
		}
		if pts := c.Rules.Checks[k].Points; pts != nil && *pts < 0 {
			p.add(path+".points", "cannot be negative")
		}
	}
	if c.Scoring.QuarterPoints <= 0 {
		p.add("scoring.quarter_points", "must be positive")
	}
	if c.Scoring.YearEndPoints < 0 {
		p.add("scoring.year_end_points", "cannot be negative")
	}
	for _, k := range sortedKeys(c.Scoring.Caps) {
		path := "scoring.caps." + k
		if !checkIDRE.MatchString(k) {
			p.add(path, "%q is not a check id", k)
		}
		if c.Scoring.Caps[k] < 0 {
			p.add(path, "cannot be negative")
		}
	}
	if c.Notice.RectifyDays < 0 {
		p.add("notice.rectify_days", "cannot be negative")
	}
	for i, o := range c.Calendar.Overrides {
		if o == "" {
			p.add(fmt.Sprintf("calendar.overrides[%d]", i), "is empty")
		}
	}
}

func (c *Config) validateMail(p *problems) {
	m := c.Mail
	if m.TLS != "" && !slices.Contains([]string{TLSNone, TLSStartTLS, TLSImplicit}, m.TLS) {
		p.add("mail.tls", "%q is not a TLS mode (none, starttls, implicit)", m.TLS)
	}
	if m.Port < 0 || m.Port > 65535 {
		p.add("mail.port", "%d is not a port", m.Port)
	}
	if m.From != "" {
		if _, err := mail.ParseAddress(m.From); err != nil {
			p.add("mail.from", "%q is not an email address", m.From)
		}
	}
	if m.Office != "" {
		if _, err := mail.ParseAddress(m.Office); err != nil {
			p.add("mail.office", "%q is not an email address", m.Office)
		}
	}
	if m.PasswordEnv != "" && !envRE.MatchString(m.PasswordEnv) {
		p.add("mail.password_env", "%q is not an environment variable name (the password itself never goes in this file)", m.PasswordEnv)
	}
	if m.Host != "" && m.From == "" {
		p.add("mail.from", "is required when mail.host is set")
	}
}

func (c *Config) validateWeb(p *problems) {
	w := c.Web
	if _, _, err := net.SplitHostPort(w.Addr); err != nil {
		p.add("web.addr", "%q is not host:port (e.g. 127.0.0.1:8080)", w.Addr)
	}
	if w.SessionHours < 1 {
		p.add("web.session_hours", "must be at least 1")
	}
	if w.TrustedProxy != "" {
		if _, _, err := net.ParseCIDR(w.TrustedProxy); err != nil {
			p.add("web.trusted_proxy", "%q is not a CIDR such as 10.0.0.0/8", w.TrustedProxy)
		}
	}
	if w.SSOHeader != "" && w.TrustedProxy == "" {
		p.add("web.trusted_proxy", "is required with web.sso_header (only that proxy may set the header)")
	}
	names := map[string]bool{}
	for i, in := range c.Inspectors {
		path := fmt.Sprintf("inspectors[%d]", i)
		if strings.TrimSpace(in.Name) == "" {
			p.add(path+".name", "is required")
		} else if names[in.Name] {
			p.add(path+".name", "%q is listed twice", in.Name)
		}
		names[in.Name] = true
		if in.Role != "" && in.Role != RoleInspector && in.Role != RoleViewer {
			p.add(path+".role", "%q is not a role (inspector, viewer)", in.Role)
		}
		if in.PasswordHash != "" && !strings.HasPrefix(in.PasswordHash, "$2") {
			p.add(path+".password_hash", "is not a bcrypt hash (it starts with $2a$, $2b$ or $2y$); never put a password itself here")
		}
	}
}

func (c *Config) validateSchedule(p *problems) {
	for _, f := range []struct{ path, spec string }{
		{"schedule.crawl", c.Schedule.Crawl},
		{"schedule.digest", c.Schedule.Digest},
		{"schedule.report", c.Schedule.Report},
	} {
		if f.spec == "" {
			continue
		}
		if _, err := cron.ParseStandard(f.spec); err != nil {
			p.add(f.path, "%q is not a cron spec (minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"): %v", f.spec, err)
		}
	}
}

// checkURL requires an absolute http or https URL.
func checkURL(p *problems, path, s string) {
	u, err := url.Parse(s)
	if err != nil {
		p.add(path, "%q is not a URL", s)
		return
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(path, "%q is not an absolute http(s) URL", s)
	}
}

func checkKind(p *problems, path, kind string) {
	if kind == "" {
		p.add(path, "is required (%s)", strings.Join(Kinds(), ", "))
	} else if !slices.Contains(Kinds(), kind) {
		p.add(path, "%q is not a column kind (%s)", kind, strings.Join(Kinds(), ", "))
	}
}

func checkCadence(p *problems, path, cadence string) {
	if cadence != "" && !slices.Contains(Cadences(), cadence) {
		p.add(path, "%q is not a cadence (%s)", cadence, strings.Join(Cadences(), ", "))
	}
}

func checkProfile(p *problems, path, profile string, emptyOK bool) {
	if profile == "" && emptyOK {
		return
	}
	if !slices.Contains(Profiles(), profile) {
		p.add(path, "%q is not a CMS profile (%s)", profile, strings.Join(Profiles(), ", "))
	}
}

// sortedKeys returns the keys of m in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
