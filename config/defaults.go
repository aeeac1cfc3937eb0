package config

import "time"

// CMS profiles (page families) the crawler knows.
const (
	ProfileGongkai = "gongkai"
	ProfileHanweb  = "hanweb"
	ProfileTRS     = "trs"
	ProfileGeneric = "generic"
)

// Mail TLS modes.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
)

// Inspector roles.
const (
	RoleInspector = "inspector"
	RoleViewer    = "viewer"
)

// DefaultUserAgent names the tool to the sites it crawls.
const DefaultUserAgent = "govaudit/1 (+政务公开 audit)"

// DefaultStorePath is the store file, relative to the configuration file.
const DefaultStorePath = "govaudit.db"

// Kinds returns the column kinds, in the order they are documented.
func Kinds() []string {
	return []string{KindDynamic, KindNotice, KindPolicy, KindService, KindPlanning, KindPersonnel,
		KindStatistics, KindAnnualReport, KindGuide, KindCatalog, KindOther, KindInterpretation}
}

// Cadences returns the column cadences.
func Cadences() []string {
	return []string{CadenceNone, CadenceMonthly, CadenceQuarterly, CadenceYearly}
}

// Profiles returns the CMS profiles.
func Profiles() []string {
	return []string{ProfileGongkai, ProfileHanweb, ProfileTRS, ProfileGeneric}
}

// DefaultStaleDays returns the longest gap allowed between posts per column
// kind (national spot-check indicators); kinds not listed are never stale.
func DefaultStaleDays() map[string]int {
	return map[string]int{
		KindDynamic:   14,
		KindNotice:    183,
		KindPolicy:    183,
		KindPlanning:  365,
		KindPersonnel: 365,
	}
}

// DefaultRequiresAttachment reports whether columns of kind must carry
// attachment downloads when the configuration does not say: policy and
// service documents (Art. 13.2 of the measures).
func DefaultRequiresAttachment(kind string) bool {
	return kind == KindPolicy || kind == KindService
}

// DefaultDeadlineDays returns the days after the end of a period by which a
// periodic column's item is due: monthly 15, quarterly 20, yearly 31; 0 for
// columns without a cadence.
func DefaultDeadlineDays(cadence string) int {
	switch cadence {
	case CadenceMonthly:
		return 15
	case CadenceQuarterly:
		return 20
	case CadenceYearly:
		return 31
	}
	return 0
}

// DefaultColumnID returns the id of a column that has none: "<unit>/<name>".
func DefaultColumnID(unit, name string) string {
	return unit + "/" + name
}

// defaultMailboxID returns the id of a mailbox that has none.
func defaultMailboxID(unit, name string) string {
	if unit == "" {
		return name
	}
	return unit + "/" + name
}

// Default returns a configuration holding every default: the crawl
// politeness, the rule settings, the web, schedule and probe settings, the
// store path and the 46 default units. Site, columns and mailboxes are empty.
//
// The loader decodes a file over Default(), so a key absent from the file
// keeps its default while an explicit value, even 0 or false, is kept.
func Default() *Config {
	return &Config{
		Site: Site{
			Profile: ProfileGongkai,
			Crawl: Crawl{
				RequestsPerSecond: 2,
				Parallelism:       2,
				Timeout:           15 * time.Second,
				Retries:           3,
				RetryBackoff:      time.Second,
				UserAgent:         DefaultUserAgent,
				ObeyRobots:        true,
				MaxBodyBytes:      10 << 20,
				MaxListPages:      200,
				CheckAttachments:  true,
				RevalidateDays:    7,
				// Content checks (personal-data).
				AttachmentText:     true,
				MaxAttachmentBytes: DefaultMaxAttachmentBytes,
			},
		},
		Store: Store{Path: DefaultStorePath},
		Units: DefaultUnits(),
		Rules: Rules{
			PublishDays:        20,
			MailboxReplyDays:   5,
			InterpretationDays: 3,
			RectifyDays:        10,
			Stale:              DefaultStaleDays(),
		},
		Scoring:  Scoring{QuarterPoints: 20, YearEndPoints: 20},
		Web:      Web{Addr: "127.0.0.1:8080", SessionHours: 12},
		Schedule: Schedule{Crawl: "0 2 * * *", Digest: "0 8 * * 1"},
		Probes:   Probes{Interval: 30 * time.Minute, Timeout: 15 * time.Second},
	}
}

// ApplyDefaults fills the unset settings of c, for a configuration built in
// code as well as a loaded one: zero durations, counts, addresses and
// strings get their defaults (see Default), a column gets its id
// ("<unit>/<name>"), cadence none, requires_attachment by kind and
// deadline_days by cadence, a mailbox its id and reply days.
//
// Settings where zero means something (requests_per_second 0 is "no
// limit", retries 0 is "no retry") and booleans are left alone: only the
// loader, which decodes over Default, can tell them from absent ones.
func (c *Config) ApplyDefaults() {
	d := Default()
	cr, dc := &c.Site.Crawl, d.Site.Crawl
	if c.Site.Profile == "" {
		c.Site.Profile = d.Site.Profile
	}
	setInt(&cr.Parallelism, dc.Parallelism)
	setDur(&cr.Timeout, dc.Timeout)
	setDur(&cr.RetryBackoff, dc.RetryBackoff)
	setStr(&cr.UserAgent, dc.UserAgent)
	if cr.MaxBodyBytes == 0 {
		cr.MaxBodyBytes = dc.MaxBodyBytes
	}
	setInt(&cr.MaxListPages, dc.MaxListPages)
	setInt(&cr.RevalidateDays, dc.RevalidateDays)
	if cr.MaxAttachmentBytes == 0 {
		cr.MaxAttachmentBytes = dc.MaxAttachmentBytes
	}
	setStr(&c.Store.Path, d.Store.Path)

	setInt(&c.Rules.PublishDays, d.Rules.PublishDays)
	setInt(&c.Rules.MailboxReplyDays, d.Rules.MailboxReplyDays)
	setInt(&c.Rules.InterpretationDays, d.Rules.InterpretationDays)
	setInt(&c.Rules.RectifyDays, d.Rules.RectifyDays)
	if c.Scoring.QuarterPoints == 0 {
		c.Scoring.QuarterPoints = d.Scoring.QuarterPoints
	}
	if c.Scoring.YearEndPoints == 0 {
		c.Scoring.YearEndPoints = d.Scoring.YearEndPoints
	}
	if c.Notice.Office == "" && c.Site.Name != "" {
		c.Notice.Office = c.Site.Name + "政务公开工作领导小组办公室"
	}
	setStr(&c.Notice.Recipients, "各镇人民政府、街道办事处，区政府各部门")
	setInt(&c.Notice.RectifyDays, 15)
	setStr(&c.Web.Addr, d.Web.Addr)
	setInt(&c.Web.SessionHours, d.Web.SessionHours)
	setStr(&c.Schedule.Crawl, d.Schedule.Crawl)
	setStr(&c.Schedule.Digest, d.Schedule.Digest)
	setDur(&c.Probes.Interval, d.Probes.Interval)
	setDur(&c.Probes.Timeout, d.Probes.Timeout)
	c.applyDerived()
}

// applyDerived fills what the loader cannot take from Default: the stale
// days of kinds the file left out, the mail port and TLS mode, and the
// defaults of each column, mailbox and inspector.
func (c *Config) applyDerived() {
	if c.Rules.Stale == nil {
		c.Rules.Stale = map[string]int{}
	}
	for k, v := range DefaultStaleDays() {
		if _, ok := c.Rules.Stale[k]; !ok {
			c.Rules.Stale[k] = v
		}
	}
	if c.Mail.Host != "" {
		setStr(&c.Mail.TLS, TLSStartTLS)
		if c.Mail.Port == 0 {
			switch c.Mail.TLS {
			case TLSImplicit:
				c.Mail.Port = 465
			case TLSNone:
				c.Mail.Port = 25
			default:
				c.Mail.Port = 587
			}
		}
	}
	for i := range c.Columns {
		applyColumnDefaults(&c.Columns[i])
	}
	for i := range c.Mailboxes {
		m := &c.Mailboxes[i]
		setStr(&m.ID, defaultMailboxID(m.Unit, m.Name))
		setInt(&m.ReplyDays, c.Rules.MailboxReplyDays)
	}
	for i := range c.Inspectors {
		setStr(&c.Inspectors[i].Role, RoleInspector)
	}
}

// applyColumnDefaults fills a column's id, cadence, requires_attachment
// and deadline_days.
func applyColumnDefaults(col *Column) {
	setStr(&col.ID, DefaultColumnID(col.Unit, col.Name))
	setStr(&col.Cadence, CadenceNone)
	if col.RequiresAttachment == nil {
		b := DefaultRequiresAttachment(col.Kind)
		col.RequiresAttachment = &b
	}
	setInt(&col.DeadlineDays, DefaultDeadlineDays(col.Cadence))
}

func setInt(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}

func setStr(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func setDur(p *time.Duration, v time.Duration) {
	if *p == 0 {
		*p = v
	}
}
