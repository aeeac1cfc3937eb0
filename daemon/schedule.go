package daemon

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/govaudit/govaudit/config"
)

// Job names. Each job's runs are recorded as store.Runs of that kind.
const (
	JobNightly = "nightly" // crawl, then check
	JobDigest  = "digest"  // the weekly digest
	JobReport  = "report"  // the quarterly notice (通报)
	JobProbe   = "probe"   // availability probes (recorded as store.Probes, not Runs)
)

// Default specs, in Asia/Shanghai time.
const (
	DefaultNightlySpec = "0 2 * * *"
	DefaultDigestSpec  = "0 8 * * 1"
	// DefaultReportSpec runs daily; the job acts only on the first working
	// day after a quarter ends (and catches up if that day was missed).
	DefaultReportSpec = "0 9 * * *"
)

// Location returns Asia/Shanghai from the system's time zone database, or
// a fixed UTC+8 zone (China has no daylight saving time) when the database
// is absent.
func Location() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// parser accepts the standard five fields, an optional leading seconds
// field, descriptors (@daily, @every 1h) and a CRON_TZ= prefix.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSpec parses one cron spec. A spec that can never fire is refused.
func ParseSpec(spec string) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	// robfig/cron panics on a time zone prefix without a following spec
	// ("CRON_TZ=UTC"); turn that into an error.
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("%q is not a cron spec", spec)
		}
	}()
	sched, err = parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron spec (want e.g. \"0 2 * * *\" = 02:00 every day): %v", spec, err)
	}
	if sched.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("%q never fires", spec)
	}
	return sched, nil
}

// Entry is one scheduled job of a configuration.
type Entry struct {
	Job   string // JobNightly …
	Field string // the configuration key, e.g. schedule.crawl
	Spec  string // as written, or the default
	// Gated is true for the default report schedule: the job runs daily
	// and acts only when the quarterly notice is due.
	Gated    bool
	Schedule cron.Schedule
}

// Schedule returns the jobs the configuration schedules: nightly
// (schedule.crawl), digest (schedule.digest), report (schedule.report)
// and probe (every probes.interval). A bad spec is a *config.Error naming
// the file and the line of its key; several bad specs give a
// config.ErrorList.
func Schedule(cfg *config.Config) ([]Entry, error) {
	specs := []struct {
		job, key, spec, def string
	}{
		{JobNightly, "crawl", cfg.Schedule.Crawl, DefaultNightlySpec},
		{JobDigest, "digest", cfg.Schedule.Digest, DefaultDigestSpec},
		{JobReport, "report", cfg.Schedule.Report, DefaultReportSpec},
	}
	var out []Entry
	var errs config.ErrorList
	for _, s := range specs {
		e := Entry{Job: s.job, Field: "schedule." + s.key, Spec: s.spec}
		if strings.TrimSpace(e.Spec) == "" {
			e.Spec, e.Gated = s.def, s.job == JobReport
		}
		sched, err := ParseSpec(e.Spec)
		if err != nil {
			errs = append(errs, &config.Error{File: cfg.Path, Line: configLine(cfg.Path, "schedule", s.key),
				Field: e.Field, Msg: err.Error()})
			continue
		}
		e.Schedule = sched
		out = append(out, e)
	}
	interval := cfg.Probes.Interval
	if interval <= 0 {
		interval = 30 * time.Minute
	}
	if interval < time.Second {
		errs = append(errs, &config.Error{File: cfg.Path, Line: configLine(cfg.Path, "probes", "interval"),
			Field: "probes.interval", Msg: fmt.Sprintf("%s is shorter than a second", interval)})
	} else {
		out = append(out, Entry{Job: JobProbe, Field: "probes.interval", Spec: "@every " + interval.String(),
			Schedule: cron.Every(interval)})
	}
	switch len(errs) {
	case 0:
		return out, nil
	case 1:
		return nil, errs[0]
	}
	return nil, errs
}

// CheckSchedule validates the schedule of cfg (see Schedule).
func CheckSchedule(cfg *config.Config) error {
	_, err := Schedule(cfg)
	return err
}

// configLine returns the line of the key path (e.g. "schedule", "crawl")
// in the YAML file at path, or 0 when it cannot tell.
func configLine(path string, keys ...string) int {
	if path == "" {
		return 0
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return 0
	}
	n := doc.Content[0]
	line := 0
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				line, next = n.Content[i].Line, n.Content[i+1]
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// previous returns the latest activation of sched at or before now, or
// false when there was none within about a year.
func previous(sched cron.Schedule, now time.Time) (time.Time, bool) {
	for _, back := range []time.Duration{time.Hour, 26 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 93 * 24 * time.Hour, 367 * 24 * time.Hour} {
		var prev time.Time
		n := 0
		for t := sched.Next(now.Add(-back)); !t.IsZero() && !t.After(now) && n < 100000; t = sched.Next(t) {
			prev = t
			n++
		}
		if !prev.IsZero() {
			return prev, true
		}
	}
	return time.Time{}, false
}
