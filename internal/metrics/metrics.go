// Package metrics is applyq's Prometheus adapter: one registry per process
// with the families every daemon exports, served on /metrics of each
// daemon's admin listener (internal/app).
// Label values are bounded: states, transitions, outcomes, routes and kinds.
package metrics

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync"
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
	FormReads         *prometheus.HistogramVec // platform, outcome
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
		FormReads: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "applyq_form_reads_seconds",
			Help:    "Reads of hosted application forms (form discovery) by platform and outcome (read, needs_user, throttled, failed), and how long they took.",
			Buckets: secs}, []string{"platform", "outcome"}),
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
		m.ApplierDuration, m.FormReads, m.RiverJobs, m.SweeperActions, m.SweeperPasses, m.HTTPRequests, m.ListenReconnects)
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

// Decision records one committed approval decision and how long the
// request waited for it.
func (m *Metrics) Decision(d domain.Decision, waited time.Duration) {
	m.ApprovalDecisions.WithLabelValues(string(d)).Inc()
	m.ApprovalWait.Observe(waited.Seconds())
}

// ObserveApplier records one applier call.
func (m *Metrics) ObserveApplier(applier string, outcome domain.ApplyOutcome, d time.Duration) {
	m.ApplierOutcomes.WithLabelValues(applier, string(outcome)).Inc()
	m.ApplierDuration.WithLabelValues(applier).Observe(d.Seconds())
}

// ObserveFormRead records one read of a hosted form (tasks.Hooks.FormRead).
func (m *Metrics) ObserveFormRead(platform domain.Platform, outcome string, d time.Duration) {
	m.FormReads.WithLabelValues(string(platform), outcome).Observe(d.Seconds())
}

// RegisterTaskStates exports applyq_tasks{state} from counts made in the
// background (TaskStates.Run), never at scrape time.
func (m *Metrics) RegisterTaskStates(count func(ctx context.Context) (map[domain.State]int, error)) *TaskStates {
	t := &TaskStates{count: count,
		desc: prometheus.NewDesc("applyq_tasks", "Tasks by state, across all users, as of applyq_tasks_count_timestamp_seconds.", []string{"state"}, nil),
		at:   prometheus.NewDesc("applyq_tasks_count_timestamp_seconds", "When applyq_tasks was last counted (Unix time).", nil, nil)}
	m.Registry.MustRegister(t)
	return t
}

// RegisterGauge exports a gauge read from fn at scrape time.
func (m *Metrics) RegisterGauge(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// TaskStates is applyq_tasks{state}. Counting reads every task (hundreds of
// milliseconds at a million), so it is done in the background, once per
// interval, by one kind of process (the sweeper daemon); a scrape reads the
// last counts and costs the database nothing.
type TaskStates struct {
	count func(ctx context.Context) (map[domain.State]int, error)
	desc  *prometheus.Desc
	at    *prometheus.Desc

	mu        sync.Mutex
	counts    map[domain.State]int
	countedAt time.Time
}

// Refresh counts now.
func (t *TaskStates) Refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	counts, err := t.count(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.counts, t.countedAt = counts, time.Now()
	t.mu.Unlock()
	return nil
}

// Run counts at once and then every interval until ctx ends. A failed
// count keeps the previous values (their timestamp shows their age) and is
// reported to onErr.
func (t *TaskStates) Run(ctx context.Context, interval time.Duration, onErr func(error)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := t.Refresh(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Describe implements prometheus.Collector.
func (t *TaskStates) Describe(ch chan<- *prometheus.Desc) {
	ch <- t.desc
	ch <- t.at
}

// Collect implements prometheus.Collector: the last counts, none before
// the first.
func (t *TaskStates) Collect(ch chan<- prometheus.Metric) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.countedAt.IsZero() {
		return
	}
	for _, s := range domain.AllStates {
		ch <- prometheus.MustNewConstMetric(t.desc, prometheus.GaugeValue, float64(t.counts[s]), string(s))
	}
	ch <- prometheus.MustNewConstMetric(t.at, prometheus.GaugeValue, float64(t.countedAt.UnixNano())/1e9)
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
