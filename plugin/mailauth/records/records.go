package records

import (
	"net/netip"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// Domain returns every record a mail domain publishes: at the domain SPF, Sender ID and MX; a key
// record per DKIM selector at SELECTOR._domainkey (and, for a parked domain, the wildcard
// *._domainkey); the DomainKeys policy at _domainkey, ADSP at _adsp._domainkey, DMARC at _dmarc,
// MTA-STS at _mta-sts, TLS-RPT at _smtp._tls and BIMI at SELECTOR._bimi.
func Domain(d policy.Domain) []dns.RR {
	var rrs []dns.RR
	if d.SPF != "" {
		rrs = append(rrs, TXT(d.Name, d.TTL, d.SPF))
	}
	if d.SenderID != "" {
		rrs = append(rrs, TXT(d.Name, d.TTL, d.SenderID))
	}
	for _, mx := range d.MX {
		rrs = append(rrs, &dns.MX{Hdr: header(d.Name, dns.TypeMX, d.TTL), Preference: mx.Preference, Mx: mx.Target})
	}
	for _, s := range d.Selectors {
		rrs = append(rrs, TXT(s.Name+"._domainkey."+d.Name, d.TTL, s.Record))
	}
	if d.Parked {
		rrs = append(rrs, TXT("*._domainkey."+d.Name, d.TTL, policy.ParkedKeyRecord))
	}
	if d.DomainKeys != "" {
		rrs = append(rrs, TXT("_domainkey."+d.Name, d.TTL, d.DomainKeys))
	}
	if d.ADSP != "" {
		rrs = append(rrs, TXT("_adsp._domainkey."+d.Name, d.TTL, d.ADSP))
	}
	if d.DMARC != "" {
		rrs = append(rrs, TXT("_dmarc."+d.Name, d.TTL, d.DMARC))
	}
	if d.MTASTS != nil {
		rrs = append(rrs, TXT("_mta-sts."+d.Name, d.TTL, d.MTASTS.Record()))
	}
	if d.TLSRPT != "" {
		rrs = append(rrs, TXT("_smtp._tls."+d.Name, d.TTL, d.TLSRPT))
	}
	if d.BIMI != nil {
		rrs = append(rrs, TXT(d.BIMI.Selector+"._bimi."+d.Name, d.TTL, d.BIMI.Record))
	}
	return rrs
}

// ReportAuthorization returns the TXT record "v=DMARC1" by which a.Dest agrees to receive the
// DMARC reports of a.Domain (RFC 7489 7.1).
func ReportAuthorization(a policy.ReportAuthorization) dns.RR {
	return TXT(a.Owner(), a.TTL, "v=DMARC1")
}

// Host returns a host's A and AAAA records, its HELO record, and for each address the PTR that
// points back to it, so that forward-confirmed reverse DNS (RFC 8601 2.7.3 "iprev") passes.
// ptrOwner says where the PTR of an address lives (see policy.PTROwner).
func Host(h policy.Host, ttl uint32, ptrOwner func(netip.Addr) string) []dns.RR {
	rrs := make([]dns.RR, 0, 2*len(h.Addrs)+1)
	for _, a := range h.Addrs {
		rrs = append(rrs, Address(h.Name, ttl, a), PTR(ptrOwner(a), ttl, h.Name))
	}
	if h.HELO {
		rrs = append(rrs, TXT(h.Name, ttl, policy.HELORecord))
	}
	return rrs
}

// Delegation returns the records of a classless delegation (RFC 2317) in the /24's reverse zone:
// a CNAME from the name of each address of the network to its name in the delegated zone, and the
// NS records that delegate that zone.
func Delegation(d policy.Delegation) []dns.RR {
	rrs := make([]dns.RR, 0, 1<<(32-d.Prefix.Bits())+len(d.To))
	for a := d.Prefix.Addr(); d.Prefix.Contains(a); a = a.Next() {
		rrs = append(rrs, &dns.CNAME{Hdr: header(ReverseName(a), dns.TypeCNAME, d.TTL), Target: d.Child(a)})
	}
	for _, ns := range d.To {
		rrs = append(rrs, &dns.NS{Hdr: header(d.Zone, dns.TypeNS, d.TTL), Ns: ns})
	}
	return rrs
}

// Address returns the A or AAAA record of owner for a.
func Address(owner string, ttl uint32, a netip.Addr) dns.RR {
	if a.Is4() {
		return &dns.A{Hdr: header(owner, dns.TypeA, ttl), A: a.AsSlice()}
	}
	return &dns.AAAA{Hdr: header(owner, dns.TypeAAAA, ttl), AAAA: a.AsSlice()}
}

// PTR returns the PTR record at owner pointing to target.
func PTR(owner string, ttl uint32, target string) *dns.PTR {
	return &dns.PTR{Hdr: header(owner, dns.TypePTR, ttl), Ptr: target}
}

// ReverseName returns the in-addr.arpa or ip6.arpa name of a, lower-case and fully qualified.
func ReverseName(a netip.Addr) string {
	name, _ := dns.ReverseAddr(a.String())
	return name
}

// SOA returns the SOA record of a zone mailauth serves alone. A relative mname or rname (one
// without a dot, such as the default "hostmaster") is completed with the zone name.
func SOA(zone string, s policy.SOA, serial, ttl uint32) *dns.SOA {
	return &dns.SOA{
		Hdr:     header(zone, dns.TypeSOA, ttl),
		Ns:      complete(s.MName, zone),
		Mbox:    complete(s.RName, zone),
		Serial:  serial,
		Refresh: s.Refresh,
		Retry:   s.Retry,
		Expire:  s.Expire,
		Minttl:  s.Minimum,
	}
}

// NS returns the apex NS records of a zone mailauth serves alone; with no names given the zone's
// SOA mname is its only name server.
func NS(zone string, names []string, s policy.SOA, ttl uint32) []dns.RR {
	if len(names) == 0 {
		names = []string{complete(s.MName, zone)}
	}
	rrs := make([]dns.RR, len(names))
	for i, n := range names {
		rrs[i] = &dns.NS{Hdr: header(zone, dns.TypeNS, ttl), Ns: n}
	}
	return rrs
}

func complete(name, zone string) string {
	if dns.IsFqdn(name) {
		return name
	}
	if zone == "." {
		return name + "."
	}
	return name + "." + zone
}

func header(owner string, rrtype uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: owner, Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}
