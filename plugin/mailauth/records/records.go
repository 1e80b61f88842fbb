package records

import (
	"net/netip"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// Domain returns every record a mail domain publishes: SPF at the domain, a key record per DKIM
// selector at SELECTOR._domainkey, ADSP at _adsp._domainkey and DMARC at _dmarc.
func Domain(d policy.Domain) []dns.RR {
	var rrs []dns.RR
	if d.SPF != "" {
		rrs = append(rrs, TXT(d.Name, d.TTL, d.SPF))
	}
	for _, s := range d.Selectors {
		rrs = append(rrs, TXT(s.Name+"._domainkey."+d.Name, d.TTL, s.Record))
	}
	if d.ADSP != "" {
		rrs = append(rrs, TXT("_adsp._domainkey."+d.Name, d.TTL, d.ADSP))
	}
	if d.DMARC != "" {
		rrs = append(rrs, TXT("_dmarc."+d.Name, d.TTL, d.DMARC))
	}
	return rrs
}

// ReportAuthorization returns the TXT record "v=DMARC1" by which a.Dest agrees to receive the
// DMARC reports of a.Domain (RFC 7489 7.1).
func ReportAuthorization(a policy.ReportAuthorization) dns.RR {
	return TXT(a.Owner(), a.TTL, "v=DMARC1")
}

// Host returns a host's A and AAAA records and, for each address, the PTR that points back to it,
// so that forward-confirmed reverse DNS (RFC 8601 2.7.3 "iprev") passes.
func Host(h policy.Host, ttl uint32) []dns.RR {
	rrs := make([]dns.RR, 0, 2*len(h.Addrs))
	for _, a := range h.Addrs {
		rrs = append(rrs, Address(h.Name, ttl, a), PTR(ReverseName(a), ttl, h.Name))
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
