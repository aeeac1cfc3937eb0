package daemon

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govaudit/govaudit/store"
)

// verdictCollector exports the site's latest national verdict (单项否决,
// computed by each check run and kept in the store) when scraped.
type verdictCollector struct {
	st  *store.Store
	log *slog.Logger
}

var (
	verdictStatusDesc = prometheus.NewDesc("govaudit_verdict_status",
		"The site's latest national verdict (单项否决): 0 ok, 1 warn (early warning), 2 fail, -1 nothing to judge.", []string{"week"}, nil)
	verdictIndStatusDesc = prometheus.NewDesc("govaudit_verdict_indicator_status",
		"Status of one veto indicator of the latest verdict: 0 ok, 1 warn, 2 fail, -1 nothing to judge.", []string{"indicator"}, nil)
	verdictIndValueDesc = prometheus.NewDesc("govaudit_verdict_indicator_value",
		"Measured value of one veto indicator (availability: failure %; home-update: days; stale-columns, blank-columns: columns; interaction: letters).", []string{"indicator"}, nil)
	verdictIndFailDesc = prometheus.NewDesc("govaudit_verdict_indicator_fail_threshold",
		"The value from which the indicator fails the site.", []string{"indicator"}, nil)
)

// verdictLevel maps a verdict status to the gauge value.
var verdictLevel = map[string]float64{store.VerdictOK: 0, store.VerdictWarn: 1, store.VerdictFail: 2, store.VerdictNone: -1}

// Describe implements prometheus.Collector.
func (c *verdictCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- verdictStatusDesc
	ch <- verdictIndStatusDesc
	ch <- verdictIndValueDesc
	ch <- verdictIndFailDesc
}

// Collect implements prometheus.Collector.
func (c *verdictCollector) Collect(ch chan<- prometheus.Metric) {
	v, ok, err := c.st.LatestVerdict()
	if err != nil {
		c.log.Error("metrics: latest verdict", "err", err)
		ch <- prometheus.NewInvalidMetric(verdictStatusDesc, err)
		return
	}
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(verdictStatusDesc, prometheus.GaugeValue, verdictLevel[v.Status], v.Week)
	for _, ind := range v.Indicators {
		ch <- prometheus.MustNewConstMetric(verdictIndStatusDesc, prometheus.GaugeValue, verdictLevel[ind.Status], ind.ID)
		ch <- prometheus.MustNewConstMetric(verdictIndValueDesc, prometheus.GaugeValue, ind.Value, ind.ID)
		ch <- prometheus.MustNewConstMetric(verdictIndFailDesc, prometheus.GaugeValue, ind.Fail, ind.ID)
	}
}
