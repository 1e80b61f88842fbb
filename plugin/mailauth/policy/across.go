package policy

import "github.com/miekg/dns"

// across runs the checks that need the whole policy rather than one value: SPF lookups counted
// through the includes this policy serves, DMARC report addresses on other domains, the HELO
// records of hosts that are also domains, MX targets, the DMARC policy behind a BIMI record, and
// where each name is written, for OutsideZones.
func (c *checker) across(p *Policy, doc *document) {
	keys := map[string]string{} // domain name -> its key as written in the file
	for _, k := range inFileOrder(&c.locator, doc.Domains, "domains") {
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

// serving returns the domain of p that name is, or lies under (the closest one), or nil.
func (p *Policy) serving(name string) *Domain {
	var best *Domain
	for i := range p.Domains {
		d := &p.Domains[i]
		if dns.IsSubDomain(d.Name, name) && (best == nil || len(d.Name) > len(best.Name)) {
			best = d
		}
	}
	return best
}
