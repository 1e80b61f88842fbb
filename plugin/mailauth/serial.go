package mailauth

import (
	"strings"

	"github.com/miekg/dns"
)

// serialWriter adds the policy's serial to the serial of every SOA of zone in a reply, so that the
// serial of a zone merged from a zone file and the policy grows when either grows (RFC 1982
// arithmetic: each source's serial only ever increases, so their sum does too), and stays put
// across restarts over unchanged sources.
type serialWriter struct {
	dns.ResponseWriter
	zone string
	add  uint32
}

// WriteMsg implements dns.ResponseWriter.
func (w *serialWriter) WriteMsg(m *dns.Msg) error {
	for _, section := range [][]dns.RR{m.Answer, m.Ns} {
		for i, rr := range section {
			section[i] = mergedSOA(rr, w.zone, w.add)
		}
	}
	return w.ResponseWriter.WriteMsg(m)
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
