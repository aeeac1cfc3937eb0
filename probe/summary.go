package probe

import (
	"fmt"
	"sort"
	"time"

	"github.com/govaudit/govaudit/store"
)

// Statuses of a summary, from best to worst. StatusNone means there was
// nothing to judge (no visit, or no successful visit of the home page).
const (
	StatusOK   = "ok"
	StatusWarn = "warn"
	StatusFail = "fail"
	StatusNone = "none"
)

// Limits are the thresholds of the national indicators and of the early
// warnings (as commercial monitors set them).
type Limits struct {
	WarnRatio float64 // failure ratio that warns (0.03)
	FailRatio float64 // failure ratio that fails the site (0.05) …
	MinPerDay int     // … when every day of the week had this many visits (20)
	WarnDays  int     // days without a home-page update that warn (10)
	FailDays  int     // days without a home-page update that fail the site (14)
}

// DefaultLimits returns the national indicators' thresholds.
func DefaultLimits() Limits {
	return Limits{WarnRatio: 0.03, FailRatio: 0.05, MinPerDay: 20, WarnDays: 10, FailDays: 14}
}

// Week is the length of the window a summary covers.
const Week = 7 * 24 * time.Hour

// Summary is one target's week.
type Summary struct {
	Target   string  `json:"target"` // HomeTarget or a unit id
	URL      string  `json:"url"`    // the latest URL probed
	Visits   int     `json:"visits"`
	Failures int     `json:"failures"`
	Ratio    float64 `json:"ratio"` // Failures / Visits
	// PerDay counts the visits of each of the 7 days, oldest first.
	PerDay [7]int `json:"per_day"`
	// Sufficient is true when every day had at least Limits.MinPerDay
	// visits: only then can the ratio fail the site.
	Sufficient bool `json:"sufficient"`
	// Status judges the ratio: ok, warn (≥ 3 %), fail (≥ 5 % with a
	// sufficient sample; with fewer visits it only warns) or none.
	Status    string `json:"status"`
	AvgMS     int64  `json:"avg_ms"` // mean latency of the successful visits
	LastError string `json:"last_error,omitempty"`

	// For the home page only: the newest dated item seen during the week,
	// the days from it to the week's last day, and their judgement: ok,
	// warn (≥ 10 days), fail (≥ 14 days, or no dated item at all), none
	// (no successful visit).
	Newest          string `json:"newest,omitempty"`
	DaysSinceUpdate int    `json:"days_since_update,omitempty"`
	Freshness       string `json:"freshness,omitempty"`
}

// Note returns the summary in one line of Chinese, for the digest and
// the UI, e.g. "首页 一周访问 336 次，失败 4 次（1.2%），正常".
func (s Summary) Note() string {
	name := s.Target
	if name == HomeTarget {
		name = "首页"
	}
	return s.NoteAs(name)
}

// StatusWord returns a status (ok, warn, fail, none) in Chinese.
func StatusWord(status string) string {
	if w, ok := statusWord[status]; ok {
		return w
	}
	return status
}

// NoteAs is Note with the page called name, e.g. "区发改局目录页".
func (s Summary) NoteAs(name string) string {
	if s.Visits == 0 {
		return name + " 本周无探测记录"
	}
	line := fmt.Sprintf("%s 一周访问 %d 次，失败 %d 次（%.1f%%），%s", name, s.Visits, s.Failures,
		100*s.Ratio, statusWord[s.Status])
	if !s.Sufficient && s.Ratio >= DefaultLimits().FailRatio {
		line += "（样本不足每日 20 次，仅预警）"
	}
	if s.Target == HomeTarget && s.Freshness != "" && s.Freshness != StatusNone {
		if s.Newest == "" {
			line += "；首页未见带日期的信息（视为未更新）"
		} else {
			line += fmt.Sprintf("；首页最新信息 %s，已 %d 天未更新，%s", s.Newest, s.DaysSinceUpdate, statusWord[s.Freshness])
		}
	}
	return line
}

var statusWord = map[string]string{StatusOK: "正常", StatusWarn: "预警", StatusFail: "不合格", StatusNone: "无数据"}

// Summarize returns per-target figures for the week before weekEnd
// (weekEnd − 7×24 h ≤ At < weekEnd) with the default limits. Pass a
// midnight in CST as weekEnd for calendar days. The home page comes
// first, then the other targets by name.
func Summarize(probes []store.Probe, weekEnd time.Time) []Summary {
	return SummarizeWith(probes, weekEnd, DefaultLimits())
}

// SummarizeWith is Summarize with other limits.
func SummarizeWith(probes []store.Probe, weekEnd time.Time, lim Limits) []Summary {
	start := weekEnd.Add(-Week)
	type acc struct {
		s       Summary
		lastAt  time.Time
		okMS    int64
		okCount int
		homeOK  bool
	}
	by := map[string]*acc{}
	for _, p := range probes {
		if p.At.Before(start) || !p.At.Before(weekEnd) {
			continue
		}
		a := by[p.Target]
		if a == nil {
			a = &acc{s: Summary{Target: p.Target}}
			by[p.Target] = a
		}
		a.s.Visits++
		a.s.PerDay[int(p.At.Sub(start)/(24*time.Hour))]++
		if !p.At.Before(a.lastAt) {
			a.lastAt = p.At
			a.s.URL = p.URL
		}
		if p.OK {
			a.okMS += p.LatencyMS
			a.okCount++
			if p.Target == HomeTarget {
				a.homeOK = true
				if p.Newest > a.s.Newest {
					a.s.Newest = p.Newest
				}
			}
		} else {
			a.s.Failures++
			a.s.LastError = p.Err
		}
	}
	lastDay := weekEnd.Add(-time.Nanosecond).In(cst)
	lastDay = time.Date(lastDay.Year(), lastDay.Month(), lastDay.Day(), 0, 0, 0, 0, cst)
	out := make([]Summary, 0, len(by))
	for _, a := range by {
		s := a.s
		s.Ratio = float64(s.Failures) / float64(s.Visits)
		if a.okCount > 0 {
			s.AvgMS = a.okMS / int64(a.okCount)
		}
		s.Sufficient = true
		for _, n := range s.PerDay {
			if n < lim.MinPerDay {
				s.Sufficient = false
			}
		}
		switch {
		case s.Ratio >= lim.FailRatio && s.Sufficient:
			s.Status = StatusFail
		case s.Ratio >= lim.WarnRatio:
			s.Status = StatusWarn
		default:
			s.Status = StatusOK
		}
		if s.Target == HomeTarget {
			s.Freshness = freshness(&s, a.homeOK, lastDay, lim)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Target == HomeTarget) != (out[j].Target == HomeTarget) {
			return out[i].Target == HomeTarget
		}
		return out[i].Target < out[j].Target
	})
	return out
}

// freshness judges the home page's newest item against lastDay and sets
// DaysSinceUpdate.
func freshness(s *Summary, anyOK bool, lastDay time.Time, lim Limits) string {
	if !anyOK {
		return StatusNone
	}
	if s.Newest == "" {
		return StatusFail
	}
	d, err := time.ParseInLocation(time.DateOnly, s.Newest, cst)
	if err != nil {
		return StatusFail
	}
	s.DaysSinceUpdate = int(lastDay.Sub(d).Hours()/24 + 0.5)
	switch {
	case s.DaysSinceUpdate >= lim.FailDays:
		return StatusFail
	case s.DaysSinceUpdate >= lim.WarnDays:
		return StatusWarn
	}
	return StatusOK
}

// Source is where probes are kept (a *store.Store).
type Source interface {
	Probes(since, until time.Time) ([]store.Probe, error)
}

// WeekOf reads the probes of the week before weekEnd from src and
// summarizes them.
func WeekOf(src Source, weekEnd time.Time) ([]Summary, error) {
	ps, err := src.Probes(weekEnd.Add(-Week), weekEnd)
	if err != nil {
		return nil, fmt.Errorf("read probes: %w", err)
	}
	return Summarize(ps, weekEnd), nil
}
