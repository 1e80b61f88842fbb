package table

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/pace"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/records"
)

// MaxZoneAddresses bounds the network addresses Zone lists for one zone: a /16 of IPv4 (65,536
// PTRs, or as many address records in a forward zone). A zone with more cannot be listed whole,
// and a partial zone would silently break the secondaries it is transferred to.
const MaxZoneAddresses = 1 << 16

// Zone lists every record a query can get in zone: with apex, the zone's SOA first and its NS,
// then the records of every name in canonical order (RFC 4034 6.1), then those synthesized for
// networks. A zone whose networks hold more than limit addresses is an error, never a partial list.
func (t *Table) Zone(zone string, apex bool, limit int) ([]dns.RR, error) {
	nets, count, err := t.networksIn(zone, limit)
	if err != nil {
		return nil, err
	}
	t.indexed.Do(t.index)
	names := t.byZone[zone]
	rrs := make([]dns.RR, 0, len(names)+2*count)
	if apex {
		rrs = append(rrs, t.Lookup(zone, dns.TypeSOA, true).RRs...)
		rrs = append(rrs, t.Lookup(zone, dns.TypeNS, true).RRs...)
	}
	for _, name := range names {
		for _, s := range t.nodes[name].sets {
			if !s.apex {
				rrs = append(rrs, s.rrs...)
			}
		}
	}
	// The delegations to child zones the table serves itself are in the parent zone all the same.
	rrs = append(rrs, t.parentNS[zone]...)
	for _, n := range nets {
		rrs = t.appendSynthesized(rrs, zone, n)
	}
	return rrs, nil
}

// span is a network's part in one zone: its PTRs (reverse) or its address records (forward).
type span struct {
	network *records.Network
	prefix  netip.Prefix // the addresses whose records lie in the zone
	reverse bool
}

func (t *Table) networksIn(zone string, limit int) ([]span, int, error) {
	var spans []span
	count := 0
	zonePrefix, isReverse := records.ParseReverse(zone)
	for _, n := range t.networks {
		var s span
		switch {
		case isReverse && n.Delegate == nil && zonePrefix.Addr().Is4() == n.Prefix.Addr().Is4() && zonePrefix.Overlaps(n.Prefix):
			s = span{network: n, prefix: n.Prefix, reverse: true}
			if zonePrefix.Bits() > n.Prefix.Bits() {
				s.prefix = zonePrefix
			}
			// A more specific zone of ours may hold all of these addresses (one zone holding both
			// ends of the span holds the whole span) or some of them, which appendSynthesized leaves
			// to that zone, though they count here.
			if first := t.zone(records.ReverseName(s.prefix.Addr())); first != zone && first == t.zone(records.ReverseName(lastAddr(s.prefix))) {
				continue
			}
		case t.zone(n.Domain) == zone:
			s = span{network: n, prefix: n.Prefix}
		default:
			continue
		}
		bits := s.prefix.Addr().BitLen() - s.prefix.Bits()
		if bits > 30 || count+1<<bits > limit {
			return nil, 0, fmt.Errorf("network %s puts 2^%d addresses in the zone, more than the %d a transfer may list", n.Prefix, bits, limit)
		}
		count += 1 << bits
		spans = append(spans, s)
	}
	return spans, count, nil
}

func (t *Table) appendSynthesized(rrs []dns.RR, zone string, s span) []dns.RR {
	for a := s.prefix.Addr(); s.prefix.Contains(a); a = a.Next() {
		if s.reverse {
			name := records.ReverseName(a)
			if t.zone(name) != zone {
				continue // in a more specific zone of ours
			}
			if n, ok := t.nodes[name]; ok && len(n.sets) > 0 {
				continue // a host's own PTR wins
			}
			rrs = append(rrs, s.network.PTR(name, a))
			continue
		}
		name := s.network.Name(a)
		if n, ok := t.nodes[name]; ok && len(n.sets) > 0 {
			continue
		}
		rrs = append(rrs, records.Address(name, s.network.TTL, a))
	}
	return rrs
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < 8*len(b); i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// index lists every name under its zone in canonical order, for Zone.
func (t *Table) index() {
	t.byZone = map[string][]string{}
	for name := range t.nodes {
		z := t.zone(name)
		t.byZone[z] = append(t.byZone[z], name)
	}
	for _, names := range t.byZone {
		keyed := make([]struct{ key, name string }, len(names))
		for i, n := range names {
			pace.Step()
			keyed[i].key, keyed[i].name = canonicalKey(n), n
		}
		slices.SortFunc(keyed, func(a, b struct{ key, name string }) int { return strings.Compare(a.key, b.key) })
		for i := range keyed {
			names[i] = keyed[i].name
		}
	}
}

// canonicalKey is a string that sorts as RFC 4034 6.1 orders names: label by label from the root
// down. Labels are joined by a byte below every other, so a parent sorts before its children.
func canonicalKey(name string) string {
	labels := dns.SplitDomainName(name)
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, "\x00")
}
