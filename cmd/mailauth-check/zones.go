package main

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/records"
)

// parseZones reads -zone values as CoreDNS reads a server block's zones: names, or address
// prefixes that stand for their reverse zones, kept in the order given. nil means none were given.
func parseZones(args []string) ([]string, error) {
	var zones []string
	for _, a := range args {
		// A name under .arpa may hold a "/": RFC 2317 child zones such as 64/26.2.0.192.in-addr.arpa.
		isName := strings.HasSuffix(strings.TrimSuffix(strings.ToLower(a), "."), ".arpa")
		if strings.Contains(a, "/") && !isName {
			if _, err := netip.ParsePrefix(a); err != nil {
				return nil, fmt.Errorf("-zone %s: not an address prefix such as 192.0.2.0/24", a)
			}
		} else if _, ok := dns.IsDomainName(a); !ok || a == "" || strings.ContainsAny(a, " \t\\") {
			return nil, fmt.Errorf("-zone %s: not a domain name", a)
		}
		if isName {
			if z := dns.Fqdn(strings.ToLower(a)); !contains(zones, z) {
				zones = append(zones, z)
			}
			continue
		}
		normalized := plugin.Host(a).NormalizeExact()
		if len(normalized) == 0 {
			// CoreDNS makes no zone of ::/N; skipped, the zones would be derived as if none were given.
			return nil, fmt.Errorf("-zone %s: CoreDNS makes no zone of this prefix; give the reverse zone's name, such as ip6.arpa", a)
		}
		for _, z := range normalized {
			if !contains(zones, z) {
				zones = append(zones, z)
			}
		}
	}
	return zones, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// deriveZones returns the zones that hold everything p publishes when no -zone is given: every
// domain not below another, the parent domain of each host and of each network's names outside
// those (the name itself where its parent is a public suffix such as com or co.uk, which nobody
// serves), and the reverse zone of each host address and network.
func deriveZones(p *policy.Policy) []string {
	var forward []string
	for _, d := range p.Domains {
		forward = append(forward, d.Name)
	}
	forward = outermost(forward)
	var zones []string
	addParent := func(name string) {
		for _, z := range forward {
			if dns.IsSubDomain(z, name) {
				return
			}
		}
		if i, end := dns.NextLabel(name, 0); !end && name[i:] != "." && !isPublicSuffix(name[i:]) {
			name = name[i:]
		}
		zones = append(zones, name)
	}
	for _, h := range p.Hosts {
		addParent(h.Name)
		for _, a := range h.Addrs {
			zones = append(zones, reverseZone(netip.PrefixFrom(a, a.BitLen())))
		}
	}
	for _, n := range p.Networks {
		// The names a network's PTRs point to live in one domain; a name there stands for them all.
		addParent(records.NewNetwork(n).Name(n.Prefix.Addr()))
		zones = append(zones, reverseZone(n.Prefix))
	}
	return outermost(append(forward, zones...))
}

// isPublicSuffix reports whether name is an ICANN public suffix (com., co.uk.). Suffixes only the
// default rule makes, such as a private lan., are zones like any other.
func isPublicSuffix(name string) bool {
	name = strings.TrimSuffix(name, ".")
	suffix, icann := publicsuffix.PublicSuffix(name)
	return icann && suffix == name
}

// reverseZone is the reverse zone one would serve pfx in: that of its whole labels (octets for
// IPv4, nibbles for IPv6), at most a /24 or an IPv6 /48, the sizes delegated in practice. It is
// cut from the reverse name of the first address: CoreDNS names no zone for ::/N.
func reverseZone(pfx netip.Prefix) string {
	step, longest := 8, 24
	if pfx.Addr().Is6() {
		step, longest = 4, 48
	}
	name, _ := dns.ReverseAddr(pfx.Masked().Addr().String())
	below := (pfx.Addr().BitLen() - min(pfx.Bits(), longest)/step*step) / step
	return dns.Fqdn(strings.Join(dns.SplitDomainName(name)[below:], "."))
}

// outermost returns zones lower-case, without duplicates and without those below another, in
// the order: names, then IPv4 reverse zones, then IPv6 reverse zones, each sorted.
func outermost(zones []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, z := range zones {
		z = dns.Fqdn(strings.ToLower(z))
		if !seen[z] {
			seen[z] = true
			out = append(out, z)
		}
	}
	kept := out[:0]
	for _, z := range out {
		below := false
		for _, other := range out {
			if other != z && dns.IsSubDomain(other, z) {
				below = true
				break
			}
		}
		if !below {
			kept = append(kept, z)
		}
	}
	kind := func(z string) int {
		switch {
		case strings.HasSuffix(z, ".in-addr.arpa."):
			return 1
		case strings.HasSuffix(z, ".ip6.arpa."):
			return 2
		}
		return 0
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if ki, kj := kind(kept[i]), kind(kept[j]); ki != kj {
			return ki < kj
		}
		return kept[i] < kept[j]
	})
	return kept
}
