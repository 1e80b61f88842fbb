package policy

import (
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/dmarc"
)

// parkedSPF, parkedMX and parkedDMARC are what a parked domain publishes: no address may send
// its mail (RFC 7208), it receives none (RFC 7505), and receivers reject what claims to come from
// it, its subdomains and its non-existent subdomains (RFC 7489, and np from DMARCbis).
const parkedSPF = "v=spf1 -all"

var parkedDMARC = dmarc.Policy{P: "reject", SP: "reject", NP: "reject"}.Record()

// ParkedKeyRecord is the key record of the wildcard *._domainkey of a parked domain: a revoked
// key (RFC 6376 3.6.1), so that a signature with any selector fails rather than finds no key.
const ParkedKeyRecord = "v=DKIM1; p="

// parkedKeys are the keys a parked domain may have beside parked: everything else it publishes
// itself, and another value beside it would contradict it.
var parkedKeys = map[string]bool{"parked": true, "ttl": true}

// parked fills in the records of a domain that sends and receives no mail. Every other mail key
// beside parked: true is an error: the records would contradict each other.
func (c *checker) parked(dom Domain, path []any) Domain {
	if m := c.node(path...); m != nil {
		for _, e := range entries(m) {
			if k := keyName(e.key); !parkedKeys[k] {
				c.errorf(append(path[:len(path):len(path)], k),
					"%s: a parked domain takes no %s: parked: true publishes v=spf1 -all, the null MX, DMARC p=reject and an empty key for every DKIM selector itself",
					trimDot(dom.Name), k)
			}
		}
	}
	dom.Parked = true
	dom.SPF = parkedSPF
	dom.MX = []MX{{Preference: 0, Target: "."}}
	dom.DMARC = parkedDMARC
	return dom
}
