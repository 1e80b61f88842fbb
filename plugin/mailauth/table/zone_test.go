package table

import (
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// orderPolicy has names whose canonical order (RFC 4034 6.1) differs from their order in the file
// and from plain string order: "_" sorts before letters, "-" before digits, and a name before its
// children, which come before its next sibling.
const orderPolicy = `ttl: 300
soa: {mname: ns1.example.net., rname: hostmaster@example.net}
ns: [ns1.example.net.]
domains:
  example.org:
    spf: [-all]
    dmarc: {p: reject}
    dkim: {sel: {revoked: true}}
hosts:
  z.example.org: [192.0.2.1]
  0.z.example.org: [192.0.2.2]
  a0.example.org: [192.0.2.3]
  a-b.example.org: [192.0.2.4]
  zabc.a.example.org: [192.0.2.5]
  yljkjljk.a.example.org: [192.0.2.6]
  a.example.org: [192.0.2.7]
`

// zoneLines renders rrs one per line, fields separated by spaces.
func zoneLines(rrs []dns.RR) []string {
	lines := make([]string, len(rrs))
	for i, rr := range rrs {
		lines[i] = strings.ReplaceAll(rr.String(), "\t", " ")
	}
	return lines
}

func TestZoneListsTheApexThenEveryNameInCanonicalOrder(t *testing.T) {
	tb := loadTable(t, orderPolicy, "example.org.", "2.0.192.in-addr.arpa.")
	host := func(name, addr string) []string {
		return []string{name + " 300 IN A " + addr, name + ` 300 IN TXT "v=spf1 a -all"`}
	}
	apex := []string{
		"example.org. 300 IN SOA ns1.example.net. hostmaster.example.net. 1 7200 1800 1209600 3600",
		"example.org. 300 IN NS ns1.example.net.",
	}
	var rest []string
	rest = append(rest,
		`example.org. 300 IN TXT "v=spf1 -all"`,
		`_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject"`,
		`sel._domainkey.example.org. 300 IN TXT "v=DKIM1; p="`)
	rest = append(rest, host("a.example.org.", "192.0.2.7")...)
	rest = append(rest, host("yljkjljk.a.example.org.", "192.0.2.6")...)
	rest = append(rest, host("zabc.a.example.org.", "192.0.2.5")...)
	rest = append(rest, host("a-b.example.org.", "192.0.2.4")...)
	rest = append(rest, host("a0.example.org.", "192.0.2.3")...)
	rest = append(rest, host("z.example.org.", "192.0.2.1")...)
	rest = append(rest, host("0.z.example.org.", "192.0.2.2")...)

	tests := []struct {
		name string
		apex bool
		want []string
	}{
		{"served alone, the zone opens with its SOA and NS", true, append(apex, rest...)},
		{"beside another plugin, the apex SOA and NS are that plugin's and left out", false, rest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rrs, err := tb.Zone("example.org.", tc.apex, MaxZoneAddresses)
			if err != nil {
				t.Fatal(err)
			}
			if got := zoneLines(rrs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("zone\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}

	// The PTRs of the hosts live in the reverse zone, not in example.org.
	rrs, err := tb.Zone("2.0.192.in-addr.arpa.", false, MaxZoneAddresses)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1.2.0.192.in-addr.arpa. 300 IN PTR z.example.org.",
		"2.2.0.192.in-addr.arpa. 300 IN PTR 0.z.example.org.",
		"3.2.0.192.in-addr.arpa. 300 IN PTR a0.example.org.",
		"4.2.0.192.in-addr.arpa. 300 IN PTR a-b.example.org.",
		"5.2.0.192.in-addr.arpa. 300 IN PTR zabc.a.example.org.",
		"6.2.0.192.in-addr.arpa. 300 IN PTR yljkjljk.a.example.org.",
		"7.2.0.192.in-addr.arpa. 300 IN PTR a.example.org.",
	}
	if got := zoneLines(rrs); !reflect.DeepEqual(got, want) {
		t.Errorf("reverse zone\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// networkPolicy has a /28 whose names live in example.org, with a host at one of its addresses and
// a host that has one of its names.
const networkPolicy = `ttl: 300
ns: [ns1.example.net.]
hosts:
  mail.example.org: [198.51.100.5]
networks:
  - {prefix: 198.51.100.0/28, ptr: "h-{ip}.pool.example.org", ttl: 60}
`

func TestZoneListsEveryAddressOfANetworkOnceWithTheHostsOwnRecordsInPlace(t *testing.T) {
	tests := []struct {
		name, zone string
		want       map[string]string // owner -> the one record it has there, as rendered
	}{
		{"the reverse zone has a PTR per address, the host's at its own", "100.51.198.in-addr.arpa.", func() map[string]string {
			m := map[string]string{"5.100.51.198.in-addr.arpa.": "PTR mail.example.org."}
			for i := range 16 {
				if i != 5 {
					m[strconv.Itoa(i)+".100.51.198.in-addr.arpa."] = "PTR h-198-51-100-" + strconv.Itoa(i) + ".pool.example.org."
				}
			}
			return m
		}()},
		{"a reverse zone wider than the network has the network's addresses only", "51.198.in-addr.arpa.", func() map[string]string {
			m := map[string]string{"5.100.51.198.in-addr.arpa.": "PTR mail.example.org."}
			for i := range 16 {
				if i != 5 {
					m[strconv.Itoa(i)+".100.51.198.in-addr.arpa."] = "PTR h-198-51-100-" + strconv.Itoa(i) + ".pool.example.org."
				}
			}
			return m
		}()},
		{"the forward zone has the address of every synthesized name", "example.org.", func() map[string]string {
			m := map[string]string{"mail.example.org.": "A 198.51.100.5"}
			for i := range 16 {
				m["h-198-51-100-"+strconv.Itoa(i)+".pool.example.org."] = "A 198.51.100." + strconv.Itoa(i)
			}
			return m
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := loadTable(t, networkPolicy, tc.zone)
			rrs, err := tb.Zone(tc.zone, false, MaxZoneAddresses)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, rr := range rrs {
				h := rr.Header()
				if h.Rrtype == dns.TypeTXT {
					continue // the host's HELO record
				}
				if prev, dup := got[h.Name]; dup {
					t.Errorf("%s is listed twice: %s and %v", h.Name, prev, rr)
				}
				got[h.Name] = strings.TrimPrefix(strings.ReplaceAll(rr.String(), "\t", " "), h.Name+" "+strconv.Itoa(int(h.Ttl))+" IN ")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("zone %s\n got %v\nwant %v", tc.zone, got, tc.want)
			}
		})
	}
}

func TestAReverseZoneNarrowerThanANetworkListsItsOwnPartOfIt(t *testing.T) {
	tb := loadTable(t, "networks:\n  - {prefix: 198.51.0.0/16, ptr: \"h-{ip}.example.net\"}\n", "100.51.198.in-addr.arpa.")
	rrs, err := tb.Zone("100.51.198.in-addr.arpa.", false, 256)
	if err != nil {
		t.Fatal(err)
	}
	if len(rrs) != 256 {
		t.Fatalf("%d records, want the 256 PTRs of 198.51.100.0/24", len(rrs))
	}
	for i, rr := range rrs {
		if want := strconv.Itoa(i) + ".100.51.198.in-addr.arpa."; rr.Header().Name != want {
			t.Fatalf("record %d is at %s, want %s", i, rr.Header().Name, want)
		}
	}
}

// reverseZone is the ip6.arpa zone of a prefix whose length is a multiple of 4.
func reverseZone(prefix string) string {
	p := netip.MustParsePrefix(prefix)
	name, _ := dns.ReverseAddr(p.Addr().String())
	labels := dns.SplitDomainName(name)
	return dns.Fqdn(strings.Join(labels[(128-p.Bits())/4:], "."))
}

// A network may span a zone of the table and a more specific one: each address belongs to the
// zone a query for it is answered from, and each zone's transfer lists exactly those addresses.
func TestANetworkAcrossAZoneAndAMoreSpecificOneIsListedOnceBetweenThem(t *testing.T) {
	const policy = "networks:\n  - {prefix: \"2001:db8::/120\", ptr: \"v6-{ip}.example.net\"}\n"
	parent := reverseZone("2001:db8::/120")
	tests := []struct {
		name  string
		child string // the more specific zone: 16 addresses of the network
	}{
		{"the child zone holds the network's first addresses", reverseZone("2001:db8::/124")},
		{"the child zone holds addresses in the middle of the network", reverseZone("2001:db8::10/124")},
		{"the child zone holds the network's last addresses", reverseZone("2001:db8::f0/124")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := loadTable(t, policy, parent, tc.child)
			seen := map[string]string{}
			var misplaced, twice []string
			for _, zone := range []string{parent, tc.child} {
				rrs, err := tb.Zone(zone, false, MaxZoneAddresses)
				if err != nil {
					t.Fatal(err)
				}
				for _, rr := range rrs {
					name := rr.Header().Name
					if LongestZone([]string{parent, tc.child}, name) != zone {
						misplaced = append(misplaced, name)
					}
					if _, dup := seen[name]; dup {
						twice = append(twice, name)
					}
					seen[name] = zone
				}
			}
			if len(misplaced) > 0 {
				t.Errorf("%d names are listed in a transfer of a zone they are not in, the first %s", len(misplaced), misplaced[0])
			}
			if len(twice) > 0 {
				t.Errorf("%d names are listed by both zones, the first %s", len(twice), twice[0])
			}
			if len(seen) != 256 {
				t.Errorf("the two zones list %d addresses between them, want the network's 256", len(seen))
			}
			for _, a := range []string{"2001:db8::", "2001:db8::7", "2001:db8::1f", "2001:db8::ff"} {
				name, _ := dns.ReverseAddr(a)
				if _, ok := seen[name]; !ok {
					t.Errorf("%s (%s) is in no transfer, though queries for it are answered: %v", name, a, tb.Lookup(name, dns.TypePTR, true).RRs)
				}
			}
		})
	}
}

func TestANetworkWhollyInAMoreSpecificZoneIsNeitherListedNorCountedByTheParent(t *testing.T) {
	parent, child := reverseZone("2001:db8::/116"), reverseZone("2001:db8::100/120")
	tb := loadTable(t, "networks:\n  - {prefix: \"2001:db8::100/120\", ptr: \"v6-{ip}.example.net\"}\n", parent, child)
	if rrs, err := tb.Zone(parent, false, 1); err != nil || len(rrs) != 0 {
		t.Errorf("parent zone: %d records, error %v; want none and no error", len(rrs), err)
	}
	if rrs, err := tb.Zone(child, false, 256); err != nil || len(rrs) != 256 {
		t.Errorf("child zone: %d records, error %v; want the network's 256", len(rrs), err)
	}
}

func TestAZoneWhoseNetworksHoldMoreThanTheLimitIsRefusedWhole(t *testing.T) {
	const twoHalves = "networks:\n  - {prefix: 198.51.100.0/25, ptr: \"a-{ip}.example.net\"}\n  - {prefix: 198.51.100.128/25, ptr: \"b-{ip}.example.net\"}\n"
	const v6 = "networks:\n  - {prefix: \"2001:db8:100::/48\", ptr: \"v6-{ip}.pool.example.org\"}\n"
	tests := []struct {
		name, policy, zone string
		limit              int
		records            int    // listed when there is no error
		err                string // "" when the zone is listed
	}{
		{"a network of exactly the limit is listed", twoHalves, "100.51.198.in-addr.arpa.", 256, 256, ""},
		{"the networks of a zone count together", twoHalves, "100.51.198.in-addr.arpa.", 255, 0,
			"network 198.51.100.128/25 puts 2^7 addresses in the zone, more than the 255 a transfer may list"},
		{"one network over the limit is refused", "networks:\n  - {prefix: 198.51.100.0/24, ptr: \"h-{ip}.example.net\"}\n", "100.51.198.in-addr.arpa.", 255, 0,
			"network 198.51.100.0/24 puts 2^8 addresses in the zone, more than the 255 a transfer may list"},
		{"the names of a network count in the forward zone too", twoHalves, "example.net.", 255, 0,
			"network 198.51.100.128/25 puts 2^7 addresses in the zone, more than the 255 a transfer may list"},
		{"an IPv6 /48 is refused in its reverse zone", v6, "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", MaxZoneAddresses, 0,
			"network 2001:db8:100::/48 puts 2^80 addresses in the zone, more than the 65536 a transfer may list"},
		{"an IPv6 /48 is refused in the zone of its names", v6, "example.org.", MaxZoneAddresses, 0,
			"network 2001:db8:100::/48 puts 2^80 addresses in the zone, more than the 65536 a transfer may list"},
		{"a large network elsewhere does not count", v6, "example.net.", MaxZoneAddresses, 0, ""},
		{"a reverse zone of the other address family does not count", v6, "2.0.192.in-addr.arpa.", 1, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := loadTable(t, tc.policy, tc.zone, "example.org.")
			rrs, err := tb.Zone(tc.zone, false, tc.limit)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || rrs != nil {
					t.Fatalf("Zone = %d records, error %v\nwant no records and %q", len(rrs), err, tc.err)
				}
				return
			}
			if err != nil || len(rrs) != tc.records {
				t.Fatalf("Zone = %d records, error %v; want %d records", len(rrs), err, tc.records)
			}
		})
	}
}

// The first transfer of a table indexes its names; transfers of several zones may start at once.
func TestConcurrentTransfersOfANewTableListTheSameZone(t *testing.T) {
	tb := loadTable(t, orderPolicy, "example.org.", "2.0.192.in-addr.arpa.")
	zones := []string{"example.org.", "2.0.192.in-addr.arpa."}
	results := make([][]string, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			rrs, err := tb.Zone(zones[i%2], true, MaxZoneAddresses)
			if err != nil {
				t.Error(err)
			}
			results[i] = zoneLines(rrs)
		})
	}
	wg.Wait()
	for i := 2; i < len(results); i++ {
		if !reflect.DeepEqual(results[i], results[i%2]) {
			t.Errorf("transfer %d of %s differs from transfer %d:\n%v\n%v", i, zones[i%2], i%2, results[i], results[i%2])
		}
	}
	if len(results[0]) != 2+3+7*2 || len(results[1]) != 2+7 {
		t.Errorf("transfers of %d and %d records, want 19 and 9", len(results[0]), len(results[1]))
	}
}
