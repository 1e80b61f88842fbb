package policy

import (
	"sort"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/dmarc"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// reportAuthorizations finds the DMARC report addresses outside the organizational domain of the
// domain they report on. Receivers send reports there only when that other domain publishes
// DOMAIN._report._dmarc.DEST (RFC 7489 7.1): where this policy serves DEST it publishes that
// record itself; elsewhere it warns and prints the record to add.
func (c *checker) reportAuthorizations(p *Policy, doc *document, keys map[string]string) {
	have := map[ReportAuthorization]bool{}
	for _, d := range p.Domains {
		pace.Step()
		dd := doc.Domains[keys[d.Name]]
		if d.DMARC == "" || dd == nil || dd.DMARC == nil {
			continue
		}
		warned := map[string]bool{}
		for _, tag := range []struct {
			name string
			uris []string
		}{{"rua", dd.DMARC.RUA}, {"ruf", dd.DMARC.RUF}} {
			for i, u := range tag.uris {
				dests := dmarc.Policy{RUA: []string{u}}.ReportDomains()
				if len(dests) == 0 {
					continue // not a mailto:, which is the only scheme receivers send to
				}
				dest := dns.Fqdn(dests[0])
				if organization(dest) == organization(d.Name) {
					continue
				}
				if s := p.serving(dest); s != nil {
					a := ReportAuthorization{Domain: d.Name, Dest: dest, TTL: s.TTL}
					if wireLength(a.Owner()) > maxName {
						if !warned[dest] {
							warned[dest] = true
							c.warnf([]any{"domains", keys[d.Name], "dmarc", tag.name, i},
								"dmarc tag %s: reports for %s go to %s, which would have to publish %s, a name over the %d bytes DNS allows: receivers will not send them there; use an address in a domain with a shorter name",
								tag.name, trimDot(d.Name), trimDot(dest), a.Owner(), maxName)
						}
						continue
					}
					if !have[a] {
						have[a] = true
						p.ReportAuthorizations = append(p.ReportAuthorizations, a)
					}
					continue
				}
				if !warned[dest] {
					warned[dest] = true
					c.warnf([]any{"domains", keys[d.Name], "dmarc", tag.name, i},
						`dmarc tag %s: reports for %s go to %s, which must publish: %s IN TXT "v=DMARC1"`,
						tag.name, trimDot(d.Name), trimDot(dest), ReportAuthorization{Domain: d.Name, Dest: dest}.Owner())
				}
			}
		}
	}
	sort.Slice(p.ReportAuthorizations, func(i, j int) bool {
		return p.ReportAuthorizations[i].Owner() < p.ReportAuthorizations[j].Owner()
	})
}

// organization returns the organizational domain of name (RFC 7489 3.2): one label below its
// public suffix. A name that is itself a public suffix is its own.
func organization(name string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(trimDot(name))
	if err != nil {
		return name
	}
	return dns.Fqdn(org)
}
