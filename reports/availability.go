package reports

import (
	"fmt"

	"github.com/govaudit/govaudit/config"
	"github.com/govaudit/govaudit/probe"
)

// Availability is the digest's account of the portal's availability over
// the week, from the probes: the failure ratio of the visits against the
// national limit (a site fails at 5 % of at least 20 visits a day; the
// digest warns at 3 %) and the freshness of the home page.
type Availability struct {
	// Home is the home page's week; nil when it was not probed.
	Home *probe.Summary
	// Catalogs are the units' catalog pages that were probed, in the
	// order of the configuration (units missing from it last).
	Catalogs []CatalogAvailability
}

// CatalogAvailability is one unit's catalog page over the week.
type CatalogAvailability struct {
	Unit    config.Unit
	Summary probe.Summary
}

// Any reports whether anything was probed in the week.
func (a Availability) Any() bool { return a.Home != nil || len(a.Catalogs) > 0 }

// Alerts returns the catalog pages whose failure ratio warns or fails.
func (a Availability) Alerts() []CatalogAvailability {
	var out []CatalogAvailability
	for _, c := range a.Catalogs {
		if availabilityAlert(c.Summary) {
			out = append(out, c)
		}
	}
	return out
}

// CatalogsOK counts the catalog pages without an alert.
func (a Availability) CatalogsOK() int { return len(a.Catalogs) - len(a.Alerts()) }

// availabilityAlert reports whether a page's week needs the unit's
// attention: its failure ratio warns or fails.
func availabilityAlert(s probe.Summary) bool {
	return s.Status == probe.StatusWarn || s.Status == probe.StatusFail
}

// AvailabilityLimits is the sentence that states the limits, in Chinese.
func AvailabilityLimits() string {
	lim := probe.DefaultLimits()
	return fmt.Sprintf("国家政府网站指标：15 秒内无法打开的访问占比达到 %s%%（每日不少于 %d 次访问）即为不合格，达到 %s%% 预警；"+
		"首页 %d 天未更新即为不合格，%d 天预警。",
		FormatPoints(100*lim.FailRatio), lim.MinPerDay, FormatPoints(100*lim.WarnRatio), lim.FailDays, lim.WarnDays)
}

// homeNote writes the home page's week in one line of Chinese.
func homeNote(s probe.Summary) string { return s.NoteAs("门户网站首页") }

// catalogNote writes a catalog page's week in one line of Chinese.
func catalogNote(c CatalogAvailability) string {
	return c.Summary.NoteAs(oneLine(c.Unit.Name) + "目录页")
}

// buildAvailability sorts the week's summaries into the home page and
// the units' catalog pages.
func buildAvailability(sums []probe.Summary, units []config.Unit) Availability {
	var a Availability
	byUnit := map[string]probe.Summary{}
	for _, s := range sums {
		if s.Visits == 0 {
			continue
		}
		if s.Target == probe.HomeTarget {
			h := s
			a.Home = &h
			continue
		}
		byUnit[s.Target] = s
	}
	known := map[string]bool{}
	for _, u := range units {
		known[u.ID] = true
		if s, ok := byUnit[u.ID]; ok {
			a.Catalogs = append(a.Catalogs, CatalogAvailability{Unit: u, Summary: s})
		}
	}
	extra := map[string]bool{}
	for id := range byUnit {
		extra[id] = !known[id]
	}
	for _, id := range orderUnits(nil, extra) {
		if extra[id] {
			a.Catalogs = append(a.Catalogs, CatalogAvailability{Unit: config.Unit{ID: id, Name: id}, Summary: byUnit[id]})
		}
	}
	return a
}
