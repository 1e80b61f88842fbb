// Package mailauth is a CoreDNS plugin that publishes a domain's mail-authentication DNS (SPF,
// DKIM, ADSP and DMARC records, mail hosts with matching PTRs, and reverse DNS for whole networks)
// from one declarative mail policy file.
package mailauth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/plugin/pkg/nonwriter"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

const name = "mailauth"

// MailAuth answers the queries for the names its policy publishes in its zones.
type MailAuth struct {
	Next   plugin.Handler
	Zones  []string
	Fall   fall.F
	Policy string        // path of the policy file
	Reload time.Duration // how often to check the files for changes; 0 never

	table  atomic.Pointer[table.Table]
	beside atomic.Pointer[map[string]bool] // zones that a later plugin is authoritative for

	xfer        *transfer.Transfer    // for NOTIFY; nil without the transfer plugin
	transferers []transfer.Transferer // the other plugins' zones, merged into transfers

	// Loader state: used by start-up and the reload goroutine, never by queries.
	loadMu   sync.Mutex
	loaded   fingerprint
	loadedAt time.Time
	lastErr  string
}

// Name implements the plugin.Handler interface.
func (m *MailAuth) Name() string { return name }

// ServeDNS implements the plugin.Handler interface.
func (m *MailAuth) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	qname := state.Name()
	zone := plugin.Zones(m.Zones).Matches(qname)
	if zone == "" || state.QClass() != dns.ClassINET {
		return plugin.NextOrFailure(m.Name(), m.Next, ctx, w, r)
	}
	t := m.table.Load()
	beside := m.isBeside(zone)
	res := t.Lookup(qname, state.QType(), !beside)
	server := metrics.WithServer(ctx)
	if !beside {
		return m.answer(w, r, res, t.Lookup(zone, dns.TypeSOA, true).RRs, server, zone)
	}
	// The zone's serial tells secondaries when to transfer it again; beside another plugin it must
	// change when either source does, so every SOA of the zone goes out with the policy's serial added.
	w = &serialWriter{ResponseWriter: w, zone: zone, add: t.Serial}
	if !res.Exists && m.Fall.Through(qname) {
		answerCount.WithLabelValues(server, zone, resultFallthrough).Inc()
		return plugin.NextOrFailure(m.Name(), m.Next, ctx, w, r)
	}
	return m.merge(ctx, w, r, zone, res, server)
}

// merge answers a query in a zone whose other records come from the next plugin (file, say): the
// next plugin's answer at the same name joins ours, and negative answers carry its SOA.
func (m *MailAuth) merge(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, zone string, res table.Result, server string) (int, error) {
	theirs := m.ask(ctx, w, r, r)
	var soa []dns.RR
	if theirs != nil && len(theirs.Answer) == 0 {
		soa = soaOf(theirs.Ns)
	}
	if !res.Exists {
		return m.answer(w, r, res, m.zoneSOA(ctx, w, r, zone, soa), server, zone)
	}
	if theirs != nil && theirs.Rcode == dns.RcodeSuccess {
		res.RRs = append(res.RRs[:len(res.RRs):len(res.RRs)], replaced(theirs.Answer, res.RRs)...)
	}
	if len(res.RRs) > 0 {
		return m.answer(w, r, res, nil, server, zone)
	}
	return m.answer(w, r, res, m.zoneSOA(ctx, w, r, zone, soa), server, zone)
}

// answer writes the reply: the records, or NODATA/NXDOMAIN with the zone's SOA in authority.
func (m *MailAuth) answer(w dns.ResponseWriter, r *dns.Msg, res table.Result, soa []dns.RR, server, zone string) (int, error) {
	if len(res.RRs) == 0 && len(soa) == 0 {
		return dns.RcodeServerFailure, plugin.Error(m.Name(), errNoSOA)
	}
	msg := new(dns.Msg)
	msg.SetReply(r)
	msg.Authoritative = true
	msg.Compress = true
	owner := r.Question[0].Name
	msg.Answer = make([]dns.RR, len(res.RRs))
	for i, rr := range res.RRs {
		msg.Answer[i] = withOwner(rr, owner)
	}
	result := resultPositive
	if len(res.RRs) == 0 {
		result = resultNoData
		if !res.Exists {
			msg.Rcode = dns.RcodeNameError
			result = resultNXDomain
		}
		msg.Ns = []dns.RR{negativeSOA(soa[0])}
		msg.Answer = nil
	}
	answerCount.WithLabelValues(server, zone, result).Inc()
	w.WriteMsg(msg)
	return dns.RcodeSuccess, nil
}

// ask sends q to the next plugin and returns its reply, or nil when it wrote none.
func (m *MailAuth) ask(ctx context.Context, w dns.ResponseWriter, r, q *dns.Msg) *dns.Msg {
	if m.Next == nil {
		return nil
	}
	nw := nonwriter.New(w)
	m.Next.ServeDNS(ctx, nw, q)
	return nw.Msg
}

// zoneSOA returns soa when the next plugin already sent it, and otherwise asks it for the SOA of zone.
func (m *MailAuth) zoneSOA(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, zone string, soa []dns.RR) []dns.RR {
	if len(soa) > 0 {
		return soa
	}
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	if reply := m.ask(ctx, w, r, q); reply != nil && reply.Rcode == dns.RcodeSuccess {
		return soaOf(reply.Answer)
	}
	return nil
}

func (m *MailAuth) isBeside(zone string) bool {
	if b := m.beside.Load(); b != nil {
		return (*b)[zone]
	}
	return false
}

func soaOf(rrs []dns.RR) []dns.RR {
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeSOA {
			return []dns.RR{rr}
		}
	}
	return nil
}

// negativeSOA returns the SOA for a negative answer with the TTL RFC 2308 section 3 asks for: the
// smaller of the SOA's own TTL and its minimum field, as BIND sends it.
func negativeSOA(rr dns.RR) dns.RR {
	soa, ok := rr.(*dns.SOA)
	if !ok {
		return rr
	}
	c := *soa
	c.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	return &c
}

// replaced drops from theirs the TXT records of a kind that ours publishes at the same name (an
// old "v=spf1" in a zone file, say), since two SPF or DMARC records at a name make verifiers fail;
// every other record of theirs (a site verification TXT, MX, A) is kept.
func replaced(theirs, ours []dns.RR) []dns.RR {
	kinds := map[string]bool{}
	for _, rr := range ours {
		if t, ok := rr.(*dns.TXT); ok {
			kinds[txtKind(t)] = true
		}
	}
	out := make([]dns.RR, 0, len(theirs))
	for _, rr := range theirs {
		if t, ok := rr.(*dns.TXT); ok && kinds[txtKind(t)] {
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
	for _, k := range []string{"v=spf1", "v=dkim1", "v=dmarc1", "dkim=", "spf2.0/"} {
		if strings.HasPrefix(v, k) {
			return k
		}
	}
	return "other:" + v
}

// withOwner returns a copy of rr owned by name, so the answer spells the owner as the question did
// (BIND does the same; with 0x20 queries it lets the owner compress against the question). The copy
// shares rdata with the table, which nothing modifies.
func withOwner(rr dns.RR, name string) dns.RR {
	var c dns.RR
	switch v := rr.(type) {
	case *dns.TXT:
		x := *v
		c = &x
	case *dns.PTR:
		x := *v
		c = &x
	case *dns.A:
		x := *v
		c = &x
	case *dns.AAAA:
		x := *v
		c = &x
	default:
		c = dns.Copy(rr)
	}
	if strings.EqualFold(c.Header().Name, name) {
		c.Header().Name = name
	}
	return c
}
