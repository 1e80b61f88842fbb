package policy

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/dmarc"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/spf"
)

// maxTTL is the largest TTL RFC 2181 section 8 allows.
const maxTTL = 1<<31 - 1

// checker turns a decoded document into a Policy, recording every problem it finds.
type checker struct {
	locator
	dir     string
	digest  *digester
	files   []string                // key files read, for reload
	keys    map[[2]string]keyResult // by p= value and k=, see fromP
	strings map[string]string       // one copy of each record text, see intern
}

// intern returns the one copy of s kept for this load. Many domains publish the same record (an
// SPF include of their provider, a shared DKIM key): the loaded policy holds each text once.
func (c *checker) intern(s string) string {
	if s == "" {
		return s
	}
	if kept, ok := c.strings[s]; ok {
		return kept
	}
	if c.strings == nil {
		c.strings = map[string]string{}
	}
	c.strings[s] = s
	return s
}

func (c *checker) policy(doc *document) *Policy {
	p := &Policy{TTL: c.ttl(doc.TTL, DefaultTTL, "ttl"), NS: c.names(doc.NS, "ns")}
	p.SOA = c.soa(doc.SOA)

	seen := map[string]string{}
	for _, raw := range inFileOrder(&c.locator, doc.Domains, "domains") {
		pace.Step()
		d := doc.Domains[raw]
		path := []any{"domains", raw}
		name, ok := c.name(raw, path)
		if !ok || !c.unique(seen, name, raw, path, "domain") {
			continue
		}
		if d == nil {
			d = &domainDoc{}
		}
		dom := c.domain(name, d, p.TTL, path)
		c.ownersFit(dom, d, path)
		p.Domains = append(p.Domains, dom)
	}
	sort.Slice(p.Domains, func(i, j int) bool { return p.Domains[i].Name < p.Domains[j].Name })

	p.Hosts = c.hosts(doc.Hosts)
	sort.Slice(p.Hosts, func(i, j int) bool { return p.Hosts[i].Name < p.Hosts[j].Name })
	var prefixes []netip.Prefix // of every network kept, for the overlap check
	var index []int             // position in the file of each
	zones := map[string]int{}   // delegated zone -> network index
	for i, n := range doc.Networks {
		nw, d, ok := c.network(n, p.TTL, []any{"networks", i})
		if !ok {
			continue
		}
		prefixes, index = append(prefixes, nw.Prefix), append(index, i)
		if d != nil {
			if first, dup := zones[d.Zone]; dup {
				line, _ := c.at("networks", first)
				c.errorf([]any{"networks", i, "delegate", "zone"}, "delegate zone %s is also the zone of the network on line %d", d.Zone, line)
				continue
			}
			zones[d.Zone] = i
			p.Delegations = append(p.Delegations, *d)
		}
		if nw.Template != "" {
			p.Networks = append(p.Networks, nw)
		}
	}
	for i := range p.Networks {
		for j := range p.Delegations {
			if p.Delegations[j].Prefix == p.Networks[i].Prefix {
				p.Networks[i].Delegate = &p.Delegations[j]
			}
		}
	}
	c.overlaps(prefixes, index)
	return p
}

func (c *checker) ttl(v *int64, def uint32, path ...any) uint32 {
	if v == nil {
		return def
	}
	if *v < 0 || *v > maxTTL {
		c.errorf(path, "ttl %d is out of range (0 to %d)", *v, maxTTL)
		return def
	}
	return uint32(*v)
}

func (c *checker) u32(v *int64, def uint32, key string, path ...any) uint32 {
	if v == nil {
		return def
	}
	if *v < 0 || *v > 1<<32-1 {
		c.errorf(path, "%s %d is out of range (0 to %d)", key, *v, uint32(1<<32-1))
		return def
	}
	return uint32(*v)
}

func (c *checker) soa(d *soaDoc) SOA {
	s := SOA{MName: "localhost.", RName: "hostmaster", Refresh: 7200, Retry: 1800, Expire: 1209600, Minimum: 3600}
	if d == nil {
		return s
	}
	if d.MName != "" {
		s.MName = c.zoneName(d.MName, []any{"soa", "mname"})
	}
	if d.RName != "" {
		// An rname is a mailbox: "hostmaster@example.org" is what people write, "hostmaster.example.org." what DNS wants.
		r := d.RName
		if at := strings.IndexByte(r, '@'); at >= 0 {
			r = strings.ReplaceAll(r[:at], ".", `\.`) + "." + r[at+1:]
		}
		s.RName = c.zoneName(r, []any{"soa", "rname"})
	}
	s.Serial = c.u32(d.Serial, 0, "serial", "soa", "serial")
	s.Refresh = c.u32(d.Refresh, s.Refresh, "refresh", "soa", "refresh")
	s.Retry = c.u32(d.Retry, s.Retry, "retry", "soa", "retry")
	s.Expire = c.u32(d.Expire, s.Expire, "expire", "soa", "expire")
	s.Minimum = c.u32(d.Minimum, s.Minimum, "minimum", "soa", "minimum")
	return s
}

// zoneName checks an SOA name: one label without a dot ("hostmaster") is relative and kept so, for
// the record builder to complete with each zone's name; anything else is a full name.
func (c *checker) zoneName(s string, path []any) string {
	n, ok := c.name(s, path)
	if ok && !strings.Contains(strings.TrimSpace(s), ".") {
		return strings.TrimSuffix(n, ".")
	}
	return n
}

// name checks that s is a DNS name and returns it lower-case and fully qualified.
func (c *checker) name(s string, path []any) (string, bool) {
	n, err := canonicalName(s)
	if err != nil {
		c.errorf(path, "%s", err)
		return "", false
	}
	return n, true
}

func canonicalName(s string) (string, error) {
	n := strings.TrimSpace(s)
	if n == "" || n == "." {
		return "", fmt.Errorf("%q is not a domain name", s)
	}
	if strings.ContainsAny(n, " \t*@") || strings.Contains(n, "..") {
		return "", fmt.Errorf("%q is not a domain name", s)
	}
	n = dns.Fqdn(n)
	if _, ok := dns.IsDomainName(n); !ok || wireLength(n) > maxName {
		return "", fmt.Errorf("%q is not a domain name (labels are at most 63 bytes, names at most 255)", s)
	}
	return presentation(n), nil
}

func (c *checker) names(in []string, key string) []string {
	var out []string
	for i, s := range in {
		if n, ok := c.name(s, []any{key, i}); ok {
			out = append(out, n)
		}
	}
	return out
}

// unique reports whether name is new; names differing only in case or a trailing dot are the same
// owner name in DNS, so a second spelling is an error rather than a silent merge.
func (c *checker) unique(seen map[string]string, name, raw string, path []any, what string) bool {
	if first, dup := seen[name]; dup {
		c.errorf(path, "%s %q is listed twice (also as %q)", what, raw, first)
		return false
	}
	seen[name] = raw
	return true
}

func (c *checker) domain(name string, d *domainDoc, defTTL uint32, path []any) Domain {
	dom := Domain{Name: name, TTL: c.ttl(d.TTL, defTTL, append(path, "ttl")...)}
	if d.Parked {
		return c.parked(dom, path)
	}
	if d.SPF != nil {
		dom.SPF = c.spf(d.SPF, append(path, "spf"))
	}
	dom.SenderID = c.senderID(d, dom.SPF, path)
	dom.MX = c.mx(d, path)
	seen := map[string]string{}
	for _, sel := range inFileOrder(&c.locator, d.DKIM, append(path, "dkim")...) {
		selPath := append(path[:len(path):len(path)], "dkim", sel)
		if !c.unique(seen, strings.ToLower(sel), sel, selPath, "dkim selector") {
			continue
		}
		if s, ok := c.selector(sel, d.DKIM[sel], selPath); ok {
			dom.Selectors = append(dom.Selectors, s)
		}
	}
	sort.Slice(dom.Selectors, func(i, j int) bool { return dom.Selectors[i].Name < dom.Selectors[j].Name })
	if d.ADSP != "" {
		switch v := strings.ToLower(d.ADSP); v {
		case "unknown", "all", "discardable":
			dom.ADSP = "dkim=" + v
		default:
			c.errorf(append(path, "adsp"), "adsp %q is not one of unknown, all, discardable", d.ADSP)
		}
	}
	dom.DomainKeys = c.domainKeys(d.DomainKeys, append(path[:len(path):len(path)], "domainkeys"))
	if d.DMARC != nil {
		dom.DMARC = c.dmarc(d.DMARC, append(path, "dmarc"))
	}
	dom.MTASTS = c.mtaSTS(d.MTASTS, dom, append(path[:len(path):len(path)], "mta_sts"))
	dom.TLSRPT = c.tlsRPT(d.TLSRPT, append(path[:len(path):len(path)], "tls_rpt"))
	dom.BIMI = c.bimi(d.BIMI, append(path[:len(path):len(path)], "bimi"))
	dom.SPF, dom.SenderID, dom.DMARC = c.intern(dom.SPF), c.intern(dom.SenderID), c.intern(dom.DMARC)
	dom.DomainKeys, dom.TLSRPT = c.intern(dom.DomainKeys), c.intern(dom.TLSRPT)
	return dom
}

func (c *checker) spf(terms []string, path []any) string {
	ok := true
	for i, t := range terms {
		if _, err := spf.ParseTerm(t); err != nil {
			c.errorf(append(path, i), "%s", err)
			ok = false
		}
	}
	if !ok {
		return ""
	}
	all, err := spf.ParseTerms(terms)
	if err != nil {
		// Record-level rules fail at one term: the first one whose prefix of the list no longer parses.
		at := path
		for i := range terms {
			if _, e := spf.ParseTerms(terms[:i+1]); e != nil {
				at = append(path, i)
				break
			}
		}
		c.errorf(at, "%s", err)
		return ""
	}
	return spf.Record(all)
}

func (c *checker) dmarc(d *dmarcDoc, path []any) string {
	p := dmarc.Policy{
		P: d.P, SP: d.SP, NP: d.NP, PCT: d.PCT, RUA: d.RUA, RUF: d.RUF,
		ADKIM: d.ADKIM, ASPF: d.ASPF, T: d.T, PSD: d.PSD,
	}
	if d.FO != "" {
		p.FO = strings.Split(d.FO, ":")
	}
	if d.RF != "" {
		p.RF = strings.Split(d.RF, ":")
	}
	if d.RI != nil {
		if *d.RI < 0 || *d.RI > 1<<32-1 {
			c.errorf(append(path, "ri"), "dmarc tag ri: %d is out of range (0 to %d)", *d.RI, uint32(1<<32-1))
			return ""
		}
		ri := uint32(*d.RI)
		p.RI = &ri
	}
	if err := p.Validate(); err != nil {
		at := append(path, dmarcTag(err))
		uris := map[string][]string{"rua": d.RUA, "ruf": d.RUF}[dmarcTag(err)]
		for i, u := range uris {
			if strings.Contains(err.Error(), strconv.Quote(u)) {
				at = append(at, i) // point at the report URI at fault, not at the list
				break
			}
		}
		c.errorf(at, "%s", err)
		return ""
	}
	return p.Record()
}

// dmarcTag finds the tag a dmarc validation error is about, to point at its line.
func dmarcTag(err error) string {
	msg := strings.TrimPrefix(err.Error(), "dmarc tag ")
	if i := strings.IndexByte(msg, ':'); i > 0 && !strings.ContainsAny(msg[:i], " ") {
		return msg[:i]
	}
	return ""
}

// network checks one network. It returns the network (without a Template when it is only
// delegated) and its delegation, nil when it has none.
func (c *checker) network(n *networkDoc, defTTL uint32, path []any) (Network, *Delegation, bool) {
	if n == nil {
		c.errorf(path, "network is empty: prefix and ptr (or delegate) are required")
		return Network{}, nil, false
	}
	pfx, err := netip.ParsePrefix(strings.TrimSpace(n.Prefix))
	if err != nil {
		c.errorf(append(path, "prefix"), "prefix %q is not an address prefix such as 198.51.100.0/24 or 2001:db8::/48", n.Prefix)
		return Network{}, nil, false
	}
	if pfx.Masked() != pfx {
		c.errorf(append(path, "prefix"), "prefix %s has host bits set: did you mean %s?", pfx, pfx.Masked())
		return Network{}, nil, false
	}
	// Mail comes from IPv4 addresses, not their IPv4-mapped IPv6 form (RFC 4291 2.5.5.2), whose
	// reverse names and {ip} spelling would be neither.
	if pfx.Addr().Is4In6() {
		c.errorf(append(path, "prefix"), "prefix %s is IPv4-mapped IPv6: write the IPv4 prefix instead", pfx)
		return Network{}, nil, false
	}
	nw := Network{Prefix: pfx, TTL: c.ttl(n.TTL, defTTL, append(path, "ttl")...)}
	var d *Delegation
	if n.Delegate != nil {
		var ok bool
		if d, ok = c.delegation(pfx, n.Delegate, nw.TTL, append(path[:len(path):len(path)], "delegate")); !ok {
			return Network{}, nil, false
		}
		if n.PTR == "" {
			return nw, d, true // the PTRs are the delegate's business
		}
	}
	tmpl, err := template(n.PTR)
	if err != nil {
		c.errorf(append(path, "ptr"), "%s", err)
		return Network{}, nil, false
	}
	nw.Template = tmpl
	return nw, d, true
}

// longestIP is the longest text "{ip}" expands to: an IPv6 address such as
// ffff-ffff-ffff-ffff-ffff-ffff-ffff-ffff.
const longestIP = 39

func template(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if n, err := canonicalName(t); err == nil {
		t = strings.TrimSuffix(n, ".") // spelt as query names are; a name that is none fails below
	}
	first, rest, _ := strings.Cut(t, ".")
	if strings.Count(t, "{ip}") != 1 || !strings.Contains(first, "{ip}") {
		return "", fmt.Errorf("ptr %q must contain {ip} exactly once, in its first label (as in host-{ip}.pool.example.org)", s)
	}
	if len(first)-len("{ip}")+longestIP > 63 {
		return "", fmt.Errorf("ptr %q: the first label would exceed 63 bytes once {ip} is filled in", s)
	}
	if rest == "" {
		return "", fmt.Errorf("ptr %q needs a domain after its first label", s)
	}
	probe := strings.Replace(t, "{ip}", "0", 1)
	if _, err := canonicalName(probe); err != nil {
		return "", fmt.Errorf("ptr %q is not a domain name once {ip} is filled in", s)
	}
	if n := wireLength(dns.Fqdn(probe)) - 1 + longestIP; n > maxName {
		return "", fmt.Errorf("ptr %q: the names would be up to %d bytes long once {ip} is filled in, over the %d a DNS name may have", s, n, maxName)
	}
	return dns.Fqdn(t), nil
}

// overlaps rejects networks that share addresses: the name such an address gets would depend on
// file order. index holds where each network stands in the file.
func (c *checker) overlaps(nets []netip.Prefix, index []int) {
	for i := range nets {
		for j := i + 1; j < len(nets); j++ {
			if nets[i].Overlaps(nets[j]) {
				line, _ := c.at("networks", index[i])
				c.errorf([]any{"networks", index[j], "prefix"},
					"network %s overlaps network %s (line %d)", nets[j], nets[i], line)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// inFileOrder returns the keys of the mapping at path in the order the file lists them, so that problems
// are reported top to bottom and the first spelling of a name is the one kept.
func inFileOrder[V any](l *locator, m map[string]V, path ...any) []string {
	keys := make([]string, 0, len(m))
	if n := l.node(path...); n != nil {
		for _, e := range l.entriesOf(n) {
			if k := keyName(e.key); hasKey(m, k) {
				keys = append(keys, k)
			}
		}
	}
	if len(keys) < len(m) { // not from this file: in name order after those that are
		seen := make(map[string]bool, len(keys))
		for _, k := range keys {
			seen[k] = true
		}
		var rest []string
		for k := range m {
			if !seen[k] {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		keys = append(keys, rest...)
	}
	return keys
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
