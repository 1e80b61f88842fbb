package policy

import (
	"net/netip"
	"strings"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// hosts checks the hosts: their names, their addresses (each address belongs to one host, as its
// PTR can point back to only one) and whether each publishes its HELO record, which it does unless
// the long form says helo: false.
func (c *checker) hosts(in map[string]*hostDoc) []Host {
	var hosts []Host
	seen := map[string]string{}
	owner := map[netip.Addr]string{} // address -> host, so that each address has one PTR
	for _, raw := range inFileOrder(&c.locator, in, "hosts") {
		pace.Step()
		path := []any{"hosts", raw}
		name, ok := c.name(raw, path)
		if !ok || !c.unique(seen, name, raw, path, "host") {
			continue
		}
		d := in[raw]
		if d == nil || len(d.Addrs) == 0 {
			c.errorf(d.addrPath(path), "host %q has no addresses", raw)
			continue
		}
		h := Host{Name: name, HELO: d.HELO == nil || *d.HELO}
		for i, s := range d.Addrs {
			at := append(d.addrPath(path), i)
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil || a.Zone() != "" {
				c.errorf(at, "host %q: %q is not an IPv4 or IPv6 address", raw, s)
				continue
			}
			a = a.Unmap()
			switch other, dup := owner[a]; {
			case dup && other == raw:
				c.errorf(at, "host %q: address %s is listed twice", raw, a)
				continue
			case dup:
				c.errorf(at, "address %s is claimed by hosts %q and %q: its PTR can point back to only one", a, other, raw)
				continue
			}
			owner[a] = raw
			h.Addrs = append(h.Addrs, a)
		}
		hosts = append(hosts, h)
	}
	return hosts
}

// heloRecords settles which hosts publish "v=spf1 a -all" at their name. A host whose name is also
// a domain of the policy does not: the name keeps the domain's own SPF record (or none), since two
// SPF records at one name make every SPF check of it a permerror (RFC 7208 3.2).
func (c *checker) heloRecords(p *Policy, doc *document, keys map[string]string) {
	domains := map[string]*Domain{}
	for i := range p.Domains {
		pace.Step()
		domains[p.Domains[i].Name] = &p.Domains[i]
	}
	hostKeys := map[string]string{}
	for _, k := range inFileOrder(&c.locator, doc.Hosts, "hosts") {
		pace.Step()
		if n, err := canonicalName(k); err == nil {
			if _, dup := hostKeys[n]; !dup {
				hostKeys[n] = k
			}
		}
	}
	for i := range p.Hosts {
		pace.Step()
		h := &p.Hosts[i]
		d := domains[h.Name]
		if d == nil || !h.HELO {
			continue
		}
		h.HELO = false
		if d.SPF == "" {
			c.warnf([]any{"hosts", hostKeys[h.Name]},
				"host %s is also a domain of this policy, which has no spf: its HELO name gets no SPF record; add spf to domains.%s (allowing the host's addresses, as with \"a\")",
				trimDot(h.Name), keys[h.Name])
		}
	}
}
