package test

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// The addresses of a generated policy (see randpolicy_test.go): networks of random sizes with
// their ptr templates, RFC 2317 delegations, hosts, and the reverse zones that serve them.

// networks writes IPv4 networks from /22 to /32, IPv6 ones from /116 to /128 and RFC 2317
// delegations of IPv4 networks smaller than a /24, and the probes around each.
func (g *policyGen) networks() {
	var lines []string
	var domains []string // where synthesized names live; networks share one now and then
	template := func() string {
		var d string
		if len(domains) > 0 && g.chance(0.3) {
			d = domains[g.r.IntN(len(domains))]
		} else {
			d = g.forward[g.r.IntN(len(g.forward))]
			if g.chance(0.7) {
				d = g.name(150, func(string) bool { return false })
			}
			domains = append(domains, d)
		}
		return g.pick("h-", "", "ip", "dyn-", "Pool-") + "{ip}" + g.pick("", "", "-v", "x", "1") + "." + d
	}
	add := func(pfx netip.Prefix, tmpl string, extra string) {
		g.taken = append(g.taken, pfx)
		fields := []string{"prefix: " + strconv.Quote(pfx.String())}
		if tmpl != "" {
			fields = append(fields, "ptr: "+g.spell(tmpl))
			g.networkProbes(pfx, strings.ToLower(tmpl))
		}
		if g.chance(0.3) {
			fields = append(fields, fmt.Sprintf("ttl: %d", g.ttl()))
		}
		if extra != "" {
			fields = append(fields, extra)
		}
		lines = append(lines, "  - {"+strings.Join(fields, ", ")+"}")
	}
	for range g.r.IntN(4) {
		if pfx, ok := g.prefix(g.v4, 22+g.r.IntN(11)); ok {
			add(pfx, template(), "")
		}
	}
	for range g.r.IntN(3) {
		if pfx, ok := g.prefix(g.v6, 116+g.r.IntN(13)); ok {
			add(pfx, template(), "")
		}
	}
	for range g.r.IntN(3) {
		pfx, ok := g.prefix(g.v4, 25+g.r.IntN(8))
		if !ok {
			continue
		}
		parent := strings.Join(dns.SplitDomainName(reverseName(pfx.Addr()))[1:], ".") + "."
		first, bits := pfx.Addr().As4()[3], pfx.Bits()
		label := g.pick(fmt.Sprintf("%d/%d", first, bits), fmt.Sprintf("%d-%d", first, bits),
			fmt.Sprintf("%d-%d", first, int(first)+1<<(32-bits)-1), "cust-"+g.word(3))
		zone := label + "." + parent
		g.children = append(g.children, zone)
		to := []string{g.spell(g.pick("ns.customer.example.", "ns1.ext-dns.net."))}
		if g.chance(0.4) {
			to = append(to, g.spell("ns2."+g.forward[g.r.IntN(len(g.forward))]))
		}
		tmpl := ""
		if g.chance(0.6) {
			tmpl = template()
		}
		add(pfx, tmpl, fmt.Sprintf("delegate: {to: [%s], zone: %s}", strings.Join(to, ", "), g.spell(zone)))
		g.probes = append(g.probes, zone, "x.y."+zone, fmt.Sprintf("%d.%s", first, zone), fmt.Sprintf("%d.%s", int(first)+1<<(32-bits), zone))
	}
	if len(lines) > 0 {
		fmt.Fprintf(&g.out, "networks:\n%s\n", strings.Join(lines, "\n"))
	}
}

// networkProbes adds the reverse and synthesized names of the first, last and a middle address of
// pfx and of the addresses just outside it, and misspellings of the synthesized names.
func (g *policyGen) networkProbes(pfx netip.Prefix, tmpl string) {
	first, last := pfx.Addr(), lastAddr(pfx)
	mid := first
	for range g.r.IntN(1 << min(pfx.Addr().BitLen()-pfx.Bits(), 10)) {
		mid = mid.Next()
	}
	for _, a := range []netip.Addr{first.Prev(), first, mid, last, last.Next()} {
		if !a.IsValid() {
			continue
		}
		name := strings.Replace(tmpl, "{ip}", ipLabel(a), 1)
		g.probes = append(g.probes, reverseName(a), dns.Fqdn(name))
	}
	if first.Is4() {
		b := first.As4()
		g.probes = append(g.probes, dns.Fqdn(strings.Replace(tmpl, "{ip}", fmt.Sprintf("%03d-%d-%d-%d", b[0], b[1], b[2], b[3]), 1)))
	} else {
		g.probes = append(g.probes, dns.Fqdn(strings.Replace(tmpl, "{ip}", strings.ReplaceAll(first.String(), ":", "-"), 1)),
			dns.Fqdn(strings.Replace(tmpl, "{ip}", strings.ReplaceAll(first.StringExpanded(), ":", "-"), 1)))
	}
}

// writeHosts writes two to six hosts with IPv4 and IPv6 addresses, a few of them inside networks
// (where the host's PTR wins) or named like a synthesized name or a domain.
func (g *policyGen) writeHosts() {
	var lines []string
	owned := map[netip.Addr]bool{}
	for range 2 + g.r.IntN(5) {
		name := g.name(200, func(n string) bool { return slices.Contains(g.hosts, n) })
		if z := g.forward[g.r.IntN(len(g.forward))]; g.chance(0.08) && !slices.Contains(g.hosts, z) {
			name = z // addresses and the HELO record at the apex, beside SOA and NS
		} else if len(g.probes) > 0 && g.chance(0.1) {
			if p := g.probes[g.r.IntN(len(g.probes))]; !strings.HasSuffix(p, ".arpa.") && !slices.Contains(g.hosts, p) && g.zonesHolding(p) > 0 {
				name = p
			}
		}
		var addrs []string
		for range 1 + g.r.IntN(3) {
			var a netip.Addr
			switch {
			case len(g.taken) > 0 && g.chance(0.2):
				n := g.taken[g.r.IntN(len(g.taken))]
				a = n.Addr()
				for range g.r.IntN(1 << min(n.Addr().BitLen()-n.Bits(), 8)) {
					a = a.Next()
				}
			case g.chance(0.5):
				p, ok := g.prefix(g.v4, 32)
				if !ok {
					continue
				}
				a = p.Addr()
			default:
				p, ok := g.prefix(g.v6, 128)
				if !ok {
					continue
				}
				a = p.Addr()
			}
			if owned[a] {
				continue
			}
			owned[a] = true
			if g.free(netip.PrefixFrom(a, a.BitLen())) {
				g.taken = append(g.taken, netip.PrefixFrom(a, a.BitLen()))
			}
			g.probes = append(g.probes, reverseName(a))
			switch {
			case a.Is6() && g.chance(0.2):
				addrs = append(addrs, strconv.Quote(a.StringExpanded()))
			case a.Is4() && g.chance(0.1):
				addrs = append(addrs, strconv.Quote("::ffff:"+a.String()))
			default:
				addrs = append(addrs, strconv.Quote(a.String()))
			}
		}
		if len(addrs) == 0 {
			continue
		}
		g.hosts = append(g.hosts, name)
		list := "[" + strings.Join(addrs, ", ") + "]"
		if g.chance(0.3) {
			list = fmt.Sprintf("{addrs: %s, helo: %v}", list, g.chance(0.5))
		}
		lines = append(lines, "  "+g.spell(name)+": "+list)
	}
	if len(lines) > 0 {
		fmt.Fprintf(&g.out, "hosts:\n%s\n", strings.Join(lines, "\n"))
	}
}

// reverseZones picks the reverse zones to serve: for each IPv4 block its /16, the whole of
// 10.in-addr.arpa or the /24s it uses (now and then one left out, which the policy warns of); for
// each IPv6 block its /48, the /32 of 2001:db8:: or the /64s it uses.
func (g *policyGen) reverseZones() {
	add := func(z string) {
		if !slices.Contains(g.reverse, z) {
			g.reverse = append(g.reverse, z)
		}
	}
	for _, blocks := range [][]netip.Prefix{g.v4, g.v6} {
		for _, b := range blocks {
			v4 := b.Addr().Is4()
			switch x := g.r.Float64(); {
			case x < 0.4:
				add(reverseZoneOf(b.Addr(), b.Bits()))
			case x < 0.55 && v4:
				add("10.in-addr.arpa.")
			case x < 0.55:
				add("8.b.d.0.1.0.0.2.ip6.arpa.")
			default:
				bits := 24
				if !v4 {
					bits = 64
				}
				for _, p := range g.taken {
					if !b.Overlaps(p) {
						continue
					}
					for a := p.Addr(); p.Contains(a); {
						if g.chance(0.95) {
							add(reverseZoneOf(a, bits))
						}
						next, _ := a.Prefix(bits)
						if a = lastAddr(next).Next(); !a.IsValid() {
							break
						}
					}
				}
			}
		}
	}
}

// servedChildren returns the RFC 2317 child zones this server serves itself, as the customer's
// server would, about half of them.
func (g *policyGen) servedChildren() []string {
	var out []string
	for _, z := range g.children {
		if g.chance(0.5) {
			out = append(out, strings.ToLower(z))
		}
	}
	return out
}

// reverseName is the in-addr.arpa or ip6.arpa name of a.
func reverseName(a netip.Addr) string {
	name, _ := dns.ReverseAddr(a.String())
	return name
}

// reverseZoneOf is the reverse zone of a's first bits (a multiple of 8 for IPv4, of 4 for IPv6).
func reverseZoneOf(a netip.Addr, bits int) string {
	labels := dns.SplitDomainName(reverseName(a))
	per := 8
	if a.Is6() {
		per = 4
	}
	return strings.Join(labels[(a.BitLen()-bits)/per:], ".") + "."
}

// ipLabel is {ip} filled in for a, as the policy reference spells it.
func ipLabel(a netip.Addr) string {
	if a.Is4() {
		return strings.ReplaceAll(a.String(), ".", "-")
	}
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	return strings.Join(groups, "-")
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < 8*len(b); i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
