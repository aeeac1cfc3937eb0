package portalsim

import (
	"time"

	"github.com/govaudit/govaudit/config"
)

// Config returns a configuration for govaudit that audits the portal
// served at baseURL: the site with crawl settings suited to a loopback
// server, the units with their catalogs and page families, every column
// explicitly (id "<unit id>/<column name>"), the mailboxes and the rule
// defaults.
func (s *Sim) Config(baseURL string) *config.Config {
	base := trimBase(baseURL)
	cfg := &config.Config{
		Site: config.Site{
			Name:    siteName,
			BaseURL: base + "/",
			Profile: "gongkai",
			Crawl: config.Crawl{
				RequestsPerSecond: 0,
				Parallelism:       8,
				Timeout:           5 * time.Second,
				Retries:           2,
				RetryBackoff:      50 * time.Millisecond,
				UserAgent:         "govaudit/dev (+https://github.com/govaudit/govaudit)",
				ObeyRobots:        true,
				MaxBodyBytes:      10 << 20,
				MaxListPages:      200,
				CheckAttachments:  true,
				CheckLinks:        true,
				// content.go: attachment text for personal-data.
				AttachmentText: true, MaxAttachmentBytes: 20 << 20,
			},
		},
		Store: config.Store{Path: "govaudit.db"},
		Rules: config.Rules{
			PublishDays:      20,
			MailboxReplyDays: 5,
			Stale: map[string]int{
				config.KindDynamic:   14,
				config.KindNotice:    183,
				config.KindPolicy:    183,
				config.KindPlanning:  365,
				config.KindPersonnel: 365,
			},
		},
		Scoring: config.Scoring{QuarterPoints: 20, YearEndPoints: 20},
		Mail:    config.Mail{Office: "gkb@example.gov.cn", From: "govaudit@example.gov.cn", FromName: "临淄区政务公开办公室"},
	}
	for _, u := range s.units {
		cfg.Units = append(cfg.Units, config.Unit{
			ID:       u.id,
			Name:     u.name,
			Email:    u.id + "@example.gov.cn",
			Catalog:  base + u.catalogPath(),
			Profile:  u.fam.String(),
			District: u.district,
		})
		for _, c := range u.cols {
			cfg.Columns = append(cfg.Columns, config.Column{
				ID:           c.id(),
				Unit:         u.id,
				Name:         c.spec.name,
				URL:          base + c.listPath(1),
				Kind:         c.spec.kind,
				Key:          c.key,
				Cadence:      c.spec.cadence,
				DeadlineDays: defaultDeadlineDays(c.spec.cadence),
			})
		}
	}
	cfg.Rules.Catalog = s.catalogPath // content.go
	for _, mb := range s.mailboxes {
		cfg.Mailboxes = append(cfg.Mailboxes, config.Mailbox{
			ID:   mb.id,
			Name: mb.name,
			URL:  base + mb.dir(),
			Unit: mb.owner.id,
		})
	}
	return cfg
}
