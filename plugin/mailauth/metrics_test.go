package mailauth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// metricsPolicy publishes two names with four records in loads.example.com, SOA and NS included.
const metricsPolicy = `
soa: {serial: 2026010101}
domains:
  loads.example.com: {spf: [-all], dmarc: {p: reject}}
`

// metricsPolicyEdited adds a host: one more name and two more records in the zone, its A and its
// HELO record (its PTR lies outside the zone and is not served).
const metricsPolicyEdited = metricsPolicy + `hosts:
  mail.loads.example.com: [192.0.2.10]
`

func TestMetricsFollowEachLoad(t *testing.T) {
	const zone = "loads.example.com."
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, metricsPolicy)
	m := &MailAuth{Policy: path, Zones: []string{zone}}
	loads := func(result string) float64 { return testutil.ToFloat64(reloadCount.WithLabelValues(path, result)) }
	check := func(t *testing.T, successes, failures, names, records, serial float64, loadedFrom, loadedTo time.Time) {
		t.Helper()
		for _, c := range []struct {
			metric    string
			got, want float64
		}{
			{"reloads_total{result=success}", loads("success"), successes},
			{"reloads_total{result=failure}", loads("failure"), failures},
			{"names", testutil.ToFloat64(nameCount.WithLabelValues(path)), names},
			{"records", testutil.ToFloat64(recordCount.WithLabelValues(path)), records},
			{"zone_serial", testutil.ToFloat64(zoneSerial.WithLabelValues(zone)), serial},
		} {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.metric, c.got, c.want)
			}
		}
		at := testutil.ToFloat64(lastLoadTime.WithLabelValues(path))
		if at < float64(loadedFrom.UnixNano())/1e9 || at > float64(loadedTo.UnixNano())/1e9 {
			t.Errorf("last_load_timestamp_seconds = %f, want within [%v, %v]", at, loadedFrom, loadedTo)
		}
	}

	before := time.Now()
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	firstLoad := [2]time.Time{before, time.Now()}
	t.Run("the start-up load is counted and sizes the table", func(t *testing.T) {
		check(t, 1, 0, 2, 4, 2026010101, firstLoad[0], firstLoad[1])
	})

	t.Run("a check that finds nothing changed is not a load", func(t *testing.T) {
		m.reload()
		check(t, 1, 0, 2, 4, 2026010101, firstLoad[0], firstLoad[1])
	})

	writeFile(t, path, strings.Replace(metricsPolicyEdited, "2026010101", "2026010102", 1))
	before = time.Now()
	m.reload()
	secondLoad := [2]time.Time{before, time.Now()}
	t.Run("an edit is a successful load with the new sizes and serial", func(t *testing.T) {
		check(t, 2, 0, 3, 6, 2026010102, secondLoad[0], secondLoad[1])
	})

	writeFile(t, path, "domains: {loads.example.com: {spf: [bogus]}}\n")
	m.reload()
	t.Run("a bad edit is a failed load and leaves the gauges of the table in service", func(t *testing.T) {
		check(t, 2, 1, 3, 6, 2026010102, secondLoad[0], secondLoad[1])
	})

	// A large broken policy would otherwise be parsed again at every check.
	m.reload()
	m.reload()
	t.Run("a broken policy left as it is is not loaded again", func(t *testing.T) {
		check(t, 2, 1, 3, 6, 2026010102, secondLoad[0], secondLoad[1])
	})

	// The fix may be a key file that was missing: its appearance is a change.
	key := filepath.Join(filepath.Dir(path), "s1.pub")
	writeFile(t, path, "soa: {serial: 2026010103}\ndomains:\n  loads.example.com: {spf: [-all], dkim: {s1: {key: s1.pub}}}\n")
	m.reload()
	m.reload()
	t.Run("a policy naming a missing key file fails once", func(t *testing.T) {
		check(t, 2, 2, 3, 6, 2026010102, secondLoad[0], secondLoad[1])
		if m.lastErr == "" || !strings.Contains(m.lastErr, "s1.pub") {
			t.Errorf("last error %q, want the missing key file", m.lastErr)
		}
	})
	data, err := os.ReadFile(filepath.Join("..", "..", "zones", "keys", "example.net", "mail.pub"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, key, string(data))
	m.reload()
	t.Run("the key file appearing loads the policy", func(t *testing.T) {
		if got := testutil.ToFloat64(reloadCount.WithLabelValues(path, "success")); got != 3 {
			t.Errorf("successful loads %v, want 3", got)
		}
		if s := m.table.Load().Serial; s != 2026010103 {
			t.Errorf("serial %d, want 2026010103", s)
		}
	})
}

func TestAnswersAreCountedByZoneAndResult(t *testing.T) {
	m := newTestPlugin(t, true)
	results := []string{resultPositive, resultNoData, resultNXDomain, resultFallthrough}
	// Queries carry no server in their context, so the server label is empty.
	snapshot := func() map[[2]string]float64 {
		s := map[[2]string]float64{}
		for _, z := range m.Zones {
			for _, r := range results {
				s[[2]string{z, r}] = testutil.ToFloat64(answerCount.WithLabelValues("", z, r))
			}
		}
		return s
	}
	tests := []struct {
		name, qname  string
		qtype        uint16
		zone, result string // "" when nothing is counted
	}{
		{"a record served alone is positive", "example.net.", dns.TypeTXT, "example.net.", resultPositive},
		{"another type at a name served alone is nodata", "example.net.", dns.TypeAAAA, "example.net.", resultNoData},
		{"a name nothing publishes in a zone served alone is nxdomain", "nope.example.net.", dns.TypeA, "example.net.", resultNXDomain},
		{"an address without a PTR in a reverse zone is nxdomain", "9.2.0.192.in-addr.arpa.", dns.TypePTR, "2.0.192.in-addr.arpa.", resultNXDomain},
		{"a record merged with the zone file's is positive", "example.org.", dns.TypeTXT, "example.org.", resultPositive},
		{"another type at a policy name beside the zone file is nodata", "_dmarc.example.org.", dns.TypeAAAA, "example.org.", resultNoData},
		{"a name the policy does not publish beside the zone file falls through", "ns1.example.org.", dns.TypeA, "example.org.", resultFallthrough},
		{"a query outside the zones is not counted", "example.com.", dns.TypeTXT, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot()
			r := new(dns.Msg)
			r.SetQuestion(tc.qname, tc.qtype)
			// Outside the zones the next plugin fails the query; only the counting matters here.
			m.ServeDNS(context.Background(), dnstest.NewRecorder(&test.ResponseWriter{}), r)
			for k, v := range snapshot() {
				want := before[k]
				if k == [2]string{tc.zone, tc.result} {
					want++
				}
				if v != want {
					t.Errorf("answers_total{zone=%q,result=%q} = %v, want %v", k[0], k[1], v, want)
				}
			}
		})
	}
}

func TestMailauthMetricsPassPromlint(t *testing.T) {
	// A vector is gathered only once it has a child: load a policy and answer a query first.
	m := newTestPlugin(t, true)
	serve(t, m, "example.net.", dns.TypeTXT)
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"coredns_mailauth_reloads_total": false, "coredns_mailauth_last_load_timestamp_seconds": false,
		"coredns_mailauth_zone_serial": false, "coredns_mailauth_names": false,
		"coredns_mailauth_records": false, "coredns_mailauth_answers_total": false,
	}
	for _, mf := range mfs {
		if _, ok := want[mf.GetName()]; ok {
			want[mf.GetName()] = true
		} else if strings.HasPrefix(mf.GetName(), "coredns_mailauth_") {
			t.Errorf("metric %s is not covered by this test", mf.GetName())
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("metric %s not gathered", name)
		}
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "coredns_mailauth_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}
