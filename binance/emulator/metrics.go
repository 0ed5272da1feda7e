package emulator

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the exchange's Prometheus metrics, in a registry of its own
// so that two servers in one process (tests) do not collide.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec // endpoint, status, code
	rejections *prometheus.CounterVec // code
	weight     *prometheus.CounterVec // group
	duration   *prometheus.HistogramVec
	http       http.Handler
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "mbx", Subsystem: "exchange", Name: "requests_total",
			Help: "API requests by endpoint, HTTP status and Binance code (0 when accepted).",
		}, []string{"endpoint", "status", "code"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "mbx", Subsystem: "exchange", Name: "rejections_total",
			Help: "Rejected API requests by Binance code.",
		}, []string{"code"}),
		weight: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "mbx", Subsystem: "exchange", Name: "weight_used_total",
			Help: "Request weight charged, by limit group (api, fapi, sapi).",
		}, []string{"group"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "mbx", Subsystem: "exchange", Name: "request_duration_seconds",
			Help:    "Time to answer an API request, injected latency included.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint"}),
	}
	m.reg.MustRegister(m.requests, m.rejections, m.weight, m.duration,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	return m
}

func (m *metrics) observe(e *Entry, group string) {
	ep := e.Endpoint
	if ep == "" {
		ep = "unknown"
	}
	code := strconv.Itoa(e.Code)
	m.requests.WithLabelValues(ep, strconv.Itoa(e.HTTPStatus), code).Inc()
	if e.Code != 0 {
		m.rejections.WithLabelValues(code).Inc()
	}
	if e.Weight > 0 && group != "" {
		m.weight.WithLabelValues(group).Add(float64(e.Weight))
	}
	m.duration.WithLabelValues(ep).Observe(e.Duration.Seconds())
}

func (m *metrics) handler() http.Handler { return m.http }
