package policy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
)

// mx checks the MX records of a domain: a list of "PREFERENCE NAME", or null for the null MX of a
// domain that receives no mail (RFC 7505), which publishes "0 ." and nothing beside it.
func (c *checker) mx(d *domainDoc, path []any) []MX {
	at := append(path[:len(path):len(path)], "mx")
	if d.MX == nil {
		if c.nullValue(at) {
			return []MX{{Preference: 0, Target: "."}}
		}
		return nil
	}
	if len(d.MX) == 0 {
		c.errorf(at, `mx is an empty list: list the MX records as "PREFERENCE NAME", or write mx: null for a domain that receives no mail`)
		return nil
	}
	var out []MX
	seen := map[string]bool{}
	for i, s := range d.MX {
		entry := append(at[:len(at):len(at)], i)
		mx, err := parseMX(s)
		if err != nil {
			c.errorf(entry, "%s", err)
			continue
		}
		if seen[mx.Target] {
			c.errorf(entry, "mx %q: %s is listed twice", s, trimDot(mx.Target))
			continue
		}
		seen[mx.Target] = true
		out = append(out, mx)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Preference < out[j].Preference })
	return out
}

// parseMX reads one "PREFERENCE NAME" entry of an mx list.
func parseMX(s string) (MX, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return MX{}, fmt.Errorf(`mx %q is not "PREFERENCE NAME", as in "10 mail.example.org"`, s)
	}
	pref, err := strconv.ParseUint(f[0], 10, 16)
	if err != nil {
		return MX{}, fmt.Errorf(`mx %q: the preference %q is not a whole number from 0 to 65535`, s, f[0])
	}
	if f[1] == "." {
		return MX{}, fmt.Errorf(`mx %q is the null MX (RFC 7505), which must stand alone: write mx: null instead of the list`, s)
	}
	target, err := canonicalName(f[1])
	if err != nil {
		return MX{}, fmt.Errorf("mx %q: %s", s, err)
	}
	return MX{Preference: uint16(pref), Target: target}, nil
}

// nullValue reports whether the key at path is written with a null value (null, ~ or nothing).
func (c *checker) nullValue(path []any) bool {
	n := c.node(path...)
	if n == nil {
		return false
	}
	return isNull(n)
}

// mxTargets checks where each domain's mail goes. A target in a domain of this policy must be one
// of its hosts, as that is where the policy gives names their addresses: otherwise the MX would
// lead nowhere. A target outside the policy's domains but in the same organization cannot be
// checked here, and is warned of; another organization's (a mail provider's) is its own business.
func (c *checker) mxTargets(p *Policy, doc *document, keys map[string]string) {
	hosts := map[string]bool{}
	for _, h := range p.Hosts {
		pace.Step()
		hosts[h.Name] = true
	}
	for _, d := range p.Domains {
		pace.Step()
		dd := doc.Domains[keys[d.Name]]
		if d.NullMX() || dd == nil || d.Parked {
			continue
		}
		for i, s := range dd.MX {
			mx, err := parseMX(s)
			target := mx.Target
			if err != nil || hosts[target] {
				continue
			}
			at := []any{"domains", keys[d.Name], "mx", i}
			if in := p.serving(target); in != nil {
				c.errorf(at, "mx %q: %s is in %s, a domain of this policy, but is not one of its hosts: list it under hosts with its addresses, or mail to %s has nowhere to go",
					s, trimDot(target), trimDot(in.Name), trimDot(d.Name))
				continue
			}
			if organization(target) == organization(d.Name) {
				c.warnf(at, "mx %q: %s is neither a host of this policy nor in one of its domains, so it cannot be checked: make sure it has an address record, or mail to %s bounces",
					s, trimDot(target), trimDot(d.Name))
			}
		}
	}
}
