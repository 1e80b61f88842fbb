package main

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

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
		for _, z := range plugin.Host(a).NormalizeExact() {
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
// those, and the reverse zone of each host address and network.
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
		if i, end := dns.NextLabel(name, 0); !end && name[i:] != "." {
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

// reverseZone is the reverse zone one would serve pfx in: that of its whole labels (octets for
// IPv4, nibbles for IPv6), at most a /24 or an IPv6 /48, the sizes delegated in practice.
func reverseZone(pfx netip.Prefix) string {
	step, longest := 8, 24
	if pfx.Addr().Is6() {
		step, longest = 4, 48
	}
	bits := min(pfx.Bits(), longest) / step * step
	zones := plugin.Host(netip.PrefixFrom(pfx.Addr(), bits).Masked().String()).NormalizeExact()
	return zones[0]
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
