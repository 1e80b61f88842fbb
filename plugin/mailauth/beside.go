package mailauth

import (
	"context"
	"strings"

	"github.com/coredns/coredns/plugin/pkg/nonwriter"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// This file answers in zones served beside another plugin (file, auto, secondary): mailauth asks
// that plugin too and merges both answers into what one zone file would give.

// innerKey marks the context of queries mailauth passes to the next plugin.
type innerKey struct{}

// passOn hands a query for a name the policy does not publish to the next plugin. When its answer
// is a CNAME into a name the policy publishes, the policy's records there join the answer, as they
// would in one zone file.
func (m *MailAuth) passOn(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, t *table.Table, zone string) (int, error) {
	reply, rcode, err := m.ask(ctx, w, r)
	if reply == nil {
		return rcode, err
	}
	qtype := r.Question[0].Qtype
	for _, rr := range reply.Answer {
		cname, ok := rr.(*dns.CNAME)
		if !ok || qtype == dns.TypeCNAME {
			continue
		}
		target := strings.ToLower(cname.Target)
		ours := t.Lookup(target, qtype, false).RRs
		if len(ours) == 0 {
			continue
		}
		var kept []dns.RR
		for _, a := range reply.Answer {
			if strings.EqualFold(a.Header().Name, target) && a.Header().Rrtype != dns.TypeCNAME {
				kept = append(kept, replaced([]dns.RR{a}, ours)...)
				continue
			}
			kept = append(kept, a)
		}
		reply.Answer = append(kept, ours...)
		reply.Rcode = dns.RcodeSuccess
		reply.Ns = nil
		break
	}
	if qtype == dns.TypeNS {
		reply.Extra = append(onlyOPT(reply.Extra), m.glue(ctx, w, t, qtype, zone, reply.Answer, false, addressesOf(reply.Extra))...)
	}
	// A CNAME chain ending in NODATA inside the zone is a negative answer for its last name: it
	// carries the SOA (RFC 2308 section 2.2), which file leaves out.
	if end := chainEnd(reply.Answer, r.Question[0].Name); qtype != dns.TypeCNAME && reply.Rcode == dns.RcodeSuccess && end != "" &&
		dns.IsSubDomain(zone, end) && !hasType(reply.Answer, end, qtype) {
		if soa := m.zoneSOA(ctx, w, zone, soaOf(reply.Ns)); len(soa) > 0 {
			reply.Ns = []dns.RR{negativeSOA(soa[0])}
		}
	}
	w.WriteMsg(reply)
	return rcode, err
}

// chainEnd follows the CNAMEs of answer from qname and returns the last name, or "" without CNAMEs.
func chainEnd(answer []dns.RR, qname string) string {
	end := ""
	for name, hops := qname, 0; hops < 16; hops++ {
		next := ""
		for _, rr := range answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, name) {
				next = c.Target
			}
		}
		if next == "" {
			break
		}
		end, name = strings.ToLower(next), next
	}
	return end
}

func hasType(rrs []dns.RR, name string, qtype uint16) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// merge answers a query in a zone whose other records come from the next plugin (file, say): the
// next plugin's answer at the same name joins ours, and negative answers carry its SOA.
func (m *MailAuth) merge(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, zone string, res table.Result, t *table.Table, server string) (int, error) {
	if res.Referral {
		// Below a delegation the policy's NS are the answer: the zone file has no say there.
		return m.answer(w, r, res, nil, nil, server, zone)
	}
	theirs, _, _ := m.ask(ctx, w, r)
	if res.Wildcard && theirs != nil && theirs.Rcode == dns.RcodeSuccess {
		// The name exists in the zone file, so the policy's wildcard does not apply (RFC 4592 2.2.1).
		answered(server, zone, resultFallthrough)
		w.WriteMsg(theirs)
		return dns.RcodeSuccess, nil
	}
	var soa, extra []dns.RR
	if theirs != nil && len(theirs.Answer) == 0 {
		soa = soaOf(theirs.Ns)
	}
	if !res.Exists {
		return m.answer(w, r, res, m.zoneSOA(ctx, w, zone, soa), nil, server, zone)
	}
	if theirs != nil && theirs.Rcode == dns.RcodeSuccess {
		res.RRs = append(res.RRs[:len(res.RRs):len(res.RRs)], replaced(theirs.Answer, res.RRs)...)
		extra = theirs.Extra
	}
	if r.Question[0].Qtype == dns.TypeANY {
		res.RRs = m.completeSets(ctx, w, r.Question[0].Name, res.RRs)
	}
	if len(res.RRs) > 0 {
		return m.answer(w, r, res, nil, m.glue(ctx, w, t, r.Question[0].Qtype, zone, res.RRs, false, extra), server, zone)
	}
	return m.answer(w, r, res, m.zoneSOA(ctx, w, zone, soa), nil, server, zone)
}

// completeSets makes every RRset of an ANY answer whole: the next plugin's answer to ANY may lack
// records of a type the policy also has at the name (file answers ANY with nothing), so it is
// asked for each such type.
func (m *MailAuth) completeSets(ctx context.Context, w dns.ResponseWriter, name string, rrs []dns.RR) []dns.RR {
	asked := map[uint16]bool{}
	for _, rr := range rrs {
		t := rr.Header().Rrtype
		if asked[t] {
			continue
		}
		asked[t] = true
		q := new(dns.Msg)
		q.SetQuestion(name, t)
		if reply, _, _ := m.ask(ctx, w, q); reply != nil && reply.Rcode == dns.RcodeSuccess {
			rrs = append(rrs, replaced(reply.Answer, rrs)...)
		}
	}
	return rrs
}

// glue returns the addresses of the NS targets among rrs, which BIND adds to an answer to qtype NS
// in zone even with minimal responses: from the table, and in a zone served beside another plugin
// (apex false) from that plugin too. have is what is known already (its additional section). BIND
// looks for them in the zone's own data only, so a target in another zone gets none, and adds
// none to other answers, ANY included.
func (m *MailAuth) glue(ctx context.Context, w dns.ResponseWriter, t *table.Table, qtype uint16, zone string, rrs []dns.RR, apex bool, have []dns.RR) []dns.RR {
	if qtype != dns.TypeNS {
		return addressesOf(have)
	}
	var out []dns.RR
	for _, rr := range rrs {
		ns, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		target := strings.ToLower(ns.Ns)
		if table.LongestZone(m.Zones, target) != zone {
			continue
		}
		for _, rrtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
			out = append(out, t.Lookup(target, rrtype, apex).RRs...)
			if apex || hasType(have, target, rrtype) {
				continue
			}
			q := new(dns.Msg)
			q.SetQuestion(target, rrtype)
			if reply, _, _ := m.ask(ctx, w, q); reply != nil && reply.Authoritative {
				for _, a := range reply.Answer {
					if a.Header().Rrtype == rrtype && strings.EqualFold(a.Header().Name, target) {
						out = append(out, a)
					}
				}
			}
		}
	}
	return append(out, addressesOf(have)...)
}

// addressesOf keeps the A and AAAA records of an additional section.
func addressesOf(extra []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range extra {
		if t := rr.Header().Rrtype; t == dns.TypeA || t == dns.TypeAAAA {
			out = append(out, rr)
		}
	}
	return out
}

// ask sends q to the next plugin and returns its reply, or nil with the rcode and error it
// returned when it wrote none.
func (m *MailAuth) ask(ctx context.Context, w dns.ResponseWriter, q *dns.Msg) (*dns.Msg, int, error) {
	if m.Next == nil {
		return nil, dns.RcodeServerFailure, nil
	}
	nw := nonwriter.New(w)
	rcode, err := m.Next.ServeDNS(ctx, nw, q)
	return nw.Msg, rcode, err
}

// zoneSOA returns soa when the next plugin already sent it, and otherwise asks it for the SOA of zone.
func (m *MailAuth) zoneSOA(ctx context.Context, w dns.ResponseWriter, zone string, soa []dns.RR) []dns.RR {
	if len(soa) > 0 {
		return soa
	}
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	if reply, _, _ := m.ask(ctx, w, q); reply != nil && reply.Rcode == dns.RcodeSuccess {
		return soaOf(reply.Answer)
	}
	return nil
}

// replaced drops from theirs the TXT records of a kind that ours publishes at the same name (an
// old "v=spf1" in a zone file, say), since two SPF or DMARC records at a name make verifiers fail,
// and their MX records where ours has MX: the policy says where a domain's mail goes, and a null
// MX beside another MX would contradict it (RFC 7505 3). Every other record of theirs (a site
// verification TXT, A, CNAME) is kept.
func replaced(theirs, ours []dns.RR) []dns.RR {
	kinds := map[string]bool{}
	mx := false
	for _, rr := range ours {
		switch t := rr.(type) {
		case *dns.TXT:
			kinds[txtKind(t)] = true
		case *dns.MX:
			mx = true
		}
	}
	out := make([]dns.RR, 0, len(theirs))
	for _, rr := range theirs {
		if t, ok := rr.(*dns.TXT); ok && kinds[txtKind(t)] {
			continue
		}
		if _, ok := rr.(*dns.MX); ok && mx {
			continue
		}
		if dup(rr, ours) {
			continue
		}
		out = append(out, rr)
	}
	return out
}

func dup(rr dns.RR, list []dns.RR) bool {
	for _, o := range list {
		if dns.IsDuplicate(rr, o) {
			return true
		}
	}
	return false
}

// txtKind is the version tag a mail-auth TXT record starts with ("v=spf1", "v=dkim1", "dkim=" for
// ADSP), lower-cased; other TXT records have kind "".
func txtKind(t *dns.TXT) string {
	v := strings.ToLower(strings.Join(t.Txt, ""))
	for _, k := range []string{"v=spf1", "v=dkim1", "v=dmarc1", "dkim=", "spf2.0/", "v=stsv1", "v=tlsrptv1", "v=bimi1"} {
		if strings.HasPrefix(v, k) {
			return k
		}
	}
	return "other:" + v
}
