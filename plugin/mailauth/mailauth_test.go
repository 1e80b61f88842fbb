package mailauth

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

const testPolicy = `
soa: {mname: ns1.example.net., rname: hostmaster@example.net, serial: 7}
ns: [ns1.example.net.]
domains:
  example.org:
    spf: [mx, -all]
    dmarc: {p: reject}
  example.net:
    spf: [-all]
hosts:
  mail.example.org: [192.0.2.10]
`

// The zone file already has an SPF record: the policy's replaces it, while the verification
// token stays.
const testZone = `$ORIGIN example.org.
@ 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 1800 1209600 300
@ 3600 IN NS ns1.example.org.
@ 3600 IN MX 10 mail.example.org.
@ 3600 IN TXT "v=spf1 a -all"
@ 3600 IN TXT "site-verification=abc"
ns1 3600 IN A 192.0.2.53
`

// newTestPlugin serves example.org beside a file plugin holding testZone, and example.net and
// 2.0.192.in-addr.arpa alone.
func newTestPlugin(t testing.TB, withFall bool) *MailAuth {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "mail.yaml")
	writeFile(t, path, testPolicy)
	zone, err := file.Parse(strings.NewReader(testZone), "example.org.", "db.example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	next := file.File{Zones: file.Zones{Z: map[string]*file.Zone{"example.org.": zone}, Names: []string{"example.org."}}}
	m := &MailAuth{Next: next, Policy: path, Zones: []string{"example.org.", "example.net.", "2.0.192.in-addr.arpa."}}
	if withFall {
		m.Fall = fall.Root
	}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	m.probe()
	return m
}

func serve(t *testing.T, m *MailAuth, qname string, qtype uint16) *dns.Msg {
	t.Helper()
	r := new(dns.Msg)
	r.SetQuestion(qname, qtype)
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	if _, err := m.ServeDNS(context.Background(), rec, r); err != nil {
		t.Fatalf("%s %s: %v", qname, dns.TypeToString[qtype], err)
	}
	if rec.Msg == nil {
		t.Fatalf("%s %s: no reply written", qname, dns.TypeToString[qtype])
	}
	return rec.Msg
}

func TestProbeTellsZonesBesideFileFromZonesServedAlone(t *testing.T) {
	m := newTestPlugin(t, true)
	for zone, want := range map[string]bool{"example.org.": true, "example.net.": false, "2.0.192.in-addr.arpa.": false} {
		if got := m.isBeside(zone); got != want {
			t.Errorf("%s beside file: %v, want %v", zone, got, want)
		}
	}
}

func TestServeDNS(t *testing.T) {
	m := newTestPlugin(t, true)
	tests := []struct {
		name, qname string
		qtype       uint16
		rcode       int
		answer      []string
		ns          []string
	}{
		{"the policy's SPF replaces the zone file's and the token stays", "example.org.", dns.TypeTXT, dns.RcodeSuccess,
			[]string{`example.org. 3600 IN TXT "v=spf1 mx -all"`, `example.org. 3600 IN TXT "site-verification=abc"`}, nil},
		{"records only the zone file has are passed on", "example.org.", dns.TypeMX, dns.RcodeSuccess,
			[]string{"example.org. 3600 IN MX 10 mail.example.org."}, nil},
		// The serial is the zone file's 1 plus the policy's 7: see serialWriter.
		{"NODATA at a policy name carries the zone file's SOA with the negative TTL", "_dmarc.example.org.", dns.TypeAAAA, dns.RcodeSuccess,
			nil, []string{"example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 8 7200 1800 1209600 300"}},
		{"other names fall through to file", "ns1.example.org.", dns.TypeA, dns.RcodeSuccess,
			[]string{"ns1.example.org. 3600 IN A 192.0.2.53"}, nil},
		{"alone: SOA from the policy", "example.net.", dns.TypeSOA, dns.RcodeSuccess,
			[]string{"example.net. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600"}, nil},
		{"alone: NXDOMAIN with the policy's SOA", "nope.example.net.", dns.TypeA, dns.RcodeNameError,
			nil, []string{"example.net. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600"}},
		{"alone: fallthrough does not leave a zone nobody else serves", "9.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError,
			nil, []string{"2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := serve(t, m, tc.qname, tc.qtype)
			if r.Rcode != tc.rcode || !r.Authoritative {
				t.Fatalf("rcode %s AA %v", dns.RcodeToString[r.Rcode], r.Authoritative)
			}
			assertRRs(t, "answer", r.Answer, tc.answer)
			if tc.answer == nil {
				assertRRs(t, "authority", r.Ns, tc.ns)
			}
		})
	}
}

// newAlonePlugin serves zones alone from policy.
func newAlonePlugin(t *testing.T, policy string, zones ...string) *MailAuth {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, policy)
	m := &MailAuth{Policy: path, Zones: zones}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	m.probe()
	return m
}

// Found by the randomized differential run against BIND (test/random_differential_test.go).
func TestAnswersShapedAsBINDShapesThemForTheSameZones(t *testing.T) {
	const soa = "example.net. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600"
	m := newAlonePlugin(t, `
soa: {mname: ns1.example.net., rname: hostmaster@example.net, serial: 7}
ns: [ns1.example.net., ns2.example.org.]
domains:
  example.net: {spf: [-all]}
  "dx;wh.example.net": {spf: [-all]}
hosts:
  ns1.example.net: [192.0.2.53]
  ns2.example.org: [192.0.2.54]
networks:
  - {prefix: 192.0.2.64/26, delegate: {to: [ns1.example.net.], zone: 64-26.2.0.192.in-addr.arpa.}}
`, "example.net.", "sub.example.net.", "example.org.", "2.0.192.in-addr.arpa.", "64-26.2.0.192.in-addr.arpa.")
	tests := []struct {
		name, qname string
		qtype       uint16
		rcode       int
		answer, ns  []string
		extra       []string
	}{
		// BIND looks for the addresses of an NS answer's targets in that zone's data only.
		{"an NS answer carries the addresses of the targets in its zone only", "example.net.", dns.TypeNS, dns.RcodeSuccess,
			[]string{"example.net. 3600 IN NS ns1.example.net.", "example.net. 3600 IN NS ns2.example.org."}, nil,
			[]string{"ns1.example.net. 3600 IN A 192.0.2.53"}},
		{"an ANY answer carries no addresses", "example.net.", dns.TypeANY, dns.RcodeSuccess,
			[]string{"example.net. 3600 IN NS ns1.example.net.", "example.net. 3600 IN NS ns2.example.org.", soa, `example.net. 3600 IN TXT "v=spf1 -all"`}, nil, nil},
		{"a name holding a byte zone files escape is found as queries spell it", `dx\;wh.example.net.`, dns.TypeTXT, dns.RcodeSuccess,
			[]string{`dx\;wh.example.net. 3600 IN TXT "v=spf1 -all"`}, nil, nil},
		// BIND's zero-no-soa-ttl, on by default.
		{"NXDOMAIN to an SOA query carries the SOA with TTL 0", "nx.example.net.", dns.TypeSOA, dns.RcodeNameError,
			nil, []string{strings.Replace(soa, " 3600 ", " 0 ", 1)}, nil},
		{"NXDOMAIN to another query carries the SOA with its TTL", "nx.example.net.", dns.TypeTXT, dns.RcodeNameError,
			nil, []string{soa}, nil},
		{"NODATA to an SOA query carries the SOA with its TTL", "ns1.example.net.", dns.TypeSOA, dns.RcodeSuccess,
			nil, []string{soa}, nil},
		// The DS of a zone is its parent's data, and the parent's zone file has nothing at the apex
		// of a zone it does not delegate.
		{"DS at the apex of a zone inside another is NXDOMAIN in the parent", "sub.example.net.", dns.TypeDS, dns.RcodeNameError,
			nil, []string{soa}, nil},
		{"DS at the apex of a delegated RFC 2317 zone is NODATA in the parent", "64-26.2.0.192.in-addr.arpa.", dns.TypeDS, dns.RcodeSuccess,
			nil, []string{"2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := serve(t, m, tc.qname, tc.qtype)
			if r.Rcode != tc.rcode || !r.Authoritative {
				t.Fatalf("rcode %s AA %v, want %s", dns.RcodeToString[r.Rcode], r.Authoritative, dns.RcodeToString[tc.rcode])
			}
			assertRRs(t, "answer", sortedRRs(r.Answer), tc.answer)
			assertRRs(t, "authority", r.Ns, tc.ns)
			assertRRs(t, "additional", r.Extra, tc.extra)
		})
	}
}

// sortedRRs returns rrs in the order of their text.
func sortedRRs(rrs []dns.RR) []dns.RR {
	out := append([]dns.RR(nil), rrs...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func TestWithoutFallthroughUnpublishedNamesAreNXDOMAINWithTheZoneFilesSOA(t *testing.T) {
	m := newTestPlugin(t, false)
	r := serve(t, m, "ns1.example.org.", dns.TypeA)
	if r.Rcode != dns.RcodeNameError {
		t.Fatalf("rcode %s", dns.RcodeToString[r.Rcode])
	}
	assertRRs(t, "authority", r.Ns, []string{"example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 8 7200 1800 1209600 300"})
}

func TestQueriesOutsideTheZonesOrClassINGoToTheNextPlugin(t *testing.T) {
	m := newTestPlugin(t, false)
	next := &counter{}
	m.Next = next
	for _, q := range []struct {
		name  string
		class uint16
	}{{"example.com.", dns.ClassINET}, {"example.net.", dns.ClassCHAOS}} {
		r := new(dns.Msg)
		r.SetQuestion(q.name, dns.TypeTXT)
		r.Question[0].Qclass = q.class
		m.ServeDNS(context.Background(), dnstest.NewRecorder(&test.ResponseWriter{}), r)
	}
	if next.n != 2 {
		t.Fatalf("next plugin saw %d queries, want 2", next.n)
	}
}

type counter struct{ n int }

func (c *counter) Name() string { return "counter" }
func (c *counter) ServeDNS(context.Context, dns.ResponseWriter, *dns.Msg) (int, error) {
	c.n++
	return dns.RcodeRefused, nil
}

func TestTXTKindIsTheVersionTagCaseInsensitively(t *testing.T) {
	for txt, want := range map[string]string{
		"v=spf1 -all": "v=spf1", "V=SPF1 a": "v=spf1", "v=DMARC1; p=none": "v=dmarc1",
		"v=DKIM1; p=": "v=dkim1", "dkim=all": "dkim=", "hello": "other:hello",
	} {
		if got := txtKind(&dns.TXT{Txt: []string{txt}}); got != want {
			t.Errorf("%q: kind %q, want %q", txt, got, want)
		}
	}
}

func assertRRs(t *testing.T, section string, got []dns.RR, want []string) {
	t.Helper()
	lines := make([]string, len(got))
	for i, rr := range got {
		lines[i] = strings.ReplaceAll(rr.String(), "\t", " ")
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", section, strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
