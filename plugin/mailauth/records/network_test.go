package records

import (
	"net/netip"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func network(prefix, template string) *Network {
	return NewNetwork(policy.Network{Prefix: netip.MustParsePrefix(prefix), Template: template, TTL: 900})
}

func TestNewNetworkSplitsTheTemplateAroundIP(t *testing.T) {
	tests := []struct {
		name, template, head, tail, domain string
	}{
		{"{ip} after a prefix", "host-{ip}.pool.example.org.", "host-", "", "pool.example.org."},
		{"{ip} before a suffix", "{ip}-dyn.example.org.", "", "-dyn", "example.org."},
		{"{ip} alone in its label", "{ip}.example.org.", "", "", "example.org."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := network("198.51.100.0/24", tt.template)
			if n.head != tt.head || n.tail != tt.tail || n.Domain != tt.domain {
				t.Errorf("head %q tail %q domain %q, want %q %q %q", n.head, n.tail, n.Domain, tt.head, tt.tail, tt.domain)
			}
		})
	}
}

func TestNetworkNameAndAddrRoundTrip(t *testing.T) {
	tests := []struct {
		name, prefix, template, addr, want string
	}{
		{"an IPv4 address has hyphens for dots", "198.51.100.0/24", "host-{ip}.pool.example.org.", "198.51.100.7", "host-198-51-100-7.pool.example.org."},
		{"the first IPv4 address of the network", "198.51.100.0/24", "host-{ip}.pool.example.org.", "198.51.100.0", "host-198-51-100-0.pool.example.org."},
		{"an IPv4 address before a suffix", "198.51.100.0/24", "{ip}-dyn.example.org.", "198.51.100.255", "198-51-100-255-dyn.example.org."},
		{"an IPv6 address with all eight groups", "2001:db8:100::/48", "v6-{ip}.pool.example.org.", "2001:db8:100::7", "v6-2001-db8-100-0-0-0-0-7.pool.example.org."},
		{"an IPv6 address ending in :: still ends in a digit", "2001:db8:100::/48", "v6-{ip}.pool.example.org.", "2001:db8:100::", "v6-2001-db8-100-0-0-0-0-0.pool.example.org."},
		{"an IPv6 address starting with ::", "::/64", "{ip}.v6.example.org.", "::1", "0-0-0-0-0-0-0-1.v6.example.org."},
		{"the IPv6 address ::", "::/64", "v6-{ip}.example.org.", "::", "v6-0-0-0-0-0-0-0-0.example.org."},
		{"an IPv6 address with no :: in it", "2001:db8:100::/48", "{ip}.example.org.", "2001:db8:100:1:2:3:4:5", "2001-db8-100-1-2-3-4-5.example.org."},
		{"an IPv6 address with hex letters", "2001:db8:100::/48", "{ip}.example.org.", "2001:db8:100:abcd::ef", "2001-db8-100-abcd-0-0-0-ef.example.org."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := network(tt.prefix, tt.template)
			a := netip.MustParseAddr(tt.addr)
			if got := n.Name(a); got != tt.want {
				t.Fatalf("Name(%s) = %q, want %q", a, got, tt.want)
			}
			back, ok := n.Addr(tt.want)
			if !ok || back != a {
				t.Errorf("Addr(%q) = %v, %v; want %v, true", tt.want, back, ok, a)
			}
		})
	}
}

func TestNetworkAddrAcceptsOnlyTheNameNameProduces(t *testing.T) {
	v4 := network("198.51.100.0/24", "host-{ip}.pool.example.org.")
	v6 := network("2001:db8:100::/48", "v6-{ip}.pool.example.org.")
	tests := []struct {
		name string
		n    *Network
		in   string
	}{
		{"an IPv6 address in RFC 5952 form", v6, "v6-2001-db8-100--7.pool.example.org."},
		{"an IPv6 address with leading zeros", v6, "v6-2001-0db8-100--7.pool.example.org."},
		{"an IPv6 address with leading zeros", v6, "v6-2001-0db8-100-0-0-0-0-7.pool.example.org."},
		{"an IPv6 address in upper case (lower-casing is the caller's job)", v6, "v6-2001-DB8-100--7.pool.example.org."},
		{"a template in upper case (lower-casing is the caller's job)", v4, "HOST-198-51-100-7.pool.example.org."},
		{"an IPv4 address with a leading zero", v4, "host-198-51-100-07.pool.example.org."},
		{"an IPv4 address outside the network", v4, "host-192-0-2-7.pool.example.org."},
		{"an IPv6 address outside the network", v6, "v6-2001-db8-200-0-0-0-0-7.pool.example.org."},
		{"an IPv6 address in an IPv4 network", v4, "host-2001-db8--7.pool.example.org."},
		{"an IPv4 address in an IPv6 network", v6, "v6-198-51-100-7.pool.example.org."},
		{"a name in another domain", v4, "host-198-51-100-7.example.org."},
		{"a name one label deeper", v4, "x.host-198-51-100-7.pool.example.org."},
		{"a name that is not fully qualified", v4, "host-198-51-100-7.pool.example.org"},
		{"a name without the template's head", v4, "198-51-100-7.pool.example.org."},
		{"a name with nothing where {ip} goes", v4, "host-.pool.example.org."},
		{"an IPv4 address with too few parts", v4, "host-198-51-100.pool.example.org."},
		{"the domain itself", v4, "pool.example.org."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a, ok := tt.n.Addr(tt.in); ok {
				t.Errorf("Addr(%q) = %v, want no address", tt.in, a)
			}
		})
	}
}

func TestNetworkAddrWithASuffixRejectsAMissingSuffix(t *testing.T) {
	n := network("198.51.100.0/24", "{ip}-dyn.example.org.")
	if a, ok := n.Addr("198-51-100-7.example.org."); ok {
		t.Errorf("Addr without -dyn = %v, want no address", a)
	}
	if a, ok := n.Addr("198-51-100-7-dyn.example.org."); !ok || a != netip.MustParseAddr("198.51.100.7") {
		t.Errorf("Addr with -dyn = %v, %v; want 198.51.100.7", a, ok)
	}
}

func TestNetworkPTRPointsAtTheSynthesizedNameWithTheNetworkTTL(t *testing.T) {
	n := network("198.51.100.0/24", "host-{ip}.pool.example.org.")
	got := n.PTR("7.100.51.198.in-addr.arpa.", netip.MustParseAddr("198.51.100.7")).String()
	if want := "7.100.51.198.in-addr.arpa.\t900\tIN\tPTR\thost-198-51-100-7.pool.example.org."; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestParseReverse(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" means not a reverse name
	}{
		{"a full IPv4 name is a /32", "7.100.51.198.in-addr.arpa.", "198.51.100.7/32"},
		{"three IPv4 labels are a /24", "100.51.198.in-addr.arpa.", "198.51.100.0/24"},
		{"one IPv4 label is a /8", "198.in-addr.arpa.", "198.0.0.0/8"},
		{"zero is a label like any other", "0.0.51.198.in-addr.arpa.", "198.51.0.0/32"},
		{"a full IPv6 name is a /128", "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:100::7/128"},
		{"twelve IPv6 nibbles are a /48", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:100::/48"},
		{"an odd number of IPv6 nibbles fills half a byte", "d.0.1.0.0.2.ip6.arpa.", "2001:d00::/24"},
		{"one IPv6 nibble is a /4", "2.ip6.arpa.", "2000::/4"},
		{"an IPv4 label with a leading zero", "07.100.51.198.in-addr.arpa.", ""},
		{"an IPv4 label over 255", "256.100.51.198.in-addr.arpa.", ""},
		{"an IPv4 label with a sign", "+7.100.51.198.in-addr.arpa.", ""},
		{"a negative IPv4 label", "-1.100.51.198.in-addr.arpa.", ""},
		{"a non-numeric IPv4 label", "a.100.51.198.in-addr.arpa.", ""},
		{"an empty IPv4 label", ".in-addr.arpa.", ""},
		{"five IPv4 labels", "1.7.100.51.198.in-addr.arpa.", ""},
		{"thirty-three IPv6 nibbles", "1.7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", ""},
		{"a non-hex IPv6 nibble", "g.0.1.0.0.2.ip6.arpa.", ""},
		{"an IPv6 label of two characters", "10.0.1.0.0.2.ip6.arpa.", ""},
		{"an empty IPv6 label", "0..1.0.0.2.ip6.arpa.", ""},
		{"a forward name", "host-198-51-100-7.pool.example.org.", ""},
		{"a reverse name that is not fully qualified", "7.100.51.198.in-addr.arpa", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseReverse(tt.in)
			switch {
			case tt.want == "" && ok:
				t.Errorf("ParseReverse(%q) = %v, want not a reverse name", tt.in, got)
			case tt.want != "" && (!ok || got != netip.MustParsePrefix(tt.want)):
				t.Errorf("ParseReverse(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestParseReverseReadsWhatReverseNameWrites(t *testing.T) {
	for _, s := range []string{"198.51.100.7", "0.0.0.0", "255.255.255.255", "2001:db8:100::7", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"} {
		a := netip.MustParseAddr(s)
		got, ok := ParseReverse(ReverseName(a))
		if !ok || got != netip.PrefixFrom(a, a.BitLen()) {
			t.Errorf("ParseReverse(ReverseName(%s)) = %v, %v", a, got, ok)
		}
	}
}
