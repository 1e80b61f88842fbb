package policy

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// maxName is the longest a name may be, in octets on the wire (RFC 1035 2.3.4). miekg/dns lets a
// name of one octet more through, which BIND refuses to load.
const maxName = 255

// presentation returns name (fully qualified) lower-case and spelt as miekg/dns spells a name it
// reads off the wire, which is how query names reach the plugin: the bytes zone files give a
// meaning to (;, (, ), ", ') escaped with a backslash, bytes outside printable ASCII as \DDD, and
// other escapes (\065) as the byte itself. Names are kept in that spelling, so that a query finds
// them, however the policy wrote them.
func presentation(name string) string {
	plain := true
	for i := 0; i < len(name); i++ {
		if b := name[i]; b < 0x21 || b > 0x7e || strings.IndexByte(`;()"'\`, b) >= 0 {
			plain = false
			break
		}
	}
	if plain {
		return strings.ToLower(name)
	}
	buf := make([]byte, 4*len(name)+2)
	off, err := dns.PackDomainName(name, buf, 0, nil, false)
	if err != nil {
		return strings.ToLower(name)
	}
	spelt, _, err := dns.UnpackDomainName(buf[:off], 0)
	if err != nil {
		return strings.ToLower(name)
	}
	return strings.ToLower(spelt) // ASCII, other bytes escaped: the case of ASCII letters only (RFC 4343)
}

// wireLength returns the length of name, fully qualified, on the wire: a length octet before each
// label and the root's zero octet, where the text has a dot after each label.
func wireLength(name string) int {
	if !strings.Contains(name, `\`) {
		return len(name) + 1
	}
	buf := make([]byte, 4*len(name)+2)
	off, _ := dns.PackDomainName(name, buf, 0, nil, false)
	return off
}

// ownersFit checks the names the records of dom are published at. Each puts labels in front of
// the domain's name (SELECTOR._domainkey., _adsp._domainkey.), and a long domain name leaves no
// room for them: a record at a name longer than DNS allows could be neither answered nor
// transferred, and a zone file holding it does not load.
func (c *checker) ownersFit(dom Domain, d *domainDoc, path []any) {
	fit := func(prefix, record string, key ...any) {
		if owner := prefix + dom.Name; wireLength(owner) > maxName {
			c.errorf(append(path[:len(path):len(path)], key...), "%s would be published at %s, %d bytes long, over the %d a DNS name may have (RFC 1035 2.3.4): use a shorter domain name",
				record, trimDot(owner), wireLength(owner), maxName)
		}
	}
	if dom.Parked {
		// Its longest owner name; _dmarc.DOMAIN is shorter.
		fit("*._domainkey.", "the revoked key record of a parked domain", "parked")
		return
	}
	for _, sel := range inFileOrder(&c.locator, d.DKIM, append(path, "dkim")...) {
		fit(strings.ToLower(sel)+"._domainkey.", fmt.Sprintf("the key record of dkim selector %q", sel), "dkim", sel)
	}
	bimi := ""
	if dom.BIMI != nil {
		bimi = dom.BIMI.Selector + "._bimi."
	}
	for _, r := range []struct {
		published          bool
		prefix, which, key string
	}{
		{dom.DomainKeys != "", "_domainkey.", "the DomainKeys policy record", "domainkeys"},
		{dom.ADSP != "", "_adsp._domainkey.", "the ADSP record", "adsp"},
		{dom.DMARC != "", "_dmarc.", "the DMARC record", "dmarc"},
		{dom.MTASTS != nil, "_mta-sts.", "the MTA-STS record", "mta_sts"},
		{dom.TLSRPT != "", "_smtp._tls.", "the TLS-RPT record", "tls_rpt"},
		{dom.BIMI != nil, bimi, "the BIMI record", "bimi"},
	} {
		if r.published {
			fit(r.prefix, r.which, r.key)
		}
	}
}
