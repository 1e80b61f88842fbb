package mailauth

import (
	"sync"

	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Answer results counted by answerCount.
const (
	resultPositive    = "positive"
	resultNoData      = "nodata"
	resultNXDomain    = "nxdomain"
	resultFallthrough = "fallthrough"
	resultReferral    = "referral"
)

var (
	// reloadCount counts policy loads by result, start-up included.
	reloadCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "mailauth",
		Name:      "reloads_total",
		Help:      "Counter of mail policy loads by result (success, failure).",
	}, []string{"policy", "result"})
	// lastLoadTime is when the policy in service was loaded.
	lastLoadTime = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "mailauth",
		Name:      "last_load_timestamp_seconds",
		Help:      "Unix time of the last successful mail policy load.",
	}, []string{"policy"})
	// zoneSerial is the SOA serial each zone is served with.
	zoneSerial = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "mailauth",
		Name:      "zone_serial",
		Help:      "SOA serial of the mail policy's records in each zone.",
	}, []string{"zone"})
	// nameCount and recordCount size the table in service (synthesized network records excluded).
	nameCount = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "mailauth",
		Name:      "names",
		Help:      "Number of owner names served from the mail policy, empty non-terminals included.",
	}, []string{"policy"})
	recordCount = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "mailauth",
		Name:      "records",
		Help:      "Number of records served from the mail policy, synthesized network records excluded.",
	}, []string{"policy"})
	// answerCount counts queries by how mailauth answered them.
	answerCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "mailauth",
		Name:      "answers_total",
		Help:      "Counter of queries answered by result (positive, nodata, nxdomain, referral, fallthrough).",
	}, []string{"server", "zone", "result"})
)

// answered counts one answer. Each (server, zone, result) counter is looked up once: the vector's
// own lookup hashes the three labels and takes a lock, on every query.
func answered(server, zone, result string) {
	key := [3]string{server, zone, result}
	if c, ok := answerCounters.Load(key); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	c := answerCount.WithLabelValues(server, zone, result)
	answerCounters.Store(key, c)
	c.Inc()
}

// answerCounters holds the counters of answerCount by their labels.
var answerCounters sync.Map // [3]string -> prometheus.Counter
