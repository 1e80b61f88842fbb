package table

import (
	"sort"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// LargeAnswer is an RRset whose answer does not fit in limit bytes.
type LargeAnswer struct {
	Name    string
	Type    uint16
	Size    int      // bytes of the reply on the wire
	Records []string // the records that make it up, in presentation form
}

// LargeAnswers returns every RRset of the table whose answer is over limit bytes: a reply holding
// the question and all the set's records, compressed as mailauth sends it, without EDNS. Resolvers
// that advertise 1232 bytes (the DNS Flag Day 2020 size, safe from IP fragmentation) get such an
// answer truncated and retry over TCP. Synthesized network records are one small record each and
// are not listed. The result is in canonical order of names.
func (t *Table) LargeAnswers(limit int) []LargeAnswer {
	var out []LargeAnswer
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	for name, n := range t.nodes {
		pace.Step()
		for _, s := range n.sets {
			m.SetQuestion(name, s.rrtype)
			m.Answer = s.rrs
			// The length without compression bounds the length with it, and is quick to compute:
			// most sets are far under the limit and are not packed at all.
			m.Compress = false
			if m.Len() <= limit {
				continue
			}
			m.Compress = true
			wire, err := m.Pack()
			if err != nil || len(wire) <= limit {
				continue
			}
			a := LargeAnswer{Name: name, Type: s.rrtype, Size: len(wire)}
			for _, rr := range s.rrs {
				a.Records = append(a.Records, rr.String())
			}
			out = append(out, a)
		}
	}
	keys := make(map[string]string, len(out))
	for _, a := range out {
		keys[a.Name] = canonicalKey(a.Name)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return keys[out[i].Name] < keys[out[j].Name]
		}
		return out[i].Type < out[j].Type
	})
	return out
}
