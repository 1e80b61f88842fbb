package mailauth

import (
	"fmt"
	"strings"

	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// Transfer implements the transfer.Transferer interface: AXFR, and IXFR answered as AXFR (or with
// the SOA alone when the secondary already has the current serial or a newer one), of every record
// a query can get. Where another plugin (file) also serves the zone, the transfer is the merged zone.
func (m *MailAuth) Transfer(zone string, serial uint32) (<-chan []dns.RR, error) {
	if !m.servesExactly(zone) {
		return nil, transfer.ErrNotAuthoritative
	}
	zone = strings.ToLower(zone) // as the table holds it, however the caller spells it
	t := m.table.Load()
	beside := m.isBeside(zone)
	ours, err := t.Zone(zone, !beside, table.MaxZoneAddresses)
	if err != nil {
		err = fmt.Errorf("refusing transfer of %s: %w", zone, err)
		log.Error(err)
		return nil, err
	}
	var soa *dns.SOA
	var rrs []dns.RR
	if beside {
		theirs, err := m.theirZone(zone)
		if err != nil {
			err = fmt.Errorf("refusing transfer of %s: %w", zone, err)
			log.Error(err)
			return nil, err
		}
		soa = mergedSOA(theirs[0], zone, t.Serial).(*dns.SOA)
		rrs = append(ours, mergeZone(theirs[1:], ours)...)
	} else {
		soa = ours[0].(*dns.SOA)
		rrs = ours[1:]
	}

	ch := make(chan []dns.RR)
	go func() {
		defer close(ch)
		// A secondary at our serial or ahead of it gets the SOA alone (RFC 1995 section 2).
		if serial != 0 && !serialAfter(soa.Serial, serial) {
			ch <- []dns.RR{soa}
			return
		}
		ch <- []dns.RR{soa}
		for len(rrs) > 0 {
			n := min(len(rrs), 500)
			ch <- rrs[:n]
			rrs = rrs[n:]
		}
		ch <- []dns.RR{soa}
	}()
	return ch, nil
}

func (m *MailAuth) servesExactly(zone string) bool {
	for _, z := range m.Zones {
		if strings.EqualFold(z, zone) {
			return true
		}
	}
	return false
}

// theirZone collects the zone from the first other plugin that transfers it, SOA first and the
// closing SOA dropped.
func (m *MailAuth) theirZone(zone string) ([]dns.RR, error) {
	for _, tr := range m.transferers {
		ch, err := tr.Transfer(zone, 0)
		if err == transfer.ErrNotAuthoritative {
			continue
		}
		if err != nil {
			return nil, err
		}
		var rrs []dns.RR
		for batch := range ch {
			rrs = append(rrs, batch...)
		}
		if len(rrs) < 2 || rrs[0].Header().Rrtype != dns.TypeSOA {
			return nil, fmt.Errorf("the zone from %T does not start with its SOA", tr)
		}
		return rrs[:len(rrs)-1], nil
	}
	return nil, fmt.Errorf("no plugin after mailauth transfers it")
}

// mergeZone returns the records of theirs that stay beside ours: all but the TXT records of a
// kind ours publishes at the same owner (as for queries) and exact duplicates.
func mergeZone(theirs, ours []dns.RR) []dns.RR {
	byOwner := map[string][]dns.RR{}
	for _, rr := range ours {
		n := strings.ToLower(rr.Header().Name)
		byOwner[n] = append(byOwner[n], rr)
	}
	out := make([]dns.RR, 0, len(theirs))
	for _, rr := range theirs {
		mine := byOwner[strings.ToLower(rr.Header().Name)]
		if len(mine) == 0 {
			out = append(out, rr)
			continue
		}
		out = append(out, replaced([]dns.RR{rr}, mine)...)
	}
	return out
}
