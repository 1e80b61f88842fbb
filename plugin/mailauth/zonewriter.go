package mailauth

import (
	"strings"

	"github.com/miekg/dns"
)

// zoneWriter shapes every reply in a zone served beside another plugin so that the merged zone
// looks like one zone:
//
//   - the policy's serial is added to the serial of every SOA of the zone, so that the serial grows
//     when either source grows (RFC 1982 arithmetic: each source's serial only ever increases, so
//     their sum does too), and stays put across restarts over unchanged sources;
//   - positive answers are minimal, as mailauth's own are (BIND's "minimal-responses yes"): the
//     other plugin's NS in authority and its additional records are left out, which also keeps
//     large TXT answers within 512 bytes. Referrals and negative answers keep what they need, and
//     NS answers their glue, as BIND's do;
//   - the SOA of an NXDOMAIN answer to an SOA query has TTL 0, as in mailauth's own (zeroSOATTL).
type zoneWriter struct {
	dns.ResponseWriter
	zone string
	add  uint32
}

// WriteMsg implements dns.ResponseWriter.
func (w *zoneWriter) WriteMsg(m *dns.Msg) error {
	if m.Authoritative && m.Rcode == dns.RcodeSuccess && len(m.Answer) > 0 {
		// A CNAME ending in NODATA keeps its SOA, and one ending in a delegation its referral.
		end := chainEnd(m.Answer, m.Question[0].Name)
		if hasType(m.Answer, end, m.Question[0].Qtype) {
			end = "" // the chain is answered: no referral
		}
		m.Ns = withoutNS(m.Ns, end, w.zone)
		if m.Question[0].Qtype != dns.TypeNS {
			m.Extra = onlyOPT(m.Extra)
		}
	}
	if m.Rcode == dns.RcodeNameError && len(m.Question) > 0 {
		m.Ns = zeroSOATTL(m.Ns, m.Question[0].Qtype)
	}
	m.Answer = withMergedSOA(m.Answer, w.zone, w.add)
	m.Ns = withMergedSOA(m.Ns, w.zone, w.add)
	return w.ResponseWriter.WriteMsg(m)
}

// withoutNS drops the NS records of rrs but those of a delegation below zone that end, the last
// name of a CNAME chain, lies in: the referral that the chain ends in.
func withoutNS(rrs []dns.RR, end, zone string) []dns.RR {
	out := rrs[:0:0]
	for _, rr := range rrs {
		owner := rr.Header().Name
		referral := end != "" && !strings.EqualFold(owner, zone) && dns.IsSubDomain(owner, end)
		if rr.Header().Rrtype != dns.TypeNS || referral {
			out = append(out, rr)
		}
	}
	return out
}

func onlyOPT(extra []dns.RR) []dns.RR {
	for _, rr := range extra {
		if rr.Header().Rrtype == dns.TypeOPT {
			return []dns.RR{rr}
		}
	}
	return nil
}

// withMergedSOA returns rrs with the SOA of zone merged. The slice may be the other plugin's own
// zone data, so it is copied rather than changed in place.
func withMergedSOA(rrs []dns.RR, zone string, add uint32) []dns.RR {
	var out []dns.RR
	for i, rr := range rrs {
		if merged := mergedSOA(rr, zone, add); merged != rr {
			if out == nil {
				out = append([]dns.RR(nil), rrs...)
			}
			out[i] = merged
		}
	}
	if out == nil {
		return rrs
	}
	return out
}

// mergedSOA returns rr with add added to its serial when it is the SOA of zone, else rr itself.
// The SOA is copied: the next plugin's zone data must stay untouched.
func mergedSOA(rr dns.RR, zone string, add uint32) dns.RR {
	soa, ok := rr.(*dns.SOA)
	if !ok || !strings.EqualFold(soa.Hdr.Name, zone) {
		return rr
	}
	c := *soa
	c.Serial += add
	return &c
}
