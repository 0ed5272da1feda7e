package binance

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are optional; a nil *metrics records nothing.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	retries  *prometheus.CounterVec
}

func newMetrics(r prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mbx_client_requests_total", Help: "REST requests by family, path, HTTP status and Binance code.",
		}, []string{"family", "path", "status", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mbx_client_request_seconds", Help: "REST request latency.", Buckets: prometheus.DefBuckets,
		}, []string{"family"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mbx_client_retries_total", Help: "Retries by reason.",
		}, []string{"reason"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.retries} {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) request(f Family, path string, status, code int, start time.Time) {
	if m == nil {
		return
	}
	d := time.Since(start)
	m.requests.WithLabelValues(string(f), path, strconv.Itoa(status), strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(string(f)).Observe(d.Seconds())
}

func (m *metrics) retry(reason string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(reason).Inc()
}
