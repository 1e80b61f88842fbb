package main

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

func TestParseZonesRefusesWhatIsNeitherNameNorPrefix(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an empty zone", []string{""}, "-zone : not a domain name"},
		{"an empty label", []string{"example..org"}, "-zone example..org: not a domain name"},
		{"a label over 63 octets", []string{long + ".example.org"}, "-zone " + long + ".example.org: not a domain name"},
		{"a name over 255 octets", []string{strings.Repeat("abc.", 64) + "org"}, "-zone " + strings.Repeat("abc.", 64) + "org: not a domain name"},
		{"a tab", []string{"exa\tmple.org"}, "-zone exa\tmple.org: not a domain name"},
		{"a backslash", []string{`a\.example.org`}, `-zone a\.example.org: not a domain name`},
		{"a name with a prefix length", []string{"example.org/24"}, "-zone example.org/24: not an address prefix such as 192.0.2.0/24"},
		{"two prefix lengths", []string{"192.0.2.0/24/8"}, "-zone 192.0.2.0/24/8: not an address prefix such as 192.0.2.0/24"},
		{"no prefix length", []string{"192.0.2.0/"}, "-zone 192.0.2.0/: not an address prefix such as 192.0.2.0/24"},
		{"an IPv6 prefix over 128 bits", []string{"2001:db8::/129"}, "-zone 2001:db8::/129: not an address prefix such as 192.0.2.0/24"},
		{"a space after the prefix", []string{"192.0.2.0/24 "}, "-zone 192.0.2.0/24 : not an address prefix such as 192.0.2.0/24"},
		{"the first bad one is named", []string{"example.org", "192.0.2.0/24", "bad name", "also bad"}, "-zone bad name: not a domain name"},
		{"the whole IPv6 space, which CoreDNS makes no zone of", []string{"example.org", "::/0"}, "-zone ::/0: CoreDNS makes no zone of this prefix; give the reverse zone's name, such as ip6.arpa"},
		{"an IPv6 prefix of ::, which CoreDNS makes no zone of", []string{"::/8"}, "-zone ::/8: CoreDNS makes no zone of this prefix; give the reverse zone's name, such as ip6.arpa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zones, err := parseZones(tt.args)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %q, %v; want the error %q", zones, err, tt.want)
			}
		})
	}
}

// Names are lower-cased and made absolute; a prefix stands for the reverse zones of its whole
// labels, as CoreDNS reads a server block's zones; the first spelling of a zone is kept.
func TestParseZonesReadsNamesAndPrefixesAsCoreDNSDoes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"none", nil, nil},
		{"an empty list", []string{}, nil},
		{"a name in any case", []string{"Example.ORG"}, []string{"example.org."}},
		{"a name twice", []string{"example.org.", "example.net", "EXAMPLE.org"}, []string{"example.org.", "example.net."}},
		{"an IPv4 /24", []string{"192.0.2.0/24"}, []string{"2.0.192.in-addr.arpa."}},
		{"a prefix and its zone's name", []string{"192.0.2.0/24", "2.0.192.IN-ADDR.ARPA"}, []string{"2.0.192.in-addr.arpa."}},
		{"an IPv4 /8", []string{"10.0.0.0/8"}, []string{"10.in-addr.arpa."}},
		{"an IPv4 /23, two zones", []string{"192.0.2.0/23"}, []string{"2.0.192.in-addr.arpa.", "3.0.192.in-addr.arpa."}},
		{"host bits, as CoreDNS masks them", []string{"192.0.2.1/24"}, []string{"2.0.192.in-addr.arpa."}},
		{"all of IPv4", []string{"0.0.0.0/0"}, []string{"in-addr.arpa."}},
		{"an IPv6 /32", []string{"2001:db8::/32"}, []string{"8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"an IPv6 /48 in capitals", []string{"2001:DB8:100::/48"}, []string{"0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"an IPv6 /31, two zones", []string{"2001:db8::/31"}, []string{"8.b.d.0.1.0.0.2.ip6.arpa.", "9.b.d.0.1.0.0.2.ip6.arpa."}},
		{"RFC 2317 child zones, which hold a slash", []string{"0/25.2.0.192.in-addr.arpa", "128-25.2.0.192.in-addr.arpa.", "64/26.2.0.192.IN-ADDR.ARPA."},
			[]string{"0/25.2.0.192.in-addr.arpa.", "128-25.2.0.192.in-addr.arpa.", "64/26.2.0.192.in-addr.arpa."}},
		{"order as given", []string{"2001:db8::/32", "192.0.2.0/24", "example.org"},
			[]string{"8.b.d.0.1.0.0.2.ip6.arpa.", "2.0.192.in-addr.arpa.", "example.org."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseZones(tt.args)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// An IPv4 prefix longer than a /24 and not on an octet boundary: CoreDNS makes a zone of each
	// address's whole name, so a /25 is 128 zones.
	zones, err := parseZones([]string{"192.0.2.0/25"})
	if err != nil || len(zones) != 128 || zones[0] != "0.2.0.192.in-addr.arpa." || zones[127] != "127.2.0.192.in-addr.arpa." {
		t.Errorf("192.0.2.0/25: %d zones %q..., %v", len(zones), zones[:min(len(zones), 2)], err)
	}
}

func TestReverseZone(t *testing.T) {
	tests := []struct {
		prefix string
		want   string
	}{
		{"192.0.2.10/32", "2.0.192.in-addr.arpa."},
		{"192.0.2.0/24", "2.0.192.in-addr.arpa."},
		{"192.0.2.128/25", "2.0.192.in-addr.arpa."},
		{"198.51.96.0/20", "51.198.in-addr.arpa."},
		{"198.51.0.0/16", "51.198.in-addr.arpa."},
		{"10.16.0.0/12", "10.in-addr.arpa."},
		{"10.0.0.0/8", "10.in-addr.arpa."},
		{"0.0.0.0/0", "in-addr.arpa."},
		{"2001:db8::10/128", "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"2001:db8:100::/56", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"2001:db8:100::/48", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa."},
		{"2001:ff4::/30", "f.f.0.1.0.0.2.ip6.arpa."},
		{"2000::/4", "2.ip6.arpa."},
		{"2000::/3", "ip6.arpa."},
		{"::/0", "ip6.arpa."},
	}
	for _, tt := range tests {
		if got := reverseZone(netip.MustParsePrefix(tt.prefix)); got != tt.want {
			t.Errorf("reverseZone(%s) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

// Whatever the prefix, its zone holds the reverse name of each of its addresses and is no
// smaller than it: a /24 or an IPv6 /48 at most.
func TestTheReverseZoneHoldsEveryAddressOfThePrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(8461, 8460))
	for range 2000 {
		var a netip.Addr
		if r.IntN(2) == 0 {
			a = netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
		} else {
			var b [16]byte
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			if a = netip.AddrFrom16(b); a.Is4In6() {
				continue // the policy refuses IPv4-mapped prefixes
			}
		}
		pfx := netip.PrefixFrom(a, r.IntN(a.BitLen()+1)).Masked()
		zone := reverseZone(pfx)
		for _, addr := range []netip.Addr{pfx.Addr(), lastAddr(pfx)} {
			name, err := dns.ReverseAddr(addr.String())
			if err != nil {
				t.Fatal(err)
			}
			if !dns.IsSubDomain(zone, name) {
				t.Fatalf("reverseZone(%s) = %s does not hold %s (%s)", pfx, zone, addr, name)
			}
		}
		labels, step, longest := 2, 8, 24 // in-addr.arpa.
		if a.Is6() {
			step, longest = 4, 48
		}
		if got, want := dns.CountLabel(zone)-labels, min(pfx.Bits(), longest)/step; got != want {
			t.Fatalf("reverseZone(%s) = %s: %d labels below .arpa's reverse tree, want %d", pfx, zone, got, want)
		}
	}
}

func lastAddr(pfx netip.Prefix) netip.Addr {
	b := pfx.Addr().AsSlice()
	for i := pfx.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func TestOutermost(t *testing.T) {
	got := outermost([]string{
		"0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "Example.ORG", "mail.example.org.", "2.0.192.in-addr.arpa.",
		"example.org.", "51.198.in-addr.arpa", "100.51.198.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
		"example.net.", "pool.example.net.", "a.example", "10.in-addr.arpa.",
	})
	want := []string{
		"a.example.", "example.net.", "example.org.", // names, sorted
		"10.in-addr.arpa.", "2.0.192.in-addr.arpa.", "51.198.in-addr.arpa.", // then IPv4 reverse zones
		"8.b.d.0.1.0.0.2.ip6.arpa.", // then IPv6 ones; the /48 is below the /32
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := outermost(nil); len(got) != 0 {
		t.Errorf("no zones: %q", got)
	}
}

// The point of deriving zones: served in them, nothing the policy publishes is left out, and
// none of them is empty or below another.
func TestDerivedZonesHoldEverythingThePolicyPublishes(t *testing.T) {
	policies := map[string]*policy.Policy{}
	for _, path := range []string{"zones/mail.yaml", "test/testdata/bind/mail.yaml", "test/testdata/check/warnings-only.yaml"} {
		p, err := policy.Load(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		policies[path] = p
	}
	policies["inline"] = parsePolicy(t, `ns: [ns1.example.org.]
domains:
  example.org: {spf: ["-all"], mx: ["10 mail.example.org"]}
  deep.sub.example.net: {spf: ["-all"]}
  example.co.uk: {parked: true}
hosts:
  ns1.example.org: [192.0.2.53]
  mail.example.org: [192.0.2.25, "2001:db8:1::25"]
  example.com: [203.0.113.1]
  mx.example.co.uk: [203.0.113.2]
  relay.mail.example.info: {addrs: ["2001:db8:2::1"], helo: false}
networks:
  - {prefix: 198.51.100.0/26, ptr: "h-{ip}.example.org"}
  - {prefix: 198.51.100.64/26, ptr: "h-{ip}.pool.example.io"}
  - {prefix: 100.64.0.0/10, ptr: "cgn-{ip}.example.net"}
  - {prefix: "2001:db8:100::/40", ptr: "v6-{ip}.pool.example.org"}
`)
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			zones := deriveZones(p)
			for _, w := range p.OutsideZones(zones) {
				t.Errorf("derived zones %q leave out: %s", zones, w.Msg)
			}
			tab := table.Build(p, zones, 1)
			for i, z := range zones {
				rrs, err := tab.Zone(z, false, table.MaxZoneAddresses)
				if err == nil && len(rrs) == 0 {
					t.Errorf("zone %s holds nothing of the policy", z)
				}
				for j, other := range zones {
					if i != j && dns.IsSubDomain(other, z) {
						t.Errorf("zone %s is below zone %s", z, other)
					}
				}
			}
		})
	}
}

func TestDerivedZones(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"a host at the top of its organization's domain has that domain as its zone, never a public suffix",
			"hosts:\n  example.com: [192.0.2.1]\n  Example.CO.UK.: [192.0.2.2]\n",
			[]string{"example.co.uk.", "example.com.", "2.0.192.in-addr.arpa."}},
		{"a host below the organization's domain gets its parent",
			"hosts:\n  mail.example.com: [192.0.2.1]\n  mx.mail.example.co.uk: [192.0.2.2]\n",
			[]string{"example.com.", "mail.example.co.uk.", "2.0.192.in-addr.arpa."}},
		{"a top-level domain no one registers under is a zone like any other",
			"hosts:\n  nas.lan: [192.0.2.1]\n  printer.lan: [192.0.2.2]\n",
			[]string{"lan.", "2.0.192.in-addr.arpa."}},
		{"hosts and networks inside a domain add only reverse zones",
			"domains:\n  example.org: {spf: [\"-all\"]}\nhosts:\n  mail.example.org: [\"2001:db8::25\"]\nnetworks:\n  - {prefix: 192.0.2.128/25, ptr: \"h-{ip}.pool.example.org\"}\n",
			[]string{"example.org.", "2.0.192.in-addr.arpa.", "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"a host's address inside a network shares the network's reverse zone",
			"hosts:\n  mail.example.org: [198.51.100.25, \"2001:db8:100::25\"]\nnetworks:\n  - {prefix: 198.51.0.0/16, ptr: \"h-{ip}.pool.example.org\"}\n  - {prefix: \"2001:db8::/32\", ptr: \"v6-{ip}.pool.example.org\"}\n",
			[]string{"example.org.", "51.198.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"a network's names at the top of an organization's domain",
			"networks:\n  - {prefix: 192.0.2.0/24, ptr: \"h-{ip}.example.com\"}\n",
			[]string{"example.com.", "2.0.192.in-addr.arpa."}},
		{"an IPv6 network wider than a /4",
			"networks:\n  - {prefix: \"2000::/3\", ptr: \"v6-{ip}.example.org\"}\n",
			[]string{"example.org.", "ip6.arpa."}},
		{"domains alone, those below another left out",
			"domains:\n  b.example: {spf: [\"-all\"]}\n  a.example: {spf: [\"-all\"]}\n  x.a.example: {spf: [\"-all\"]}\n",
			[]string{"a.example.", "b.example."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deriveZones(parsePolicy(t, tt.body)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func parsePolicy(t *testing.T, body string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("policy.yaml", []byte(body), t.TempDir())
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return p
}
