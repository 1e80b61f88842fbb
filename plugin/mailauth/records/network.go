package records

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// Network synthesizes the PTR of every address of a policy network, and the A or AAAA record of
// every name those PTRs point to, without ever listing them: a /16 or an IPv6 /48 costs what a
// /24 costs.
type Network struct {
	policy.Network
	head, tail string // the template's first label around "{ip}"
	Domain     string // the template after its first label: where the synthesized names live
}

// NewNetwork prepares a policy network for synthesis.
func NewNetwork(n policy.Network) *Network {
	first, rest, _ := strings.Cut(n.Template, ".")
	head, tail, _ := strings.Cut(first, "{ip}")
	return &Network{Network: n, head: head, tail: tail, Domain: rest}
}

// Name returns the name a's PTR points to: the template with {ip} replaced by a's text, dots or
// colons turned into hyphens. IPv6 is written with all eight groups, each without leading zeros
// (2001:db8::7 is 2001-db8-0-0-0-0-0-7): the "::" shorthand would make names such as
// "v6-2001-db8--" that end in a hyphen, which is no valid host name (RFC 1123 2.1) and which mail
// servers refuse in a HELO.
func (n *Network) Name(a netip.Addr) string {
	return n.head + ipLabel(a) + n.tail + "." + n.Domain
}

func ipLabel(a netip.Addr) string {
	if a.Is4() {
		return strings.ReplaceAll(a.String(), ".", "-")
	}
	b := a.As16()
	var sb strings.Builder
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(strconv.FormatUint(uint64(b[i])<<8|uint64(b[i+1]), 16))
	}
	return sb.String()
}

// PTR returns the synthesized PTR record at owner for address a.
func (n *Network) PTR(owner string, a netip.Addr) *dns.PTR {
	return PTR(owner, n.TTL, n.Name(a))
}

// Addr parses a synthesized name (lower-case, fully qualified) back to its address. It accepts
// only the exact spelling Name produces, so that each address has one name and each name one address.
func (n *Network) Addr(name string) (netip.Addr, bool) {
	first, rest, ok := strings.Cut(name, ".")
	if !ok || rest != n.Domain || len(first) <= len(n.head)+len(n.tail) ||
		!strings.HasPrefix(first, n.head) || !strings.HasSuffix(first, n.tail) {
		return netip.Addr{}, false
	}
	ip := first[len(n.head) : len(first)-len(n.tail)]
	if n.Prefix.Addr().Is4() {
		ip = strings.ReplaceAll(ip, "-", ".")
	} else {
		ip = strings.ReplaceAll(ip, "-", ":")
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || !n.Prefix.Contains(a) || n.Name(a) != name {
		return netip.Addr{}, false
	}
	return a, true
}

// ParseReverse reads an in-addr.arpa or ip6.arpa name (lower-case, fully qualified) as the prefix
// it stands for: 7.100.51.198.in-addr.arpa. is 198.51.100.7/32, 100.51.198.in-addr.arpa. is
// 198.51.100.0/24. It reports false for names that are no address or prefix.
func ParseReverse(name string) (netip.Prefix, bool) {
	switch {
	case strings.HasSuffix(name, ".in-addr.arpa."):
		return parseV4(strings.TrimSuffix(name, ".in-addr.arpa."))
	case strings.HasSuffix(name, ".ip6.arpa."):
		return parseV6(strings.TrimSuffix(name, ".ip6.arpa."))
	}
	return netip.Prefix{}, false
}

func parseV4(s string) (netip.Prefix, bool) {
	labels := strings.Split(s, ".")
	if len(labels) > 4 {
		return netip.Prefix{}, false
	}
	var b [4]byte
	for i, l := range labels {
		v, err := strconv.Atoi(l)
		if err != nil || v < 0 || v > 255 || strconv.Itoa(v) != l {
			return netip.Prefix{}, false
		}
		b[len(labels)-1-i] = byte(v)
	}
	return netip.PrefixFrom(netip.AddrFrom4(b), 8*len(labels)), true
}

func parseV6(s string) (netip.Prefix, bool) {
	labels := strings.Split(s, ".")
	if len(labels) > 32 {
		return netip.Prefix{}, false
	}
	var b [16]byte
	for i, l := range labels {
		if len(l) != 1 {
			return netip.Prefix{}, false
		}
		v, err := strconv.ParseUint(l, 16, 8)
		if err != nil {
			return netip.Prefix{}, false
		}
		nib := len(labels) - 1 - i
		if nib%2 == 0 {
			b[nib/2] |= byte(v) << 4
		} else {
			b[nib/2] |= byte(v)
		}
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), 4*len(labels)), true
}
