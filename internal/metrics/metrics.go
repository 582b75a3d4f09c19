// Package metrics is applyq's Prometheus adapter: one registry per process
// with the families every daemon exports, and an admin HTTP handler serving
// /metrics, /healthz and /readyz for the daemons without an HTTP API.
// Label values are bounded: states, transitions, outcomes, routes and kinds.
package metrics

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/applyq/applyq/internal/domain"
)

// Metrics holds the collectors of one process.
type Metrics struct {
	Registry *prometheus.Registry

	Transitions       *prometheus.CounterVec   // from, to
	ApprovalDecisions *prometheus.CounterVec   // decision
	ApprovalWait      prometheus.Histogram     // request → decision
	ApproveToSubmit   prometheus.Histogram     // approved → submitting
	ApplierOutcomes   *prometheus.CounterVec   // applier, outcome
	ApplierDuration   *prometheus.HistogramVec // applier
	RiverJobs         *prometheus.CounterVec   // kind, outcome
	SweeperActions    *prometheus.CounterVec   // kind
	SweeperPasses     *prometheus.CounterVec   // result
	HTTPRequests      *prometheus.HistogramVec // method, route, status
	ListenReconnects  prometheus.Counter
}

// New returns the metrics of process, with build info and Go runtime
// collectors registered.
func New(process, version, commit string) *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "applyq_build_info", Help: "Build metadata of this binary; always 1.",
		ConstLabels: prometheus.Labels{"process": process, "version": version, "commit": commit, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)
	secs := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
	long := []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600}
	m := &Metrics{
		Registry: r,
		Transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "applyq_task_transitions_total",
			Help: "Task state transitions made by this process."}, []string{"from", "to"}),
		ApprovalDecisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "applyq_approval_decisions_total",
			Help: "Approval decisions recorded by this process."}, []string{"decision"}),
		ApprovalWait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "applyq_approval_wait_seconds",
			Help: "Time from an approval request to its decision.", Buckets: long}),
		ApproveToSubmit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "applyq_approve_to_submit_seconds",
			Help: "Time from approval to the start of submission.", Buckets: secs}),
		ApplierOutcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "applyq_applier_outcomes_total",
			Help: "Applier calls by outcome (submitted, rejected, not_sent, unknown)."}, []string{"applier", "outcome"}),
		ApplierDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "applyq_applier_duration_seconds",
			Help: "Duration of applier calls.", Buckets: secs}, []string{"applier"}),
		RiverJobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "applyq_river_jobs_total",
			Help: "River jobs worked by this process, by kind and outcome."}, []string{"kind", "outcome"}),
		SweeperActions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "applyq_sweeper_actions_total",
			Help: "Rows fixed by the sweeper, by kind."}, []string{"kind"}),
		SweeperPasses: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "applyq_sweeper_passes_total",
			Help: "Sweeper passes by result."}, []string{"result"}),
		HTTPRequests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "applyq_http_request_duration_seconds",
			Help: "HTTP request latency by route and status.", Buckets: secs}, []string{"method", "route", "status"}),
		ListenReconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "applyq_listen_reconnects_total",
			Help: "Reconnects of the LISTEN connection."}),
	}
	r.MustRegister(buildInfo, m.Transitions, m.ApprovalDecisions, m.ApprovalWait, m.ApproveToSubmit, m.ApplierOutcomes,
		m.ApplierDuration, m.RiverJobs, m.SweeperActions, m.SweeperPasses, m.HTTPRequests, m.ListenReconnects)
	// Pre-declare label sets so dashboards see zeros rather than gaps.
	for _, from := range domain.AllStates {
		for _, to := range domain.NextStates(from) {
			m.Transitions.WithLabelValues(string(from), string(to))
		}
	}
	return m
}

// Transition counts one transition (postgres.DB.OnTransition).
func (m *Metrics) Transition(from, to domain.State) {
	f := string(from)
	if f == "" {
		f = "none"
	}
	m.Transitions.WithLabelValues(f, string(to)).Inc()
}

// ObserveApplier records one applier call.
func (m *Metrics) ObserveApplier(applier, outcome string, d time.Duration) {
	m.ApplierOutcomes.WithLabelValues(applier, outcome).Inc()
	m.ApplierDuration.WithLabelValues(applier).Observe(d.Seconds())
}

// RegisterTaskStates exports applyq_tasks{state}, read from the database at
// scrape time (bounded by a 2s timeout).
func (m *Metrics) RegisterTaskStates(count func(ctx context.Context) (map[domain.State]int, error)) {
	m.Registry.MustRegister(&taskStates{count: count, desc: prometheus.NewDesc("applyq_tasks",
		"Tasks by state, across all users.", []string{"state"}, nil)})
}

// RegisterGauge exports a gauge read from fn at scrape time.
func (m *Metrics) RegisterGauge(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

type taskStates struct {
	count func(ctx context.Context) (map[domain.State]int, error)
	desc  *prometheus.Desc
}

func (t *taskStates) Describe(ch chan<- *prometheus.Desc) { ch <- t.desc }

func (t *taskStates) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := t.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(t.desc, err)
		return
	}
	for _, s := range domain.AllStates {
		ch <- prometheus.MustNewConstMetric(t.desc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveHTTP records one request.
func (m *Metrics) ObserveHTTP(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.HTTPRequests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}
