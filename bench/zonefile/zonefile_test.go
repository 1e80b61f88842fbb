package zonefile

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/bench/benchdata"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

const domains, queries = 12, 3000

// The records of the set of 12 domains, made once: the IPv4 /16 makes them 130,000 records.
var generated = sync.OnceValues(func() (*fixture, error) {
	s := benchdata.Generate(domains, queries, 1)
	p, err := policy.Parse("mail.yaml", s.Policy, os.TempDir())
	if err != nil {
		return nil, err
	}
	zones, err := Records(s, p)
	if err != nil {
		return nil, err
	}
	return &fixture{s, p, zones}, nil
})

type fixture struct {
	set   *benchdata.Set
	pol   *policy.Policy
	zones map[string][]dns.RR
}

func generatedSet(t *testing.T) *fixture {
	t.Helper()
	f, err := generated()
	if err != nil {
		t.Fatalf("generating %d domains: %v", domains, err)
	}
	return f
}

// key is one record as the zone file spells it, with the owner name in lower case.
func key(rr dns.RR) string {
	c := dns.Copy(rr)
	c.Header().Name = strings.ToLower(c.Header().Name)
	return c.String()
}

func TestEachZoneStartsWithItsSOAAndNSAndHoldsOnlyItsOwnNames(t *testing.T) {
	f := generatedSet(t)
	if len(f.zones) != len(benchdata.Zones) {
		t.Errorf("%d zones, want %d", len(f.zones), len(benchdata.Zones))
	}
	for _, z := range benchdata.Zones {
		rrs := f.zones[z]
		if len(rrs) < 3 {
			t.Errorf("%s: %d records", z, len(rrs))
			continue
		}
		soa, ok := rrs[0].(*dns.SOA)
		if !ok || soa.Hdr.Name != z || soa.Serial != benchdata.Serial {
			t.Errorf("%s: starts with %s, want its SOA with serial %d", z, rrs[0], benchdata.Serial)
		}
		for i, ns := range []string{"ns1.bench.test.", "ns2.bench.test."} {
			if n, ok := rrs[1+i].(*dns.NS); !ok || n.Hdr.Name != z || n.Ns != ns {
				t.Errorf("%s: record %d is %s, want NS %s", z, 2+i, rrs[1+i], ns)
			}
		}
		for _, rr := range rrs {
			if table.LongestZone(benchdata.Zones, strings.ToLower(rr.Header().Name)) != z {
				t.Errorf("%s holds %s, a name of another zone", z, rr)
				break
			}
		}
	}
}

func TestTheZonesListTheIPv4NetworkInFullAndTheIPv6AddressesAskedAbout(t *testing.T) {
	f := generatedSet(t)
	count := func(z string, rrtype uint16, suffix string) int {
		n := 0
		for _, rr := range f.zones[z] {
			if rr.Header().Rrtype == rrtype && strings.HasSuffix(rr.Header().Name, suffix) {
				n++
			}
		}
		return n
	}
	hosts := benchdata.Hosts(domains) + 2 // and ns1, ns2, whose PTRs replace the network's
	for _, tc := range []struct {
		what        string
		zone        string
		rrtype      uint16
		suffix      string
		want        int
		description string
	}{
		{"PTRs of 172.16.0.0/16", benchdata.Reverse4, dns.TypePTR, "", 1 << 16, "every address, a host's own PTR in place of the network's"},
		{"A of the /16's names", benchdata.Zone, dns.TypeA, ".pool.bench.test.", 1 << 16, "every address"},
		{"PTRs of the /48", benchdata.Reverse6, dns.TypePTR, "", len(f.set.Net6) + hosts, "the addresses asked about and the hosts'"},
		{"AAAA of the /48's names", benchdata.Zone, dns.TypeAAAA, ".pool.bench.test.", len(f.set.Net6), "the addresses asked about"},
	} {
		if got := count(tc.zone, tc.rrtype, tc.suffix); got != tc.want {
			t.Errorf("%s: %d, want %d (%s)", tc.what, got, tc.want, tc.description)
		}
	}
}

// TestTheZonesHoldTheRecordsOfThePolicysTable compares the zone files with the table mailauth
// serves from the same policy, with its IPv6 network: every record of the zones is one the table
// gives, and every query of the mix gets the same records from both.
func TestTheZonesHoldTheRecordsOfThePolicysTable(t *testing.T) {
	f := generatedSet(t)
	tb := table.Build(f.pol, benchdata.Zones, benchdata.Serial)
	zone := map[string]map[uint16][]string{} // owner, type: records
	exists := map[string]bool{}              // owners and the empty non-terminals above them
	for _, z := range benchdata.Zones {
		for _, rr := range f.zones[z] {
			h := rr.Header()
			name := strings.ToLower(h.Name)
			if zone[name] == nil {
				zone[name] = map[uint16][]string{}
			}
			zone[name][h.Rrtype] = append(zone[name][h.Rrtype], key(rr))
			for n := name; n != z && !exists[n]; {
				exists[n] = true
				_, rest, _ := strings.Cut(n, ".")
				n = rest
			}
		}
	}
	for name, sets := range zone {
		for rrtype, want := range sets {
			got := keys(tb.Lookup(name, rrtype, true).RRs)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: the zone holds %q, the table answers %q", name, dns.TypeToString[rrtype], want, got)
			}
		}
	}
	for _, q := range f.set.Queries {
		qtype := dns.StringToType[q.Type]
		want := keys(tb.Lookup(q.Name, qtype, true).RRs)
		got := slices.Clone(zone[q.Name][qtype])
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s %s (%s): the zone holds %q, the table answers %q", q.Name, q.Type, q.Kind, got, want)
		}
		switch q.Kind {
		case "nxdomain":
			if exists[q.Name] {
				t.Errorf("%s %s (%s): the name exists in the zone", q.Name, q.Type, q.Kind)
			}
		case "nodata-domainkey":
			if !exists[q.Name] || len(got) > 0 {
				t.Errorf("%s %s (%s): exists=%v with %d records, want NODATA", q.Name, q.Type, q.Kind, exists[q.Name], len(got))
			}
		default:
			if len(got) == 0 {
				t.Errorf("%s %s (%s): no records in the zone", q.Name, q.Type, q.Kind)
			}
		}
	}
}

func keys(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = key(rr)
	}
	slices.Sort(out)
	return out
}

// TestNamedCheckzoneLoadsTheZoneFilesWithTheSameRecords gives each zone file to BIND's own
// checker with its strictest settings, and compares the records it loaded with those written.
func TestNamedCheckzoneLoadsTheZoneFilesWithTheSameRecords(t *testing.T) {
	checker, err := exec.LookPath("named-checkzone")
	if err != nil {
		t.Fatal("named-checkzone is not installed: run make deps (Debian package bind9-utils)")
	}
	f := generatedSet(t)
	dir := t.TempDir()
	for _, z := range benchdata.Zones {
		file := filepath.Join(dir, strings.TrimSuffix(z, ".")+".zone")
		if err := os.WriteFile(file, Text(z, f.zones[z]), 0o644); err != nil {
			t.Fatal(err)
		}
		dump := file + ".dump"
		// -i local: the NS of the reverse zones are out of zone, and nothing is to be looked up.
		cmd := exec.Command(checker, "-k", "fail", "-i", "local", "-n", "fail", "-m", "fail", "-M", "fail",
			"-S", "fail", "-r", "fail", "-W", "fail", "-D", "-o", dump, z, file)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("named-checkzone %s: %v\n%s", z, err, out)
			continue
		}
		text, err := os.ReadFile(dump)
		if err != nil {
			t.Fatal(err)
		}
		loaded := parse(t, z, text)
		if want := keys(f.zones[z]); !slices.Equal(loaded, want) {
			t.Errorf("%s: BIND loaded %d records, the zone file holds %d; first difference: %s", z, len(loaded), len(want), firstDifference(loaded, want))
		}
	}
}

func parse(t *testing.T, zone string, text []byte) []string {
	t.Helper()
	zp := dns.NewZoneParser(bytes.NewReader(text), zone, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("%s: %v", zone, err)
	}
	return keys(rrs)
}

func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " | " + b[i]
		}
	}
	return "one list is longer"
}

func TestTextWritesAZoneFileThatParsesBackToTheSameRecords(t *testing.T) {
	var rrs []dns.RR
	for _, s := range []string{
		`example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026010101 7200 1800 1209600 3600`,
		`example.org. 3600 IN NS ns1.example.org.`,
		`example.org. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"`,
		`_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject; rua=mailto:\"d\"@example.org"`,
		`k._domainkey.example.org. 300 IN TXT "` + strings.Repeat("a", 255) + `" "tail"`,
		`ns1.example.org. 300 IN A 192.0.2.1`,
		`ns1.example.org. 300 IN AAAA 2001:db8::1`,
		`h-192-0-2-1.pool.example.org. 300 IN A 192.0.2.1`,
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		rrs = append(rrs, rr)
	}
	text := Text("example.org.", rrs)
	if !bytes.Contains(text, []byte("\n$ORIGIN example.org.\n")) || !bytes.HasPrefix(text, []byte("; ")) {
		t.Errorf("the file does not open with a comment and $ORIGIN:\n%s", text)
	}
	if got, want := parse(t, "example.org.", text), keys(rrs); !slices.Equal(got, want) {
		t.Errorf("parsed back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := Text("example.org.", nil); bytes.Count(got, []byte("\n")) != 2 {
		t.Errorf("a zone without records is %q, want the two header lines", got)
	}
}

// only is a copy of p with the networks keep says yes to: the tests below need not list a /16.
func only(p *policy.Policy, keep func(policy.Network) bool) *policy.Policy {
	c := *p
	c.Networks = nil
	for _, n := range p.Networks {
		if keep(n) {
			c.Networks = append(c.Networks, n)
		}
	}
	return &c
}

func isIPv6(n policy.Network) bool { return n.Prefix.Addr().Is6() }

func TestRecordsRefusesAnIPv6NetworkAddressThatIsAHosts(t *testing.T) {
	f := generatedSet(t)
	_, _, v6 := benchdata.Host(domains, 1)
	s := *f.set
	s.Net6 = append(slices.Clone(s.Net6[:3]), v6)
	if _, err := Records(&s, only(f.pol, isIPv6)); err == nil || !strings.Contains(err.Error(), v6.String()) {
		t.Errorf("Records with the host address %s among the network's: error %v, want one naming it", v6, err)
	}
}

func TestRecordsOfAPolicyWithoutNetworksListTheHostsPTRsAlone(t *testing.T) {
	f := generatedSet(t)
	zones, err := Records(f.set, only(f.pol, func(policy.Network) bool { return false }))
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range benchdata.Zones {
		for _, rr := range zones[z] {
			if strings.HasSuffix(rr.Header().Name, ".pool.bench.test.") {
				t.Fatalf("%s holds %s without networks", z, rr)
			}
		}
	}
	hosts := benchdata.Hosts(domains) + 2
	for _, z := range []string{benchdata.Reverse4, benchdata.Reverse6} {
		if got := len(zones[z]); got != 3+hosts {
			t.Errorf("%s: %d records, want the SOA, 2 NS and the hosts' %d PTRs", z, got, hosts)
		}
	}
}

func TestRecordsLeavesThePolicysNetworksAsTheyWere(t *testing.T) {
	f := generatedSet(t)
	p := only(f.pol, isIPv6)
	small := f.pol.Networks[0] // the IPv4 network, made small enough to list quickly
	small.Prefix = netip.MustParsePrefix("172.16.9.0/30")
	p.Networks = append(p.Networks, small) // IPv6 first: filtering in place would overwrite it
	before := slices.Clone(p.Networks)
	zones, err := Records(f.set, p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, p.Networks) {
		t.Errorf("the policy's networks were %v and are now %v", before, p.Networks)
	}
	// The SOA, 2 NS, the /30's 4 PTRs and the hosts' own, none of which lies in the /30.
	if got, want := len(zones[benchdata.Reverse4]), 3+4+benchdata.Hosts(domains)+2; got != want {
		t.Errorf("%s: %d records, want %d", benchdata.Reverse4, got, want)
	}
}
