// Package table is the answer table of mailauth: an immutable snapshot of every owner name a
// policy publishes in the configured zones, with their records, the empty non-terminals above
// them, and the networks whose records are synthesized per query. Queries read it without locks;
// a reload builds a new Table and swaps it in whole.
package table

import (
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
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
	byZone   map[string][]string           // names of each zone in canonical order, made by index
	indexed  sync.Once                     // index runs at the first transfer, not at every reload
	count    int

	cuts      map[string]bool     // delegation points inside a zone of the table (RFC 2317 child zones)
	parentNS  map[string][]dns.RR // by zone: NS of delegations whose child zone the table serves too
	wildcards bool                // some name is a wildcard "*.", so misses look for a source of synthesis
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
	t := &Table{Policy: p, Serial: serial, zones: zones, nodes: map[string]*node{}, forward: map[string][]*records.Network{},
		cuts: map[string]bool{}, parentNS: map[string][]dns.RR{}}
	for _, d := range p.Delegations {
		// A delegated zone that the table serves itself is a zone of its own, not a cut.
		if z := t.zone(d.Zone); z != "" && z != d.Zone {
			t.cuts[d.Zone] = true
		}
	}
	for _, z := range zones {
		t.add(records.SOA(z, p.SOA, serial, p.TTL), true)
		for _, ns := range records.NS(z, apexNS(p, z), p.SOA, p.TTL) {
			t.add(ns, true)
		}
	}
	for _, d := range p.Domains {
		pace.Step()
		for _, rr := range records.Domain(d) {
			t.add(rr, false)
		}
	}
	for _, a := range p.ReportAuthorizations {
		t.add(records.ReportAuthorization(a), false)
	}
	for _, h := range p.Hosts {
		pace.Step()
		for _, rr := range records.Host(h, p.TTL, p.PTROwner) {
			t.add(rr, false)
		}
	}
	for _, d := range p.Delegations {
		for _, rr := range records.Delegation(d) {
			if rr.Header().Rrtype == dns.TypeNS && t.zone(d.Zone) == d.Zone {
				// The child zone's apex has these NS already; the parent zone lists them in transfers.
				if parent := t.zone(parentName(d.Zone)); parent != "" {
					t.parentNS[parent] = append(t.parentNS[parent], rr)
				}
				continue
			}
			t.add(rr, false)
		}
	}
	for _, pn := range p.Networks {
		n := records.NewNetwork(pn)
		t.networks = append(t.networks, n)
		t.forward[n.Domain] = append(t.forward[n.Domain], n)
		// The domain the synthesized names live in has children, so it exists (RFC 8020).
		t.addName(n.Domain)
		if d := pn.Delegate; d != nil {
			// At most 128 addresses: their PTRs in the delegated zone are listed rather than synthesized.
			for a := pn.Prefix.Addr(); pn.Prefix.Contains(a); a = a.Next() {
				if own, ok := t.nodes[d.Child(a)]; !ok || len(own.sets) == 0 {
					t.add(n.PTR(d.Child(a), a), false)
				}
			}
		}
	}
	sort.SliceStable(t.networks, func(i, j int) bool { return t.networks[i].Prefix.Bits() > t.networks[j].Prefix.Bits() })
	return t
}

// Zones returns the zones the table was built for.
func (t *Table) Zones() []string { return t.zones }

// Records returns the number of records held (synthesized ones are not counted).
func (t *Table) Records() int { return t.count }

// Names returns the number of owner names held, empty non-terminals included.
func (t *Table) Names() int { return len(t.nodes) }

// zone returns the zone name belongs to (longest match), or "".
func (t *Table) zone(name string) string { return LongestZone(t.zones, name) }

// LongestZone returns the longest of zones that name is in, or "". Names and zones are lower-case
// and fully qualified. It is plugin.Zones.Matches without the label splitting and its
// allocations: it runs for every query and every name built.
func LongestZone(zones []string, name string) string {
	best := ""
	for _, z := range zones {
		if len(z) > len(best) && InZone(name, z) {
			best = z
		}
	}
	return best
}

// InZone reports whether name is zone or below it (both lower-case and fully qualified).
func InZone(name, zone string) bool {
	if zone == "." || name == zone {
		return true
	}
	if len(name) <= len(zone) || !strings.HasSuffix(name, zone) || name[len(name)-len(zone)-1] != '.' {
		return false
	}
	// The dot before the zone must end a label, not be an escaped dot inside one ("a\.example.org.").
	backslashes := 0
	for i := len(name) - len(zone) - 2; i >= 0 && name[i] == '\\'; i-- {
		backslashes++
	}
	return backslashes%2 == 0
}

func (t *Table) add(rr dns.RR, apex bool) {
	name := strings.ToLower(rr.Header().Name)
	if t.zone(name) == "" {
		return
	}
	// Below a delegation the parent zone holds nothing but the NS at the cut (no glue is needed:
	// reverse zones are delegated to name servers named elsewhere).
	if cut, ok := t.cutAbove(name); ok && (cut != name || rr.Header().Rrtype != dns.TypeNS) {
		return
	}
	if strings.HasPrefix(name, "*.") {
		t.wildcards = true
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

	// Referral says the name is at or below a delegation: NS holds the delegation's NS records, for
	// the authority section of a non-authoritative answer. With RRs, the answer is a CNAME whose
	// target is below a delegation of the same zone, and NS the referral that ends the chain.
	Referral bool
	NS       []dns.RR

	// Wildcard says the records were synthesized from a wildcard (RFC 4592): they are the
	// wildcard's with the owner name set to the query name, copies made for this answer.
	Wildcard bool
}

// Lookup finds the records of qtype at name (lower-case, fully qualified, inside one of the zones).
// apex says whether the zone's own SOA and NS are to be answered, which mailauth does only for the
// zones it serves alone. qtype ANY returns every set at the name. A CNAME answers every other type
// at its name; a name at or below a delegation is a referral; a name that does not exist may be
// synthesized from a wildcard.
func (t *Table) Lookup(name string, qtype uint16, apex bool) Result {
	if cut, ok := t.cutAbove(name); ok {
		// The parent holds the DS of a child (none here), so DS at the cut is answered, not referred.
		if cut == name && qtype == dns.TypeDS {
			return Result{Exists: true}
		}
		return Result{Exists: true, Referral: true, NS: t.nodes[cut].set(dns.TypeNS)}
	}
	n, ok := t.nodes[name]
	if ok && len(n.sets) > 0 {
		// A name with records of its own (a host's PTR, say) wins over what a network would synthesize.
		res := Result{Exists: true}
		for _, s := range n.sets {
			if (s.rrtype == qtype || qtype == dns.TypeANY) && (apex || !s.apex) {
				if qtype != dns.TypeANY {
					res.RRs = s.rrs // one set per type: the table's own slice, not a copy
					break
				}
				res.RRs = append(res.RRs, s.rrs...)
			}
		}
		if cname := n.set(dns.TypeCNAME); len(res.RRs) == 0 && len(cname) > 0 {
			res.RRs = cname
			res.NS = t.referralOf(name, cname[0].(*dns.CNAME).Target)
		}
		return res
	}
	if res, ok := t.reverse(name, qtype); ok {
		return res
	}
	if res, ok := t.synthesizedName(name, qtype); ok {
		return res
	}
	if !ok {
		if res, ok := t.wildcard(name, qtype, apex); ok {
			return res
		}
	}
	return Result{Exists: ok}
}

// Delegates reports whether zone holds the NS records of a delegation at name, as the parent zone
// of an RFC 2317 child zone that the table also serves does. Another zone inside zone is not
// delegated by it: the policy names no servers for it.
func (t *Table) Delegates(zone, name string) bool {
	for _, rr := range t.parentNS[zone] {
		if strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// set returns the records of one type at n.
func (n *node) set(rrtype uint16) []dns.RR {
	for _, s := range n.sets {
		if s.rrtype == rrtype {
			return s.rrs
		}
	}
	return nil
}

// cutAbove returns the delegation point at or above name inside name's zone, if there is one.
func (t *Table) cutAbove(name string) (string, bool) {
	if len(t.cuts) == 0 {
		return "", false
	}
	z := t.zone(name)
	for p := name; p != "" && p != z && p != "."; p = parentName(p) {
		if t.cuts[p] {
			return p, true
		}
	}
	return "", false
}

// referralOf returns the NS records that end a CNAME from name to target when target lies below
// a delegation in the same zone: BIND follows a CNAME inside its zone (and into the referral),
// but not into another zone, even one it also serves.
func (t *Table) referralOf(name, target string) []dns.RR {
	target = strings.ToLower(target)
	if t.zone(target) != t.zone(name) {
		return nil
	}
	if cut, ok := t.cutAbove(target); ok {
		return t.nodes[cut].set(dns.TypeNS)
	}
	return nil
}

// wildcard synthesizes the answer for a name that does not exist from the wildcard "*." below its
// closest encloser, the nearest existing name above it (RFC 4592 3.3.1): a name below an existing
// name, empty non-terminals included, is never matched by a wildcard further up.
func (t *Table) wildcard(name string, qtype uint16, apex bool) (Result, bool) {
	if !t.wildcards {
		return Result{}, false
	}
	z := t.zone(name)
	for p := parentName(name); p != "" && dns.IsSubDomain(z, p); p = parentName(p) {
		if _, exists := t.nodes[p]; !exists {
			continue
		}
		w, ok := t.nodes["*."+p]
		if !ok || len(w.sets) == 0 {
			return Result{}, false
		}
		res := Result{Exists: true, Wildcard: true}
		for _, s := range w.sets {
			if (s.rrtype == qtype || qtype == dns.TypeANY) && (apex || !s.apex) {
				for _, rr := range s.rrs {
					c := dns.Copy(rr)
					c.Header().Name = name
					res.RRs = append(res.RRs, c)
				}
			}
		}
		return res, true
	}
	return Result{}, false
}

// parentName returns name without its first label: "." for a top-level name, "" for the root.
func parentName(name string) string {
	i, end := dns.NextLabel(name, 0)
	switch {
	case name == "." || name == "":
		return ""
	case end:
		return "." // a top-level domain's parent is the root
	}
	return name[i:]
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
		// The reverse names of a delegated network are CNAMEs (or below a cut): nothing to synthesize.
		if n.Prefix.Addr().Is4() != pfx.Addr().Is4() || n.Delegate != nil {
			continue
		}
		if full && n.Prefix.Contains(pfx.Addr()) {
			if qtype == dns.TypePTR || qtype == dns.TypeANY {
				return Result{Exists: true, RRs: []dns.RR{n.PTR(name, pfx.Addr())}}, true
			}
			return Result{Exists: true}, true
		}
		if !full && n.Prefix.Overlaps(pfx) && t.holdsBelow(name, pfx, n.Prefix) {
			return Result{Exists: true}, true
		}
	}
	return Result{}, false
}

// holdsBelow reports whether the zone of name, the reverse name of pfx, holds some of the
// addresses of network below name. Those a more specific zone of the table holds are that zone's
// names, as in its zone file: above them alone, name does not exist in its own zone.
func (t *Table) holdsBelow(name string, pfx, network netip.Prefix) bool {
	below := pfx
	if network.Bits() > pfx.Bits() {
		below = network
	}
	var inner []netip.Prefix
	for _, z := range t.zones {
		if z != name && InZone(z, name) {
			if zp, ok := records.ParseReverse(z); ok {
				inner = append(inner, zp)
			}
		}
	}
	return !coveredBy(below, inner)
}

// coveredBy reports whether zones hold every address of p, in one zone or spread over several.
func coveredBy(p netip.Prefix, zones []netip.Prefix) bool {
	overlapped := false
	for _, z := range zones {
		if z.Bits() <= p.Bits() && z.Contains(p.Addr()) {
			return true
		}
		overlapped = overlapped || z.Overlaps(p)
	}
	if !overlapped || p.Bits() == p.Addr().BitLen() {
		return false
	}
	b := p.Addr().AsSlice()
	b[p.Bits()/8] |= 0x80 >> (p.Bits() % 8)
	upper, _ := netip.AddrFromSlice(b)
	return coveredBy(netip.PrefixFrom(p.Addr(), p.Bits()+1), zones) && coveredBy(netip.PrefixFrom(upper, p.Bits()+1), zones)
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

// apexNS returns the name servers of zone: those of the delegation that zone is the child zone of,
// so that both sides of the delegation name the same servers, or else the policy's.
func apexNS(p *policy.Policy, zone string) []string {
	for _, d := range p.Delegations {
		if d.Zone == zone {
			return d.To
		}
	}
	return p.NS
}
