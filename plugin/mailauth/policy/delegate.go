package policy

import (
	"net/netip"
	"strconv"
	"strings"
)

// delegation checks the classless delegation (RFC 2317) of network pfx: an IPv4 network smaller
// than a /24, a child zone one label below the /24's reverse zone whose label is no address, and
// the name servers it is delegated to.
func (c *checker) delegation(pfx netip.Prefix, d *delegateDoc, defTTL uint32, path []any) (*Delegation, bool) {
	at := func(key string, i ...any) []any { return append(append(path[:len(path):len(path)], key), i...) }
	if !pfx.Addr().Is4() {
		c.errorf(path, "delegate: IPv6 reverse zones are delegated on nibble boundaries with NS records of their own; RFC 2317 delegation is for IPv4 networks smaller than a /24")
		return nil, false
	}
	if pfx.Bits() <= 24 {
		c.errorf(path, "delegate: %s holds whole reverse zones; RFC 2317 delegation is for networks smaller than a /24 (delegate %s with NS records from its parent)",
			pfx, reverseZone(pfx))
		return nil, false
	}
	parent := reverseZone(pfx)
	ok := true
	out := &Delegation{Prefix: pfx}
	zone, err := canonicalName(d.Zone)
	switch {
	case d.Zone == "":
		c.errorf(path, "delegate needs zone, the child zone's name, as in %q", strconv.Itoa(int(pfx.Addr().As4()[3]))+"/"+strconv.Itoa(pfx.Bits())+"."+parent)
		ok = false
	case err != nil:
		c.errorf(at("zone"), "delegate zone: %s", err)
		ok = false
	default:
		label, rest, _ := strings.Cut(zone, ".")
		if rest != parent {
			c.errorf(at("zone"), "delegate zone %q must be one label below %s, the reverse zone of %s's /24, as in %q",
				d.Zone, parent, pfx, strconv.Itoa(int(pfx.Addr().As4()[3]))+"/"+strconv.Itoa(pfx.Bits())+"."+parent)
			ok = false
		} else if n, err := strconv.Atoi(label); err == nil && n >= 0 && n <= 255 {
			c.errorf(at("zone"), "delegate zone %q: its label %q is the name of an address; write it in the RFC 2317 form FIRST/BITS, as in %q",
				d.Zone, label, strconv.Itoa(int(pfx.Addr().As4()[3]))+"/"+strconv.Itoa(pfx.Bits()))
			ok = false
		}
		out.Zone = zone
	}
	if len(d.To) == 0 {
		c.errorf(path, "delegate needs to, the name servers of the child zone")
		ok = false
	}
	for i, s := range d.To {
		if n, good := c.name(s, at("to", i)); good {
			out.To = append(out.To, n)
		} else {
			ok = false
		}
	}
	out.TTL = defTTL
	return out, ok
}
