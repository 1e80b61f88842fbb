// Package table is the answer table of mailauth: an immutable snapshot of every owner name a
// policy publishes in the configured zones, with their records, the empty non-terminals above
// them, and the networks whose records are synthesized per query. Queries read it without locks;
// a reload builds a new Table and swaps it in whole.
package table

import (
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/records"
)

// Table holds the records of one policy for a set of zones. It is never modified once built.
type Table struct {
	Policy   *policy.Policy
	Serial   uint32
	zones    []string
	nodes    map[string]*node
	networks []*records.Network            // longest prefix first
	forward  map[string][]*records.Network // by the domain their synthesized names live in
	byZone   map[string][]string           // names of each zone in canonical order
	count    int
}

// node is one owner name. An empty non-terminal has no sets.
type node struct {
	sets []rrset
}

type rrset struct {
	rrtype uint16
	apex   bool // SOA or NS of a zone, answered only where mailauth serves the zone alone
	rrs    []dns.RR
}

// Build makes the table of p for zones (fully qualified, lower-case). Records whose owner lies
// outside every zone are left out. serial is the serial of the apex SOA of every zone.
func Build(p *policy.Policy, zones []string, serial uint32) *Table {
	t := &Table{Policy: p, Serial: serial, zones: zones, nodes: map[string]*node{}, forward: map[string][]*records.Network{}}
	for _, z := range zones {
		t.add(records.SOA(z, p.SOA, serial, p.TTL), true)
		for _, ns := range records.NS(z, p.NS, p.SOA, p.TTL) {
			t.add(ns, true)
		}
	}
	for _, d := range p.Domains {
		for _, rr := range records.Domain(d) {
			t.add(rr, false)
		}
	}
	for _, a := range p.ReportAuthorizations {
		t.add(records.ReportAuthorization(a), false)
	}
	for _, h := range p.Hosts {
		for _, rr := range records.Host(h, p.TTL) {
			t.add(rr, false)
		}
	}
	for _, pn := range p.Networks {
		n := records.NewNetwork(pn)
		t.networks = append(t.networks, n)
		t.forward[n.Domain] = append(t.forward[n.Domain], n)
		// The domain the synthesized names live in has children, so it exists (RFC 8020).
		t.addName(n.Domain)
	}
	sort.SliceStable(t.networks, func(i, j int) bool { return t.networks[i].Prefix.Bits() > t.networks[j].Prefix.Bits() })
	t.index()
	return t
}

// Zones returns the zones the table was built for.
func (t *Table) Zones() []string { return t.zones }

// Records returns the number of records held (synthesized ones are not counted).
func (t *Table) Records() int { return t.count }

// Names returns the number of owner names held, empty non-terminals included.
func (t *Table) Names() int { return len(t.nodes) }

// zone returns the zone name belongs to (longest match), or "".
func (t *Table) zone(name string) string {
	best := ""
	for _, z := range t.zones {
		if dns.IsSubDomain(z, name) && len(z) > len(best) {
			best = z
		}
	}
	return best
}

func (t *Table) add(rr dns.RR, apex bool) {
	name := strings.ToLower(rr.Header().Name)
	if t.zone(name) == "" {
		return
	}
	n := t.addName(name)
	t.count++
	for i := range n.sets {
		if n.sets[i].rrtype == rr.Header().Rrtype {
			n.sets[i].rrs = append(n.sets[i].rrs, rr)
			return
		}
	}
	n.sets = append(n.sets, rrset{rrtype: rr.Header().Rrtype, apex: apex, rrs: []dns.RR{rr}})
}

// addName makes name and every name between it and its zone apex exist.
func (t *Table) addName(name string) *node {
	z := t.zone(name)
	if z == "" {
		return nil
	}
	n := t.nodes[name]
	if n == nil {
		n = &node{}
		t.nodes[name] = n
	}
	for p := name; p != z; {
		i, end := dns.NextLabel(p, 0)
		if end {
			break
		}
		p = p[i:]
		if _, ok := t.nodes[p]; !ok {
			t.nodes[p] = &node{}
		}
	}
	return n
}

// Result is the outcome of a lookup.
type Result struct {
	Exists bool     // the name exists: with no RRs this is NODATA, not NXDOMAIN
	RRs    []dns.RR // the records of the asked type; shared with the table, never to be modified
}

// Lookup finds the records of qtype at name (lower-case, fully qualified, inside one of the zones).
// apex says whether the zone's own SOA and NS are to be answered, which mailauth does only for the
// zones it serves alone. qtype ANY returns every set at the name.
func (t *Table) Lookup(name string, qtype uint16, apex bool) Result {
	n, ok := t.nodes[name]
	if ok && len(n.sets) > 0 {
		// A name with records of its own (a host's PTR, say) wins over what a network would synthesize.
		res := Result{Exists: true}
		for _, s := range n.sets {
			if (s.rrtype == qtype || qtype == dns.TypeANY) && (apex || !s.apex) {
				res.RRs = append(res.RRs, s.rrs...)
			}
		}
		return res
	}
	if res, ok := t.reverse(name, qtype); ok {
		return res
	}
	if res, ok := t.synthesizedName(name, qtype); ok {
		return res
	}
	return Result{Exists: ok}
}

// reverse answers names inside the reverse space of a network: the PTR of a whole address, and
// NODATA at the partial names above addresses of the network.
func (t *Table) reverse(name string, qtype uint16) (Result, bool) {
	if len(t.networks) == 0 {
		return Result{}, false
	}
	pfx, ok := records.ParseReverse(name)
	if !ok {
		return Result{}, false
	}
	full := pfx.Bits() == pfx.Addr().BitLen()
	for _, n := range t.networks {
		if n.Prefix.Addr().Is4() != pfx.Addr().Is4() {
			continue
		}
		if full && n.Prefix.Contains(pfx.Addr()) {
			if qtype == dns.TypePTR || qtype == dns.TypeANY {
				return Result{Exists: true, RRs: []dns.RR{n.PTR(name, pfx.Addr())}}, true
			}
			return Result{Exists: true}, true
		}
		if !full && n.Prefix.Overlaps(pfx) {
			return Result{Exists: true}, true
		}
	}
	return Result{}, false
}

// synthesizedName answers the names network PTRs point to with the address they stand for.
func (t *Table) synthesizedName(name string, qtype uint16) (Result, bool) {
	_, domain, ok := strings.Cut(name, ".")
	if !ok {
		return Result{}, false
	}
	for _, n := range t.forward[domain] {
		a, ok := n.Addr(name)
		if !ok {
			continue
		}
		want := dns.TypeAAAA
		if a.Is4() {
			want = dns.TypeA
		}
		if qtype == want || qtype == dns.TypeANY {
			return Result{Exists: true, RRs: []dns.RR{records.Address(name, n.TTL, a)}}, true
		}
		return Result{Exists: true}, true
	}
	return Result{}, false
}
