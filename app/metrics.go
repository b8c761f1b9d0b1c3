package app

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the app's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	records    *prometheus.CounterVec
	rejections *prometheus.CounterVec
	sigVerify  prometheus.Histogram
	cacheHits  prometheus.Counter
	batchSize  prometheus.Histogram
	height     prometheus.Gauge
	logSize    prometheus.Gauge
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "sealchain", Name: "records_appended_total",
			Help: "Records appended to the evidence log, by record type.",
		}, []string{"type"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "sealchain", Name: "tx_rejections_total",
			Help: "Transactions rejected, by ABCI code and stage (check, proposal, finalize).",
		}, []string{"code", "stage"}),
		sigVerify: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "sealchain", Name: "signature_verify_seconds",
			Help:    "Time to verify all signatures of one transaction (cache misses only).",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 12),
		}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "sealchain", Name: "signature_cache_hits_total",
			Help: "Transactions whose signatures were already verified on this node.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "sealchain", Name: "batch_records",
			Help:    "Records per batch transaction finalized.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		height: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "sealchain", Name: "committed_height",
			Help: "Last height the app committed.",
		}),
		logSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "sealchain", Name: "log_size",
			Help: "Records in the evidence log at the last committed height.",
		}),
	}
	reg.MustRegister(m.records, m.rejections, m.sigVerify, m.cacheHits, m.batchSize, m.height, m.logSize)
	return m
}

func (m *Metrics) recordAppended(typ string) {
	if m != nil {
		m.records.WithLabelValues(typ).Inc()
	}
}

func (m *Metrics) rejected(code uint32, stage string) {
	if m != nil {
		m.rejections.WithLabelValues(strconv.FormatUint(uint64(code), 10), stage).Inc()
	}
}

func (m *Metrics) sigCacheHit() {
	if m != nil {
		m.cacheHits.Inc()
	}
}

func (m *Metrics) sigVerifyTimer() func() {
	if m == nil {
		return func() {}
	}
	start := time.Now() // metrics only; never reaches state
	return func() { m.sigVerify.Observe(time.Since(start).Seconds()) }
}

func (m *Metrics) committed(height int64, size uint64) {
	if m != nil {
		m.height.Set(float64(height))
		m.logSize.Set(float64(size))
	}
}

func (m *Metrics) batchExecuted(records int) {
	if m != nil {
		m.batchSize.Observe(float64(records))
	}
}
