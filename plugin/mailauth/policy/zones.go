package policy

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// place is where something is written in the policy file.
type place struct {
	of        string // what is written there, e.g. "domain example.org." or "ptr 0"; see places
	key       string // the key as written, e.g. "domains.example.org" or "networks[0]"
	line, col int
}

// places lists where the policy writes each name that needs a zone: the zones are known only to
// the server, so OutsideZones checks them after Load, yet still points at the line to change. A
// list rather than maps keeps an empty policy equal to a zero Policy.
func (c *checker) places(p *Policy, doc *document) []place {
	var w []place
	add := func(of, key string, path ...any) {
		line, col := c.at(path...)
		w = append(w, place{of: of, key: key, line: line, col: col})
	}
	for _, k := range inFileOrder(&c.locator, doc.Domains, "domains") {
		pace.Step()
		if n, err := canonicalName(k); err == nil {
			add("domain "+n, "domains."+k, "domains", k)
		}
	}
	for _, k := range inFileOrder(&c.locator, doc.Hosts, "hosts") {
		pace.Step()
		n, err := canonicalName(k)
		if err != nil {
			continue
		}
		add("host "+n, "hosts."+k, "hosts", k)
		h := doc.Hosts[k]
		if h == nil {
			continue
		}
		for i, s := range h.Addrs {
			if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
				add("address "+a.Unmap().String(), "hosts."+k, append(h.addrPath([]any{"hosts", k}), i)...)
			}
		}
	}
	for i, n := range doc.Networks {
		// Networks are told apart by prefix: they do not overlap, and not all of them are in p.Networks.
		if pfx, err := netip.ParsePrefix(strings.TrimSpace(n.Prefix)); err == nil {
			key := fmt.Sprintf("networks[%d]", i)
			add(fmt.Sprint("prefix ", pfx), key, "networks", i, "prefix")
			add(fmt.Sprint("ptr ", pfx), key, "networks", i, "ptr")
		}
	}
	return w
}

// OutsideZones returns a warning for every domain, host and network of the policy whose records
// would lie outside all of zones (fully qualified), naming the zone it needs: those records are
// not served. A host needs a zone for its name and one for the reverse name of each address; a
// network one for the names its PTRs point to and one for its reverse names.
func (p *Policy) OutsideZones(zones []string) Errors {
	zs := make([]string, len(zones))
	var reverse []netip.Prefix
	for i, z := range zones {
		zs[i] = dns.Fqdn(strings.ToLower(z))
		if pfx, ok := reversePrefix(zs[i]); ok {
			reverse = append(reverse, pfx)
		}
	}
	served := func(name string) bool {
		for _, z := range zs {
			if dns.IsSubDomain(z, name) {
				return true
			}
		}
		return false
	}
	list := strings.Join(zs, ", ")
	if list == "" {
		list = "none"
	}
	where := make(map[string]place, len(p.where))
	for _, w := range p.where {
		where[w.of] = w
	}
	var out Errors
	// what is the subject and its verb ("example.com. is"), it what to publish ("it", "them").
	warn := func(at place, what, it, zone string) {
		out = append(out, &Error{File: p.Path, Line: at.line, Col: at.col, Msg: fmt.Sprintf(
			"%s: %s outside the zones this server block serves (%s); add a zone for %s to publish %s",
			at.key, what, list, zone, it)})
	}
	for _, d := range p.Domains {
		pace.Step()
		if !served(d.Name) {
			warn(where["domain "+d.Name], d.Name+" is", "it", organization(d.Name))
		}
	}
	for _, h := range p.Hosts {
		pace.Step()
		if !served(h.Name) {
			warn(where["host "+h.Name], h.Name+" is", "it", organization(h.Name))
		}
		for _, a := range h.Addrs {
			if name, _ := dns.ReverseAddr(a.String()); !served(name) {
				warn(where["address "+a.String()], fmt.Sprintf("the PTR of %s (%s) is", a, name), "it", reverseZone(netip.PrefixFrom(a, a.BitLen())))
			}
		}
	}
	for _, n := range p.Networks {
		ptr := where[fmt.Sprint("ptr ", n.Prefix)]
		if _, domain, _ := strings.Cut(n.Template, "."); !served(domain) {
			warn(ptr, fmt.Sprintf("the names the PTRs of %s point to (in %s) are", n.Prefix, domain), "them", organization(domain))
		}
	}
	for _, n := range p.Networks {
		if n.Delegate == nil && !covered(n.Prefix, reverse) {
			warn(where[fmt.Sprint("prefix ", n.Prefix)], fmt.Sprintf("the PTRs of %s are", n.Prefix), "them", reverseZone(n.Prefix))
		}
	}
	// A delegated network is served where either side is: the /24's zone with the CNAMEs and the
	// delegation, or the delegated zone with the PTRs (on the delegate's own server).
	for _, d := range p.Delegations {
		if !covered(d.Prefix, reverse) && !served(d.Zone) {
			warn(where[fmt.Sprint("prefix ", d.Prefix)], fmt.Sprintf("the delegation of %s is", d.Prefix), "it", reverseZone(d.Prefix)+" or "+d.Zone)
		}
	}
	sortByPosition(out)
	return out
}

// covered reports whether zones hold every address of pfx, in one zone or spread over several.
func covered(pfx netip.Prefix, zones []netip.Prefix) bool {
	inside := false // a zone holds part of pfx
	for _, z := range zones {
		if z.Addr().Is4() != pfx.Addr().Is4() {
			continue
		}
		if z.Bits() <= pfx.Bits() && z.Contains(pfx.Addr()) {
			return true
		}
		inside = inside || pfx.Contains(z.Addr())
	}
	if !inside {
		return false
	}
	lo := netip.PrefixFrom(pfx.Addr(), pfx.Bits()+1)
	b := pfx.Addr().AsSlice()
	b[pfx.Bits()/8] |= 0x80 >> (pfx.Bits() % 8)
	hi, _ := netip.AddrFromSlice(b)
	return covered(lo, zones) && covered(netip.PrefixFrom(hi, pfx.Bits()+1), zones)
}

// reverseZone names the reverse zone one would add for pfx: the zone of its whole labels (octets
// for IPv4, nibbles for IPv6), at most a /24 or an IPv6 /48, the sizes delegated in practice.
func reverseZone(pfx netip.Prefix) string {
	b := pfx.Addr().AsSlice()
	var labels []string
	if pfx.Addr().Is4() {
		for i := range min(pfx.Bits(), 24) / 8 {
			labels = append([]string{fmt.Sprint(b[i])}, labels...)
		}
		return strings.Join(append(labels, "in-addr.arpa."), ".")
	}
	for i := range min(pfx.Bits(), 48) / 4 {
		labels = append([]string{fmt.Sprintf("%x", b[i/2]>>(4*(1-i%2))&0xf)}, labels...)
	}
	return strings.Join(append(labels, "ip6.arpa."), ".")
}

// reversePrefix reads a reverse zone name as the prefix it holds: 100.51.198.in-addr.arpa. is
// 198.51.100.0/24. The records package reads query names the same way; policy cannot use it.
func reversePrefix(zone string) (netip.Prefix, bool) {
	var labels []string
	v4 := zone == "in-addr.arpa." || strings.HasSuffix(zone, ".in-addr.arpa.")
	switch {
	case v4:
		labels = dns.SplitDomainName(strings.TrimSuffix(zone, "in-addr.arpa."))
	case zone == "ip6.arpa." || strings.HasSuffix(zone, ".ip6.arpa."):
		labels = dns.SplitDomainName(strings.TrimSuffix(zone, "ip6.arpa."))
	default:
		return netip.Prefix{}, false
	}
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	if v4 {
		if len(labels) > 4 {
			return netip.Prefix{}, false
		}
		text := strings.Join(append(labels, "0", "0", "0", "0")[:4], ".")
		a, err := netip.ParseAddr(text)
		if err != nil {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, 8*len(labels)), true
	}
	if len(labels) > 32 {
		return netip.Prefix{}, false
	}
	var hex strings.Builder
	for i := range 32 {
		if i > 0 && i%4 == 0 {
			hex.WriteByte(':')
		}
		switch {
		case i >= len(labels):
			hex.WriteByte('0')
		case len(labels[i]) == 1:
			hex.WriteString(labels[i])
		default:
			return netip.Prefix{}, false
		}
	}
	a, err := netip.ParseAddr(hex.String())
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, 4*len(labels)), true
}
