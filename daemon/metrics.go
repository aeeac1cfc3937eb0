package daemon

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/govaudit/govaudit/probe"
	"github.com/govaudit/govaudit/store"
)

// metrics are the daemon's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg *prometheus.Registry

	lastStart *prometheus.GaugeVec
	lastEnd   *prometheus.GaugeVec
	lastDur   *prometheus.GaugeVec
	lastOK    *prometheus.GaugeVec
	running   *prometheus.GaugeVec
	runs      *prometheus.CounterVec
	skipped   *prometheus.CounterVec

	pages     prometheus.Counter
	lastPages prometheus.Gauge
	crawlErrs *prometheus.CounterVec

	probeUp    *prometheus.GaugeVec
	probeLat   *prometheus.GaugeVec
	probes     *prometheus.CounterVec
	weekRatio  *prometheus.GaugeVec
	weekStatus *prometheus.GaugeVec
	homeDays   prometheus.Gauge
}

func newMetrics(st *store.Store, log *slog.Logger) *metrics {
	job := []string{"job"}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		lastStart: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_job_last_start_timestamp_seconds",
			Help: "Start of the job's latest run (Unix time)."}, job),
		lastEnd: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_job_last_end_timestamp_seconds",
			Help: "End of the job's latest finished run (Unix time)."}, job),
		lastDur: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_job_last_duration_seconds",
			Help: "Duration of the job's latest finished run."}, job),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_job_last_success",
			Help: "1 if the job's latest finished run succeeded, 0 if it failed or was interrupted."}, job),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_job_running",
			Help: "1 while the job runs."}, job),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "govaudit_job_runs_total",
			Help: "Runs of the job by this process, by outcome (ok, failed, interrupted)."}, []string{"job", "outcome"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "govaudit_job_skipped_total",
			Help: "Activations skipped because the job's previous run was still going."}, job),
		pages: prometheus.NewCounter(prometheus.CounterOpts{Name: "govaudit_crawl_pages_fetched_total",
			Help: "Pages fetched by the crawls of this process."}),
		lastPages: prometheus.NewGauge(prometheus.GaugeOpts{Name: "govaudit_crawl_last_pages_fetched",
			Help: "Pages fetched by the latest crawl."}),
		crawlErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "govaudit_crawl_errors_total",
			Help: "Fetch errors of the crawls of this process, by kind (timeout, http-5xx, blocked …)."}, []string{"kind"}),
		probeUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_probe_up",
			Help: "1 if the target's latest probe succeeded."}, []string{"target"}),
		probeLat: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_probe_latency_seconds",
			Help: "Duration of the target's latest probe."}, []string{"target"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "govaudit_probes_total",
			Help: "Probes made by this process, by target and outcome (ok, fail)."}, []string{"target", "outcome"}),
		weekRatio: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_probe_week_failure_ratio",
			Help: "Failed probes / probes over the last 7 days (the national limit is 0.05)."}, []string{"target"}),
		weekStatus: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "govaudit_probe_week_status",
			Help: "The week's availability judgement: 0 ok, 1 warn, 2 fail."}, []string{"target"}),
		homeDays: prometheus.NewGauge(prometheus.GaugeOpts{Name: "govaudit_home_days_since_update",
			Help: "Days since the home page's newest dated item (warn 10, fail 14)."}),
	}
	m.reg.MustRegister(m.lastStart, m.lastEnd, m.lastDur, m.lastOK, m.running, m.runs, m.skipped,
		m.pages, m.lastPages, m.crawlErrs,
		m.probeUp, m.probeLat, m.probes, m.weekRatio, m.weekStatus, m.homeDays,
		&findingsCollector{st: st, log: log},
		&verdictCollector{st: st, log: log}, // issue 15: verdict_metrics.go
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// started marks a run of job as started.
func (m *metrics) started(job string, r store.Run) {
	m.lastStart.WithLabelValues(job).Set(float64(r.StartedAt.Unix()))
	m.running.WithLabelValues(job).Set(1)
}

// finished records a run that ended; counted is false for runs read back
// from the store at start-up.
func (m *metrics) finished(job string, r store.Run, counted bool) {
	m.running.WithLabelValues(job).Set(0)
	if r.StartedAt.IsZero() {
		return
	}
	m.lastStart.WithLabelValues(job).Set(float64(r.StartedAt.Unix()))
	if r.Status == store.RunRunning || r.EndedAt.IsZero() {
		return
	}
	m.lastEnd.WithLabelValues(job).Set(float64(r.EndedAt.Unix()))
	m.lastDur.WithLabelValues(job).Set(r.EndedAt.Sub(r.StartedAt).Seconds())
	ok := 0.0
	if r.Status == store.RunOK {
		ok = 1
	}
	m.lastOK.WithLabelValues(job).Set(ok)
	if job == JobNightly {
		m.lastPages.Set(float64(r.Pages))
	}
	if !counted {
		return
	}
	m.runs.WithLabelValues(job, r.Status).Inc()
	if job == JobNightly {
		m.pages.Add(float64(r.Pages))
		for kind, n := range r.Errors {
			m.crawlErrs.WithLabelValues(kind).Add(float64(n))
		}
	}
}

// probed records a round of probes and the week's summaries.
func (m *metrics) probed(ps []store.Probe, week []probe.Summary) {
	for _, p := range ps {
		up, outcome := 0.0, "fail"
		if p.OK {
			up, outcome = 1, "ok"
		}
		m.probeUp.WithLabelValues(p.Target).Set(up)
		m.probeLat.WithLabelValues(p.Target).Set(float64(p.LatencyMS) / 1000)
		m.probes.WithLabelValues(p.Target, outcome).Inc()
	}
	for _, s := range week {
		m.weekRatio.WithLabelValues(s.Target).Set(s.Ratio)
		m.weekStatus.WithLabelValues(s.Target).Set(statusLevel[s.Status])
		if s.Target == probe.HomeTarget && s.Freshness != probe.StatusNone {
			m.homeDays.Set(float64(s.DaysSinceUpdate))
		}
	}
}

var statusLevel = map[string]float64{probe.StatusOK: 0, probe.StatusWarn: 1, probe.StatusFail: 2, probe.StatusNone: 0}

// findingsCollector counts findings by status when scraped.
type findingsCollector struct {
	st  *store.Store
	log *slog.Logger
}

var findingsDesc = prometheus.NewDesc("govaudit_findings", "Findings in the store by status.", []string{"status"}, nil)

// Describe implements prometheus.Collector.
func (c *findingsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- findingsDesc }

// Collect implements prometheus.Collector.
func (c *findingsCollector) Collect(ch chan<- prometheus.Metric) {
	counts := map[string]int{store.StatusDraft: 0, store.StatusConfirmed: 0, store.StatusDismissed: 0, store.StatusResolved: 0}
	err := c.st.EachFinding(func(f store.Finding) error {
		counts[f.Status]++
		return nil
	})
	if err != nil {
		c.log.Error("metrics: count findings", "err", err)
		ch <- prometheus.NewInvalidMetric(findingsDesc, err)
		return
	}
	for s, n := range counts {
		ch <- prometheus.MustNewConstMetric(findingsDesc, prometheus.GaugeValue, float64(n), s)
	}
}
