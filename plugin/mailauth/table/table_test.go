package table

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

const testPolicy = `ttl: 300
soa: {mname: ns1.example.org., rname: hostmaster@example.org}
ns: [ns1.example.org., ns2.example.org.]
domains:
  example.org:
    ttl: 600
    spf: [mx, -all]
    dkim:
      old: {revoked: true}
    adsp: all
    dmarc: {p: reject}
  outside.test:
    spf: [-all]
hosts:
  mail.example.org: [192.0.2.10, "2001:db8::10"]
  mx.example.net: [198.51.100.10]
  relay.outside.test: [192.0.2.99]
networks:
  - {prefix: 198.51.100.0/24, ptr: "host-{ip}.pool.example.org", ttl: 60}
  - {prefix: "2001:db8:100::/48", ptr: "v6-{ip}.pool.example.org"}
  - {prefix: 203.0.113.0/25, ptr: "n-{ip}.example.net"}
`

// testZones leave outside.test out, so that some of the policy's records fall outside every zone.
var testZones = []string{
	"example.org.", "example.net.",
	"2.0.192.in-addr.arpa.", "198.in-addr.arpa.", "0.203.in-addr.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
}

func buildTestTable(t *testing.T) *Table {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.yaml")
	if err := os.WriteFile(path, []byte(testPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return Build(p, testZones, 2026010101)
}

// helo is the HELO record of host h, as Lookup renders it.
func helo(h string) string { return h + "\t300\tIN\tTXT\t\"v=spf1 a -all\"" }

// reverse6 is the ip6.arpa name of s.
func reverse6(s string) string {
	name, _ := dns.ReverseAddr(netip.MustParseAddr(s).String())
	return name
}

const (
	soaOrg = "example.org.\t300\tIN\tSOA\tns1.example.org. hostmaster.example.org. 2026010101 7200 1800 1209600 3600"
	ns1Org = "example.org.\t300\tIN\tNS\tns1.example.org."
	ns2Org = "example.org.\t300\tIN\tNS\tns2.example.org."
	spfOrg = "example.org.\t600\tIN\tTXT\t\"v=spf1 mx -all\""
)

func TestLookup(t *testing.T) {
	tb := buildTestTable(t)
	const nxdomain, nodata = false, true
	tests := []struct {
		name   string
		qname  string
		qtype  uint16
		apex   bool
		exists bool
		want   []string
	}{
		// A mail domain.
		{"the SPF record is at the domain", "example.org.", dns.TypeTXT, false, true, []string{spfOrg}},
		{"the apex SOA is answered where mailauth serves the zone alone", "example.org.", dns.TypeSOA, true, true, []string{soaOrg}},
		{"the apex SOA is NODATA where another plugin serves the zone", "example.org.", dns.TypeSOA, false, nodata, nil},
		{"the apex NS are answered where mailauth serves the zone alone", "example.org.", dns.TypeNS, true, true, []string{ns1Org, ns2Org}},
		{"the apex NS are NODATA where another plugin serves the zone", "example.org.", dns.TypeNS, false, nodata, nil},
		{"ANY at the apex returns every set when serving alone", "example.org.", dns.TypeANY, true, true, []string{soaOrg, ns1Org, ns2Org, spfOrg}},
		{"ANY at the apex leaves SOA and NS out when not serving alone", "example.org.", dns.TypeANY, false, true, []string{spfOrg}},
		{"a type the domain does not have is NODATA", "example.org.", dns.TypeA, false, nodata, nil},
		{"a revoked selector publishes an empty key", "old._domainkey.example.org.", dns.TypeTXT, false, true, []string{"old._domainkey.example.org.\t600\tIN\tTXT\t\"v=DKIM1; p=\""}},
		{"ADSP is under _domainkey", "_adsp._domainkey.example.org.", dns.TypeTXT, false, true, []string{"_adsp._domainkey.example.org.\t600\tIN\tTXT\t\"dkim=all\""}},
		{"DMARC is at _dmarc", "_dmarc.example.org.", dns.TypeTXT, false, true, []string{"_dmarc.example.org.\t600\tIN\tTXT\t\"v=DMARC1; p=reject\""}},
		{"_domainkey is an empty non-terminal, so NODATA", "_domainkey.example.org.", dns.TypeTXT, false, nodata, nil},
		{"an unknown selector is NXDOMAIN", "new._domainkey.example.org.", dns.TypeTXT, false, nxdomain, nil},
		{"a name below a selector is NXDOMAIN", "x.old._domainkey.example.org.", dns.TypeTXT, false, nxdomain, nil},
		{"a domain outside every zone is left out", "outside.test.", dns.TypeTXT, false, nxdomain, nil},

		// Hosts.
		{"a host has its A record", "mail.example.org.", dns.TypeA, false, true, []string{"mail.example.org.\t300\tIN\tA\t192.0.2.10"}},
		{"a host has its AAAA record", "mail.example.org.", dns.TypeAAAA, false, true, []string{"mail.example.org.\t300\tIN\tAAAA\t2001:db8::10"}},
		{"ANY at a host returns both address sets and its HELO record", "mail.example.org.", dns.TypeANY, false, true, []string{"mail.example.org.\t300\tIN\tA\t192.0.2.10", "mail.example.org.\t300\tIN\tAAAA\t2001:db8::10", helo("mail.example.org.")}},
		{"a host has the SPF record of its HELO name", "mail.example.org.", dns.TypeTXT, false, true, []string{helo("mail.example.org.")}},
		{"a host has no MX", "mail.example.org.", dns.TypeMX, false, nodata, nil},
		{"a host's PTR points back to it", "10.2.0.192.in-addr.arpa.", dns.TypePTR, false, true, []string{"10.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tmail.example.org."}},
		{"a host's IPv6 PTR points back to it", reverse6("2001:db8::10"), dns.TypePTR, false, true, []string{reverse6("2001:db8::10") + "\t300\tIN\tPTR\tmail.example.org."}},
		{"a host outside every zone still has its PTR in a zone", "99.2.0.192.in-addr.arpa.", dns.TypePTR, false, true, []string{"99.2.0.192.in-addr.arpa.\t300\tIN\tPTR\trelay.outside.test."}},
		{"an address of no host is NXDOMAIN", "11.2.0.192.in-addr.arpa.", dns.TypePTR, false, nxdomain, nil},
		{"a host inside a network wins over the network for its own address", "10.100.51.198.in-addr.arpa.", dns.TypePTR, false, true, []string{"10.100.51.198.in-addr.arpa.\t300\tIN\tPTR\tmx.example.net."}},

		// Networks, reverse.
		{"a network address gets a synthesized PTR with the network's TTL", "7.100.51.198.in-addr.arpa.", dns.TypePTR, false, true, []string{"7.100.51.198.in-addr.arpa.\t60\tIN\tPTR\thost-198-51-100-7.pool.example.org."}},
		{"ANY at a network address returns the PTR", "7.100.51.198.in-addr.arpa.", dns.TypeANY, false, true, []string{"7.100.51.198.in-addr.arpa.\t60\tIN\tPTR\thost-198-51-100-7.pool.example.org."}},
		{"a network address has no TXT", "7.100.51.198.in-addr.arpa.", dns.TypeTXT, false, nodata, nil},
		{"a partial reverse name above a network is NODATA", "113.0.203.in-addr.arpa.", dns.TypePTR, false, nodata, nil},
		{"a partial reverse name beside a network is NXDOMAIN", "114.0.203.in-addr.arpa.", dns.TypePTR, false, nxdomain, nil},
		{"an address of a /25 network gets its PTR", "5.113.0.203.in-addr.arpa.", dns.TypePTR, false, true, []string{"5.113.0.203.in-addr.arpa.\t300\tIN\tPTR\tn-203-0-113-5.example.net."}},
		{"an address past the end of a /25 network is NXDOMAIN", "200.113.0.203.in-addr.arpa.", dns.TypePTR, false, nxdomain, nil},
		{"a name below a full reverse name is NXDOMAIN", "x.7.100.51.198.in-addr.arpa.", dns.TypePTR, false, nxdomain, nil},
		{"a reverse label with a leading zero is NXDOMAIN", "07.100.51.198.in-addr.arpa.", dns.TypePTR, false, nxdomain, nil},
		{"an IPv6 network address gets a synthesized PTR", reverse6("2001:db8:100::7"), dns.TypePTR, false, true, []string{reverse6("2001:db8:100::7") + "\t300\tIN\tPTR\tv6-2001-db8-100-0-0-0-0-7.pool.example.org."}},
		{"a partial ip6.arpa name above a network is NODATA", "1.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, false, nodata, nil},
		{"a partial ip6.arpa name beside a network is NXDOMAIN", "2.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, false, nxdomain, nil},

		// Networks, forward.
		{"the domain of the synthesized names exists, empty", "pool.example.org.", dns.TypeA, false, nodata, nil},
		{"a synthesized name resolves to its address", "host-198-51-100-7.pool.example.org.", dns.TypeA, false, true, []string{"host-198-51-100-7.pool.example.org.\t60\tIN\tA\t198.51.100.7"}},
		{"ANY at a synthesized name returns its address", "host-198-51-100-7.pool.example.org.", dns.TypeANY, false, true, []string{"host-198-51-100-7.pool.example.org.\t60\tIN\tA\t198.51.100.7"}},
		{"a synthesized IPv4 name has no AAAA", "host-198-51-100-7.pool.example.org.", dns.TypeAAAA, false, nodata, nil},
		{"a synthesized IPv6 name resolves to its address", "v6-2001-db8-100-0-0-0-0-7.pool.example.org.", dns.TypeAAAA, false, true, []string{"v6-2001-db8-100-0-0-0-0-7.pool.example.org.\t300\tIN\tAAAA\t2001:db8:100::7"}},
		{"a synthesized IPv6 name has no A", "v6-2001-db8-100-0-0-0-0-7.pool.example.org.", dns.TypeA, false, nodata, nil},
		{"a synthesized name in the zone apex's domain resolves", "n-203-0-113-5.example.net.", dns.TypeA, false, true, []string{"n-203-0-113-5.example.net.\t300\tIN\tA\t203.0.113.5"}},
		{"a name for an address outside the network is NXDOMAIN", "host-198-51-101-7.pool.example.org.", dns.TypeA, false, nxdomain, nil},
		{"a non-canonical spelling of an address is NXDOMAIN", "v6-2001-db8-100--7.pool.example.org.", dns.TypeAAAA, false, nxdomain, nil},
		{"a name below a synthesized name is NXDOMAIN", "x.host-198-51-100-7.pool.example.org.", dns.TypeA, false, nxdomain, nil},

		// Zones served alone.
		{"a zone with no policy records of its own still has its SOA", "0.203.in-addr.arpa.", dns.TypeSOA, true, true, []string{"0.203.in-addr.arpa.\t300\tIN\tSOA\tns1.example.org. hostmaster.example.org. 2026010101 7200 1800 1209600 3600"}},
		{"a reverse zone's NS are the policy's", "8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypeNS, true, true, []string{"8.b.d.0.1.0.0.2.ip6.arpa.\t300\tIN\tNS\tns1.example.org.", "8.b.d.0.1.0.0.2.ip6.arpa.\t300\tIN\tNS\tns2.example.org."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.Lookup(tt.qname, tt.qtype, tt.apex)
			var got []string
			for _, rr := range res.RRs {
				got = append(got, rr.String())
			}
			if res.Exists != tt.exists || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lookup(%s, %s, apex=%v) = exists %v %q\nwant exists %v %q",
					tt.qname, dns.TypeToString[tt.qtype], tt.apex, res.Exists, got, tt.exists, tt.want)
			}
		})
	}
}

func TestBuildCountsNamesAndRecordsInsideTheZonesOnly(t *testing.T) {
	tb := buildTestTable(t)
	// 6 zones with SOA and two NS; example.org's SPF, selector, ADSP and DMARC; mail.example.org's
	// A, AAAA, HELO record and two PTRs; mx.example.net's A, HELO record and PTR;
	// relay.outside.test's PTR (its A and HELO record are outside). outside.test's SPF is outside
	// every zone.
	if got, want := tb.Records(), 6*3+4+5+3+1; got != want {
		t.Errorf("Records() = %d, want %d", got, want)
	}
	// 6 apexes; old._domainkey, _domainkey, _adsp._domainkey, _dmarc; mail, pool (the networks'
	// domain) and mx; two PTR names in 2.0.192.in-addr.arpa; 10.100.51 with 100.51 and 51 above it;
	// the 32-nibble name of 2001:db8::10 and the 23 empty non-terminals between it and its zone.
	if got, want := tb.Names(), 6+4+3+2+3+24; got != want {
		t.Errorf("Names() = %d, want %d", got, want)
	}
	if !reflect.DeepEqual(tb.Zones(), testZones) {
		t.Errorf("Zones() = %q, want %q", tb.Zones(), testZones)
	}
}

func TestBuildStopsEmptyNonTerminalsAtTheNearestZone(t *testing.T) {
	p := &policy.Policy{
		TTL: 60,
		SOA: policy.SOA{MName: "ns1", RName: "hostmaster"},
		Hosts: []policy.Host{
			{Name: "a.b.sub.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}},
			{Name: "c.d.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.2")}},
		},
	}
	tb := Build(p, []string{"example.org.", "sub.example.org."}, 1)
	tests := []struct {
		name   string
		qname  string
		qtype  uint16
		exists bool
		want   []string
	}{
		{"the empty non-terminal under the inner zone exists", "b.sub.example.org.", dns.TypeA, true, nil},
		{"the empty non-terminal under the outer zone exists", "d.example.org.", dns.TypeA, true, nil},
		{"the inner zone's SOA completes relative names with the inner zone", "sub.example.org.", dns.TypeSOA, true,
			[]string{"sub.example.org.\t60\tIN\tSOA\tns1.sub.example.org. hostmaster.sub.example.org. 1 0 0 0 0"}},
		{"with no NS in the policy, the SOA mname is the name server", "sub.example.org.", dns.TypeNS, true,
			[]string{"sub.example.org.\t60\tIN\tNS\tns1.sub.example.org."}},
		{"a host is in the innermost zone", "a.b.sub.example.org.", dns.TypeA, true, []string{"a.b.sub.example.org.\t60\tIN\tA\t192.0.2.1"}},
		{"a sibling of an empty non-terminal is NXDOMAIN", "x.sub.example.org.", dns.TypeA, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.Lookup(tt.qname, tt.qtype, true)
			var got []string
			for _, rr := range res.RRs {
				got = append(got, rr.String())
			}
			if res.Exists != tt.exists || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lookup(%s, %s) = exists %v %q\nwant exists %v %q", tt.qname, dns.TypeToString[tt.qtype], res.Exists, got, tt.exists, tt.want)
			}
		})
	}
	// Two apexes with SOA and NS, two A records; the PTRs are outside both zones.
	if got, want := tb.Records(), 2*2+2; got != want {
		t.Errorf("Records() = %d, want %d", got, want)
	}
	// Two apexes, a.b.sub and b.sub, c.d and d.
	if got, want := tb.Names(), 2+2+2; got != want {
		t.Errorf("Names() = %d, want %d", got, want)
	}
}

// Found by the randomized differential run against BIND (test/random_differential_test.go): the
// reverse names above a network's addresses exist in a zone only where it holds some of them.
func TestReverseNamesAboveANetworkExistOnlyInTheZoneHoldingItsAddresses(t *testing.T) {
	tb := loadTable(t, `networks:
  - {prefix: "2001:db8:1:2::100/120", ptr: "h-{ip}.example.org"}
  - {prefix: 10.1.2.0/23, ptr: "h-{ip}.example.org"}
`, "8.b.d.0.1.0.0.2.ip6.arpa.", "2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "10.in-addr.arpa.", "2.1.10.in-addr.arpa.", "example.org.")
	runLookups(t, tb, []lookupCase{
		{"a name of the outer zone above addresses only an inner zone holds is NXDOMAIN", "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, false, nil, nil},
		{"so is one just above the inner zone", "0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, false, nil, nil},
		{"the inner zone's names above them exist", "0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, true, nil, nil},
		{"a name above addresses both zones hold exists in the outer one", "1.10.in-addr.arpa.", dns.TypePTR, true, nil, nil},
		{"the inner zone holds its own part", "2.1.10.in-addr.arpa.", dns.TypeTXT, true, nil, nil},
		{"the outer zone holds the rest", "3.1.10.in-addr.arpa.", dns.TypeTXT, true, nil, nil},
		{"an address in the outer zone has its PTR there", "9.3.1.10.in-addr.arpa.", dns.TypePTR, true,
			[]string{"9.3.1.10.in-addr.arpa.\t3600\tIN\tPTR\th-10-1-3-9.example.org."}, nil},
	})
}

func TestBuildWithNoZonesHoldsNothing(t *testing.T) {
	tb := buildTestTable(t)
	empty := Build(tb.Policy, nil, 1)
	if empty.Records() != 0 || empty.Names() != 0 {
		t.Errorf("Records() = %d, Names() = %d, want 0 and 0", empty.Records(), empty.Names())
	}
	if res := empty.Lookup("example.org.", dns.TypeTXT, true); res.Exists || len(res.RRs) != 0 {
		t.Errorf("Lookup of a policy name = %+v, want NXDOMAIN", res)
	}
}

func TestLookupSharesTheTablesRecords(t *testing.T) {
	tb := buildTestTable(t)
	a := tb.Lookup("mail.example.org.", dns.TypeA, false).RRs
	b := tb.Lookup("mail.example.org.", dns.TypeA, false).RRs
	if len(a) != 1 || len(b) != 1 || a[0] != b[0] {
		t.Errorf("two lookups of one set give %v and %v, want the very same record", a, b)
	}
}

func TestLongestZoneMatchesWholeLabelsOnly(t *testing.T) {
	zones := []string{"example.org.", "sub.example.org.", "2.0.192.in-addr.arpa."}
	for name, want := range map[string]string{
		"example.org.":             "example.org.",
		"a.b.example.org.":         "example.org.",
		"x.sub.example.org.":       "sub.example.org.",
		"sub.example.org.":         "sub.example.org.",
		"notexample.org.":          "",
		"example.net.":             "",
		"12.2.0.192.in-addr.arpa.": "2.0.192.in-addr.arpa.",
		"12.0.192.in-addr.arpa.":   "",
		`a\.example.org.`:          "",             // one label "a.example" in org.
		`a\\.example.org.`:         "example.org.", // a label ending in a backslash, then example.org.
	} {
		if got := LongestZone(zones, name); got != want {
			t.Errorf("%s: zone %q, want %q", name, got, want)
		}
		if got := LongestZone(append(zones, "."), name); want == "" && got != "." {
			t.Errorf("%s: with the root zone, zone %q, want \".\"", name, got)
		}
	}
}
