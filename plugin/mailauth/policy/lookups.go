package policy

import (
	"fmt"
	"strings"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/spf"
)

// maxLookups is how many terms that cause DNS lookups one SPF evaluation may meet, includes and
// redirects followed, before receivers give up with permerror (RFC 7208 4.6.4).
const maxLookups = 10

// maxSPFSize is the record length RFC 7208 3.4 advises staying under, so that the answer fits
// in a UDP datagram beside other records.
const maxSPFSize = 450

// spfTree is one SPF record as an evaluation meets it: the terms of its own that cost a lookup,
// and the records its include: and redirect= terms lead to.
type spfTree struct {
	domain  string   // without the trailing dot, as people write it in SPF terms
	lookups []string // its terms that cause a lookup, as written
	note    string   // why the record is not expanded; "" when it is
	kids    []*spfTree
	total   int  // lookups of this record and of everything under it
	loop    bool // an include loop was met under it, which makes counting meaningless
}

// spfCounter expands the SPF records the policy serves.
type spfCounter struct {
	records map[string][]spf.Term // the SPF terms of each domain of the policy that has them
	done    map[string]*spfTree   // expanded records without a loop, which are the same from anywhere
	loops   [][]string            // include loops met, each from a domain back to itself
}

// spfLookups counts, for every SPF record of the policy, the lookups an evaluation makes, and
// warns of terms that receivers accept but that do harm.
func (c *checker) spfLookups(p *Policy, keys map[string]string) {
	sc := &spfCounter{records: map[string][]spf.Term{}, done: map[string]*spfTree{}}
	type parse struct {
		terms []spf.Term
		err   error
	}
	parsed := map[string]parse{} // by record text: many domains share one
	for _, d := range p.Domains {
		pace.Step()
		if d.SPF == "" {
			continue
		}
		r, ok := parsed[d.SPF]
		if !ok {
			// The record is the terms as written, joined by single spaces: it parses back the same.
			r.terms, r.err = spf.ParseTerms(strings.Fields(d.SPF)[1:])
			parsed[d.SPF] = r
		}
		if r.err == nil {
			sc.records[d.Name] = r.terms
		}
	}
	for _, d := range p.Domains {
		pace.Step()
		terms, ok := sc.records[d.Name]
		if !ok {
			continue
		}
		path := []any{"domains", keys[d.Name], "spf"}
		c.spfWarnings(d, terms, path)
		sc.loops = nil
		tree := sc.expand(d.Name, nil)
		for _, l := range sc.loops {
			if l[0] == d.Name {
				c.errorf(path, "SPF include loop: %s; receivers return permerror for it (RFC 7208 4.6.4)", loopText(l))
			}
		}
		if !tree.loop && tree.total > maxLookups {
			c.errorf(path, "SPF record of %s makes %d DNS lookups, over the limit of %d (RFC 7208 4.6.4):\n%s",
				tree.domain, tree.total, maxLookups, strings.TrimSuffix(tree.String(), "\n"))
		}
	}
}

func (c *checker) spfWarnings(d Domain, terms []spf.Term, path []any) {
	all := -1
	for i, t := range terms {
		if !t.Modifier && t.Name == "all" && all < 0 {
			all = i
		}
	}
	for i, t := range terms {
		at := append(path[:len(path):len(path)], i)
		switch {
		case !t.Modifier && t.Name == "ptr":
			c.warnf(at, `SPF term %q: do not use ptr (RFC 7208 5.5): it is slow, unreliable and ignored by some receivers; list the addresses with ip4:, ip6: or a: instead`, t.Text)
		case !t.Modifier && t.Name == "all" && (t.Qualifier == 0 || t.Qualifier == '+'):
			c.warnf(at, `SPF term %q lets every address on the Internet send mail as %s; end the record with "~all" or "-all"`, t.Text, trimDot(d.Name))
		case t.Modifier && t.Name == "redirect" && all >= 0:
			c.warnf(at, `SPF term %q is ignored, since the record has the "all" mechanism %q (RFC 7208 6.1); remove one of them`, t.Text, terms[all].Text)
		}
	}
	if n := len(d.SPF); n > maxSPFSize {
		c.warnf(path, "SPF record of %s is %d bytes, over the %d that RFC 7208 3.4 advises to keep its answer in one UDP datagram; move terms behind an include:", trimDot(d.Name), n, maxSPFSize)
	}
}

// expand returns the tree of the SPF record at name (a domain with a record), stack holding the
// records that include it.
func (sc *spfCounter) expand(name string, stack []string) *spfTree {
	if t, ok := sc.done[name]; ok {
		return t
	}
	stack = append(stack[:len(stack):len(stack)], name)
	t := &spfTree{domain: trimDot(name)}
	terms := sc.records[name]
	hasAll := false
	for _, term := range terms {
		hasAll = hasAll || !term.Modifier && term.Name == "all"
	}
	for _, term := range terms {
		if !term.Modifier && term.Name == "all" {
			break // mechanisms after all are never evaluated
		}
		// A redirect beside an all mechanism is never followed (RFC 7208 6.1).
		if !term.Lookups() || term.Modifier && hasAll {
			continue
		}
		t.lookups = append(t.lookups, term.Text)
		t.total++
		if term.Name == "include" || term.Name == "redirect" {
			kid := sc.target(term.Value, stack)
			t.kids = append(t.kids, kid)
			t.total += kid.total
			t.loop = t.loop || kid.loop
		}
	}
	// Without a loop below it a record expands the same whoever includes it (a loop through a record
	// is a loop from every stack), so it is expanded once.
	if !t.loop {
		sc.done[name] = t
	}
	return t
}

// target expands what an include: or redirect= names: a record of this policy, or a leaf that
// costs only the lookup of the term itself.
func (sc *spfCounter) target(spec string, stack []string) *spfTree {
	if strings.Contains(spec, "%") {
		return &spfTree{domain: spec, note: "macros, not expanded"}
	}
	name, err := canonicalName(spec)
	if err != nil {
		return &spfTree{domain: spec, note: "not a domain name, not expanded"}
	}
	if _, ok := sc.records[name]; !ok {
		return &spfTree{domain: trimDot(name), note: "not served here, not expanded"}
	}
	for i, s := range stack {
		if s == name {
			sc.loops = append(sc.loops, append(append([]string(nil), stack[i:]...), name))
			return &spfTree{domain: trimDot(name), note: "an include loop", loop: true}
		}
	}
	return sc.expand(name, stack)
}

// String draws the tree, one record per line, each indented under the record that leads to it.
func (t *spfTree) String() string {
	var b strings.Builder
	t.draw(&b, "  ")
	return b.String()
}

func (t *spfTree) draw(b *strings.Builder, indent string) {
	switch {
	case t.note != "":
		fmt.Fprintf(b, "%s%s: %s\n", indent, t.domain, t.note)
	case len(t.lookups) == 0:
		fmt.Fprintf(b, "%s%s: 0\n", indent, t.domain)
	default:
		fmt.Fprintf(b, "%s%s: %d (%s)\n", indent, t.domain, len(t.lookups), strings.Join(t.lookups, ", "))
	}
	for _, k := range t.kids {
		k.draw(b, indent+"  ")
	}
}

// loopText shows a loop as the chain of records: a.example -> b.example -> a.example.
func loopText(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = trimDot(n)
	}
	return strings.Join(out, " -> ")
}

func trimDot(name string) string { return strings.TrimSuffix(name, ".") }
