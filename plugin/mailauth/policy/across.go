package policy

import (
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// across runs the checks that need the whole policy rather than one value: SPF lookups counted
// through the includes this policy serves, DMARC report addresses on other domains, the HELO
// records of hosts that are also domains, MX targets, the DMARC policy behind a BIMI record, and
// where each name is written, for OutsideZones.
func (c *checker) across(p *Policy, doc *document) {
	keys := map[string]string{} // domain name -> its key as written in the file
	for _, k := range inFileOrder(&c.locator, doc.Domains, "domains") {
		pace.Step()
		if n, err := canonicalName(k); err == nil {
			if _, dup := keys[n]; !dup {
				keys[n] = k
			}
		}
	}
	c.spfLookups(p, keys)
	c.reportAuthorizations(p, doc, keys)
	c.heloRecords(p, doc, keys)
	c.mxTargets(p, doc, keys)
	c.bimiDMARC(p, doc, keys)
	if len(c.errs) == 0 {
		p.where = c.places(p, doc)
	}
}

// serving returns the domain of p that name is, or lies under (the closest one), or nil. It walks
// up from name through an index, as it is asked for every domain of policies with 100,000 of them.
func (p *Policy) serving(name string) *Domain {
	if p.byName == nil {
		p.byName = make(map[string]int, len(p.Domains))
		for i, d := range p.Domains {
			pace.Step()
			p.byName[d.Name] = i
		}
	}
	for n := dns.Fqdn(name); ; {
		if i, ok := p.byName[n]; ok {
			return &p.Domains[i]
		}
		off, end := dns.NextLabel(n, 0)
		if end {
			return nil
		}
		n = n[off:]
	}
}
