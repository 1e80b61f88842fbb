// Package mailauth is a CoreDNS plugin that publishes a domain's mail-authentication DNS (SPF,
// DKIM, ADSP and DMARC records, mail hosts with matching PTRs, and reverse DNS for whole networks)
// from one declarative mail policy file.
package mailauth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
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
	policyZones *zoneSet              // the zones of every server block loading the same policy
	transferers []transfer.Transferer // the other plugins' zones, merged into transfers

	// Loader state: used by start-up and the reload goroutine, never by queries.
	loadMu   sync.Mutex
	loadedAt time.Time
	lastErr  string
	failed   *policy.Failure // the last attempt, when it failed: retried once its files change
}

// Name implements the plugin.Handler interface.
func (m *MailAuth) Name() string { return name }

// ServeDNS implements the plugin.Handler interface.
func (m *MailAuth) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	state := request.Request{W: w, Req: r}
	qname := state.Name()
	zone := table.LongestZone(m.Zones, qname)
	if zone == "" || state.QClass() != dns.ClassINET {
		return plugin.NextOrFailure(m.Name(), m.Next, ctx, w, r)
	}
	// The DS of a zone is the parent's data (RFC 4035 3.1.4.1): where both are served here, as with
	// the child zone of an RFC 2317 delegation, BIND answers DS at the child's apex from the parent.
	fromParent := false
	if state.QType() == dns.TypeDS && qname == zone {
		if i, end := dns.NextLabel(qname, 0); !end {
			if parent := table.LongestZone(m.Zones, qname[i:]); parent != "" {
				zone, fromParent = parent, true
			}
		}
	}
	t := m.table.Load()
	beside := m.isBeside(zone)
	res := t.Lookup(qname, state.QType(), !beside)
	if fromParent && !t.Delegates(zone, qname) {
		// The parent holds nothing at the apex of a zone inside it that it does not delegate, as
		// its zone file would not: there the name does not exist.
		res = table.Result{}
	}
	server := metrics.WithServer(ctx)
	if !beside {
		var soa []dns.RR
		if len(res.RRs) == 0 {
			soa = t.Lookup(zone, dns.TypeSOA, true).RRs // for the negative answer
		}
		return m.answer(w, r, res, soa, m.glue(ctx, w, t, state.QType(), zone, res.RRs, true, nil), server, zone)
	}
	// Beside another plugin the reply describes one merged zone: see zoneWriter. A query the next
	// plugin sends back through the server (file chasing a CNAME) is shaped by the outer reply only.
	if ctx.Value(innerKey{}) == nil {
		w = &zoneWriter{ResponseWriter: w, zone: zone, add: t.Serial}
		ctx = context.WithValue(ctx, innerKey{}, true)
	}
	if !res.Exists && m.Fall.Through(qname) {
		answered(server, zone, resultFallthrough)
		return m.passOn(ctx, w, r, t, zone)
	}
	return m.merge(ctx, w, r, zone, res, t, server)
}

// answer writes the reply: the records, or NODATA/NXDOMAIN with the zone's SOA in authority, or a
// referral to a delegated zone (its NS in authority, not authoritative), as BIND writes them.
func (m *MailAuth) answer(w dns.ResponseWriter, r *dns.Msg, res table.Result, soa, extra []dns.RR, server, zone string) (int, error) {
	msg := new(dns.Msg)
	msg.SetReply(r)
	msg.Compress = true
	if res.Referral {
		msg.Ns = append([]dns.RR(nil), res.NS...)
		answered(server, zone, resultReferral)
		w.WriteMsg(msg)
		return dns.RcodeSuccess, nil
	}
	if len(res.RRs) == 0 && len(soa) == 0 {
		return dns.RcodeServerFailure, plugin.Error(m.Name(), errNoSOA)
	}
	msg.Authoritative = true
	if len(res.NS) > 0 {
		msg.Ns = append([]dns.RR(nil), res.NS...) // a CNAME into a delegation ends in its referral
	}
	// The answer spells owner names as the policy stores them (lower case), whatever the question's
	// case, as BIND does. The slice is the reply's own: dnssec appends signatures to it.
	msg.Answer = append(make([]dns.RR, 0, len(res.RRs)+2), res.RRs...)
	msg.Extra = extra
	result := resultPositive
	if len(res.RRs) == 0 {
		result = resultNoData
		msg.Ns = []dns.RR{negativeSOA(soa[0])}
		if !res.Exists {
			msg.Rcode = dns.RcodeNameError
			result = resultNXDomain
			msg.Ns = zeroSOATTL(msg.Ns, r.Question[0].Qtype)
		}
		msg.Answer = nil
	}
	answered(server, zone, result)
	w.WriteMsg(msg)
	return dns.RcodeSuccess, nil
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

// zeroSOATTL returns the authority section of an NXDOMAIN answer to qtype: for an SOA query, its
// SOA with TTL 0, as BIND sends it (its zero-no-soa-ttl, on by default), so that a stub resolver
// asking for the SOA of a name to find its zone does not cache that answer. The SOA is copied.
func zeroSOATTL(ns []dns.RR, qtype uint16) []dns.RR {
	if qtype != dns.TypeSOA {
		return ns
	}
	out := make([]dns.RR, len(ns))
	for i, rr := range ns {
		if soa, ok := rr.(*dns.SOA); ok {
			c := *soa
			c.Hdr.Ttl = 0
			rr = &c
		}
		out[i] = rr
	}
	return out
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
