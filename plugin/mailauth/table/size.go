package table

import (
	"sort"

	"github.com/miekg/dns"
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
	names := make([]string, 0, len(t.nodes))
	for name, n := range t.nodes {
		if len(n.sets) > 0 {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool { return canonicalLess(names[i], names[j]) })
	var out []LargeAnswer
	for _, name := range names {
		for _, s := range t.nodes[name].sets {
			m := new(dns.Msg)
			m.SetQuestion(name, s.rrtype)
			m.Response, m.Authoritative, m.Compress = true, true, true
			m.Answer = s.rrs
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
	return out
}
