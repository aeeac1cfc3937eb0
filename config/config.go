// Package config holds govaudit's configuration: the audited site, its
// units, columns and mailboxes, the crawl settings and the rule settings.
//
// A configuration is read from one YAML file (govaudit.yaml by default).
// Errors name the file and the line, so an inspector can fix them by hand.
package config

import (
	"fmt"
	"math"
	"time"
)

// Config is the whole configuration of one audited portal.
type Config struct {
	// Path is the file the configuration was read from (not part of the YAML).
	Path string `yaml:"-"`

	Site       Site        `yaml:"site"`
	Store      Store       `yaml:"store"`
	Units      []Unit      `yaml:"units"`
	Templates  []Template  `yaml:"templates"`
	Columns    []Column    `yaml:"columns"`
	Mailboxes  []Mailbox   `yaml:"mailboxes"`
	Rules      Rules       `yaml:"rules"`
	Calendar   Calendar    `yaml:"calendar"`
	Scoring    Scoring     `yaml:"scoring"`
	Notice     Notice      `yaml:"notice"`
	Mail       Mail        `yaml:"mail"`
	Web        Web         `yaml:"web"`
	Schedule   Schedule    `yaml:"schedule"`
	Probes     Probes      `yaml:"probes"`
	Inspectors []Inspector `yaml:"inspectors"`
}

// Site describes the portal that is audited.
type Site struct {
	Name    string `yaml:"name"`     // e.g. 临淄区人民政府
	BaseURL string `yaml:"base_url"` // e.g. http://www.linzi.gov.cn/
	// Profile is the default CMS family of the site's pages: gongkai, hanweb,
	// trs or generic. Units and columns may override it.
	Profile string `yaml:"profile"`
	Crawl   Crawl  `yaml:"crawl"`
	// AllowedDomains extends the hosts that links of article pages may
	// point to without an external-link finding: the site's host, *.gov.cn
	// and DefaultAllowedDomains are always allowed. "*.example.cn" allows
	// the domain and its subdomains; "example.cn" only that host.
	AllowedDomains []string `yaml:"allowed_domains"`
}

// Crawl holds the politeness and limits of the crawler.
type Crawl struct {
	RequestsPerSecond float64       `yaml:"requests_per_second"` // per host; 0 means no limit
	Parallelism       int           `yaml:"parallelism"`         // concurrent requests per host
	Timeout           time.Duration `yaml:"timeout"`             // per request
	Retries           int           `yaml:"retries"`             // extra attempts on 5xx, 429, 412, timeouts
	RetryBackoff      time.Duration `yaml:"retry_backoff"`       // first back-off, doubled each attempt
	UserAgent         string        `yaml:"user_agent"`
	ObeyRobots        bool          `yaml:"obey_robots"`
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`    // larger bodies are cut and recorded
	MaxListPages      int           `yaml:"max_list_pages"`    // per column; a longer pager is recorded
	CheckAttachments  bool          `yaml:"check_attachments"` // HEAD/ranged GET every attachment
	CheckLinks        bool          `yaml:"check_links"`       // probe other links on article pages
	// RevalidateDays is the cycle, in nights, of the rolling revalidation
	// of unchanged articles and answered letters: each is requested again
	// (conditionally) on one night of the cycle, or at once when its list
	// entry changed or its last fetch failed.
	RevalidateDays int `yaml:"revalidate_days"`
	// AttachmentHosts are the other hosts (names, e.g. "file.example.gov.cn")
	// whose attachments are probed. Other off-site links and list entries
	// are recorded, never requested.
	AttachmentHosts []string `yaml:"attachment_hosts"`
	// AttachmentText downloads the attachments of the articles in the
	// checks' window and reads their text for the personal-data check.
	AttachmentText bool `yaml:"attachment_text"`
	// MaxAttachmentBytes caps an attachment's download for its text; a
	// larger one is not audited.
	MaxAttachmentBytes int64 `yaml:"max_attachment_bytes"`
}

// Store says where the bbolt file lives.
type Store struct {
	Path string `yaml:"path"`
}

// Unit is one assessed unit (a department, town or subdistrict).
type Unit struct {
	ID      string `yaml:"id"`      // short code, e.g. lzqrmzfbgs
	Name    string `yaml:"name"`    // e.g. 区政府办公室
	Email   string `yaml:"email"`   // contact address for the weekly digest
	Catalog string `yaml:"catalog"` // URL of the unit's open-government catalog
	Profile string `yaml:"profile"` // CMS family; empty means the site's
	// District marks the district government itself, whose annual report is
	// due on 31 March instead of 31 January.
	District bool `yaml:"district"`
}

// Column kinds.
const (
	KindDynamic      = "dynamic"
	KindNotice       = "notice"
	KindPolicy       = "policy"
	KindService      = "service"
	KindPlanning     = "planning"
	KindPersonnel    = "personnel"
	KindStatistics   = "statistics"
	KindAnnualReport = "annual-report"
	KindGuide        = "guide"
	KindCatalog      = "catalog"
	KindOther        = "other"
	// KindInterpretation is a 政策解读 column (interpretation check).
	KindInterpretation = "interpretation"
)

// Column cadences.
const (
	CadenceNone      = "none"
	CadenceMonthly   = "monthly"
	CadenceQuarterly = "quarterly"
	CadenceYearly    = "yearly"
)

// Column is one channel of a unit's catalog that the crawler walks.
type Column struct {
	ID                 string `yaml:"id"`   // stable id; derived from unit and name when empty
	Unit               string `yaml:"unit"` // unit id
	Name               string `yaml:"name"` // e.g. 政策文件
	URL                string `yaml:"url"`
	Kind               string `yaml:"kind"`
	Key                bool   `yaml:"key"`
	RequiresAttachment *bool  `yaml:"requires_attachment"` // nil: policy and service columns
	Cadence            string `yaml:"cadence"`
	// DeadlineDays is the number of calendar days after the end of a period
	// by which that period's item must be published (periodic-gap check).
	DeadlineDays int    `yaml:"deadline_days"`
	Profile      string `yaml:"profile"` // CMS family; empty means the unit's
	// Normative says the column holds 规范性文件 even when an item has no
	// 文号 (interpretation and validity checks).
	Normative bool `yaml:"normative"`
	// Selectors drive the generic profile.
	Selectors *Selectors `yaml:"selectors"`

	// Discover is set on the columns of a template without a path: the
	// crawler finds the channel on the unit's catalog page by one of
	// Match (the template's name and other names). Not part of the YAML.
	Discover bool     `yaml:"-"`
	Match    []string `yaml:"-"`
}

// Template is a column found in every unit's catalog. With a URL path the
// column's URL is the unit's catalog URL joined with the path; with only a
// name, the crawler discovers the channel on the catalog page by its name.
type Template struct {
	Name               string   `yaml:"name"`
	Match              []string `yaml:"match"` // other names of the same channel
	Path               string   `yaml:"path"`
	Kind               string   `yaml:"kind"`
	Key                bool     `yaml:"key"`
	RequiresAttachment *bool    `yaml:"requires_attachment"`
	Cadence            string   `yaml:"cadence"`
	DeadlineDays       int      `yaml:"deadline_days"`
	Normative          bool     `yaml:"normative"` // see Column.Normative
	Units              []string `yaml:"units"`     // empty: every unit with a catalog
}

// Selectors are the CSS selectors of the generic profile.
type Selectors struct {
	Item      string `yaml:"item"`      // one list entry
	Link      string `yaml:"link"`      // within an entry
	Date      string `yaml:"date"`      // within an entry
	Next      string `yaml:"next"`      // the next-page link
	Title     string `yaml:"title"`     // on the article page
	Body      string `yaml:"body"`      // on the article page
	Published string `yaml:"published"` // on the article page
	Written   string `yaml:"written"`   // on the article page
}

// Mailbox is a letter box (区长信箱, 部门信箱) whose answers are timed.
type Mailbox struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	URL     string `yaml:"url"` // the letter list
	Profile string `yaml:"profile"`
	Unit    string `yaml:"unit"` // owning unit id
	// ReplyDays is the reply limit in working days (default rules.mailbox_reply_days).
	ReplyDays int `yaml:"reply_days"`
}

// Rules configures the checks.
type Rules struct {
	// Checks maps a check id to its settings; a check not listed keeps its defaults.
	Checks map[string]Check `yaml:"checks"`
	// PublishDays is the Art. 8 limit in working days (default 20).
	PublishDays int `yaml:"publish_days"`
	// MailboxReplyDays is the Art. 6.4 limit in working days (default 5).
	MailboxReplyDays int `yaml:"mailbox_reply_days"`
	// Stale maps a column kind to the longest gap allowed between posts,
	// in days (national pack; defaults dynamic 14, notice 183, policy 183,
	// planning 365, personnel 365).
	Stale map[string]int `yaml:"stale_days"`
	// Since is the first day ("2025-01-01") of the window the item, letter
	// and period checks look at; empty means 1 January of the year before
	// the as-of date.
	Since string `yaml:"since"`
	// InterpretationDays is the number of working days after a 规范性文件's
	// publication within which its 解读 must be published (default 3).
	InterpretationDays int `yaml:"interpretation_days"`
	// RectifyDays is the number of working days after a notice by which
	// the findings it lists must be fixed (default 10).
	RectifyDays int `yaml:"rectify_days"`
	// Wording extends the shipped word lists of the wording check.
	Wording Wording `yaml:"wording"`
	// Catalog is the 主动公开基本目录 file (CSV or YAML) of the catalog
	// check; empty means the check has nothing to compare.
	Catalog string `yaml:"catalog"`
	// PersonalData configures the personal-data check.
	PersonalData PersonalData `yaml:"personal_data"`
	// Baseline is the date ("2026-10-01") before which draft findings are
	// historical problems (历史问题): listed apart, never in a digest, scored
	// only when confirmed. Empty means the start of the quarter in which
	// the first finding was detected.
	Baseline string `yaml:"baseline"`
}

// Wording configures the wording check.
type Wording struct {
	// Files are extra word-list files (YAML, the format of
	// rules/wordlists/*.yaml), read after the shipped lists.
	Files []string `yaml:"files"`
}

// PersonalData configures the personal-data check.
type PersonalData struct {
	// Allow lists numbers that are legitimately public (a unit's service
	// mobile, a donation account): never findings.
	Allow []string `yaml:"allow"`
}

// Check holds the configurable part of one check.
type Check struct {
	Enabled *bool    `yaml:"enabled"` // nil: the check's default
	Points  *float64 `yaml:"points"`  // default deduction per finding
	Scoring *bool    `yaml:"scoring"` // whether its findings count in scores
}

// Calendar points to holiday data beyond what is built in.
type Calendar struct {
	// Overrides are JSON files in the per-year form
	// {"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}.
	Overrides []string `yaml:"overrides"`
}

// Scoring configures the quarterly scores.
type Scoring struct {
	QuarterPoints float64            `yaml:"quarter_points"`  // default 20
	YearEndPoints float64            `yaml:"year_end_points"` // default 20
	Caps          map[string]float64 `yaml:"caps"`            // check id -> max points per quarter
}

// Notice is what the quarterly notice (通报) prints as an official
// document.
type Notice struct {
	// Office is the issuing office, printed as the signature (落款); default
	// the site's name followed by 政务公开工作领导小组办公室.
	Office string `yaml:"office"`
	// DocNumber is the document number (文号); {year} and {quarter} are
	// replaced, e.g. "临政公开〔{year}〕{quarter}号". Empty leaves a blank
	// number to fill in by hand.
	DocNumber string `yaml:"doc_number"`
	// Recipients is the addressee line (主送); default
	// 各镇人民政府、街道办事处，区政府各部门.
	Recipients string `yaml:"recipients"`
	// RectifyDays is the number of calendar days after the notice's date by
	// which units rectify their problems; default 15.
	RectifyDays int `yaml:"rectify_days"`
	// Contact is whom units report their rectification to, e.g.
	// "区政务公开办，联系电话 0533-0000000"; printed in the notice and the digest.
	Contact string `yaml:"contact"`
}

// Mail holds the SMTP settings of the weekly digest.
type Mail struct {
	Host        string `yaml:"host"`
	Port        int    `yaml:"port"`
	TLS         string `yaml:"tls"` // none, starttls or implicit
	User        string `yaml:"user"`
	PasswordEnv string `yaml:"password_env"` // name of the variable holding the password
	From        string `yaml:"from"`
	FromName    string `yaml:"from_name"`
	Office      string `yaml:"office"` // the office's address, for the summary
}

// Web configures the review UI.
type Web struct {
	Addr          string `yaml:"addr"`           // default 127.0.0.1:8080
	SSOHeader     string `yaml:"sso_header"`     // trusted proxy header carrying the user name
	TrustedProxy  string `yaml:"trusted_proxy"`  // CIDR allowed to set SSOHeader
	AllowViewers  bool   `yaml:"allow_viewers"`  // read-only access without sign-in
	SecureCookies *bool  `yaml:"secure_cookies"` // nil: secure unless on loopback
	SessionHours  int    `yaml:"session_hours"`
}

// Inspector is a person allowed to decide findings.
type Inspector struct {
	Name         string `yaml:"name"`
	PasswordHash string `yaml:"password_hash"` // bcrypt
	Role         string `yaml:"role"`          // inspector (default) or viewer
}

// Schedule holds the daemon's cron specs, in Asia/Shanghai time.
type Schedule struct {
	Crawl  string `yaml:"crawl"`  // default "0 2 * * *"
	Digest string `yaml:"digest"` // default "0 8 * * 1"
	Report string `yaml:"report"` // default: first working day after a quarter, 09:00
}

// Probes configures the availability probes.
type Probes struct {
	Interval time.Duration `yaml:"interval"` // default 30m
	Timeout  time.Duration `yaml:"timeout"`  // default 15s
	Catalogs bool          `yaml:"catalogs"` // probe each unit's catalog page too
}

// CheckPoints validates the points given to one finding by hand (findings
// adjust, in the CLI, the review UI and the API alike): a finite number
// from 0 to a quarter's points. A nil Scoring, or one without quarter
// points, takes the default quarter points.
func (s *Scoring) CheckPoints(p float64) error {
	limit := Default().Scoring.QuarterPoints
	if s != nil && s.QuarterPoints > 0 {
		limit = s.QuarterPoints
	}
	if math.IsNaN(p) || math.IsInf(p, 0) || p < 0 || p > limit {
		return fmt.Errorf("points %v: want a number from 0 to %v (scoring.quarter_points)", p, limit)
	}
	return nil
}
