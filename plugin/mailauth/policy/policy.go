// Package policy reads a mail policy file: the one YAML file in which an admin declares a domain's
// SPF, DKIM, ADSP and DMARC records, its mail hosts and its reverse DNS. Load decodes it strictly,
// checks every value and returns an immutable Policy, or every problem found with its file:line:column.
package policy

import (
	"net/netip"
	"os"
	"strconv"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/dkimkey"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/smtptls"
)

// DefaultTTL is the TTL of every record when the policy sets none.
const DefaultTTL = 3600

// Policy is a loaded and checked mail policy. Names are lower-case and fully qualified.
// A Policy is never modified after Load returns it.
type Policy struct {
	Path     string    // the policy file as given to Load
	Files    []string  // every file read: the policy first, then each key file
	Digest   Digest    // of the content of Files as read, see Fingerprint
	TTL      uint32    // default TTL
	SOA      SOA       // used for zones that mailauth serves alone
	NS       []string  // apex NS of zones that mailauth serves alone
	Domains  []Domain  // sorted by name
	Hosts    []Host    // sorted by name
	Networks []Network // in file order
	// Delegations are the networks whose reverse names are delegated (RFC 2317), in file order.
	Delegations []Delegation
	Warnings    Errors // problems that do not stop the policy from loading, in file order

	// ReportAuthorizations are the records that let another domain's DMARC reports come to a
	// domain this policy serves (RFC 7489 7.1), sorted by owner name.
	ReportAuthorizations []ReportAuthorization

	where  []place        // where each domain, host and network is written, for OutsideZones
	byName map[string]int // index of Domains by name, built by serving while the policy is checked
}

// ReportAuthorization is the TXT record "v=DMARC1" at DOMAIN._report._dmarc.DEST, by which DEST
// agrees to receive the DMARC reports of Domain.
type ReportAuthorization struct {
	Domain, Dest string
	TTL          uint32
}

// Owner returns the name the authorization record is published at.
func (a ReportAuthorization) Owner() string {
	return a.Domain + "_report._dmarc." + a.Dest
}

// SOA holds the settings of the SOA record of a zone mailauth serves alone. MName or RName
// that are relative ("hostmaster") are completed with the zone name by the record builder.
type SOA struct {
	MName, RName                    string
	Serial                          uint32 // 0 means derive it from the input files
	Refresh, Retry, Expire, Minimum uint32
}

// Domain is one mail domain and the records published for it.
type Domain struct {
	Name       string
	TTL        uint32
	Parked     bool       // sends and receives no mail: also publishes *._domainkey with an empty key
	SPF        string     // the SPF record text, "" when the domain has none
	SenderID   string     // the Sender ID record "spf2.0/SCOPES TERMS" (RFC 4406), "" when absent
	MX         []MX       // in preference order; the null MX alone when the domain receives no mail
	Selectors  []Selector // sorted by name
	DomainKeys string     // the DomainKeys policy record at _domainkey.DOMAIN (RFC 4870), "" when absent
	ADSP       string     // the ADSP record text, "" when absent
	DMARC      string     // the DMARC record text, "" when absent
	MTASTS     *smtptls.STS
	TLSRPT     string // the TLS-RPT record at _smtp._tls.DOMAIN (RFC 8460), "" when absent
	BIMI       *BIMI
}

// MX is one MX record of a domain. The null MX (RFC 7505) is preference 0 and target ".".
type MX struct {
	Preference uint16
	Target     string
}

// NullMX reports whether d says it receives no mail at all (RFC 7505).
func (d Domain) NullMX() bool { return len(d.MX) == 1 && d.MX[0].Target == "." }

// BIMI is the BIMI assertion record published at SELECTOR._bimi.DOMAIN.
type BIMI struct {
	Selector string
	Record   string // "v=BIMI1; l=...; a=..."
}

// Selector is one DKIM key record published at SELECTOR._domainkey.DOMAIN.
type Selector struct {
	Name   string
	Record string       // the key record text
	Key    *dkimkey.Key // nil for a revoked selector
}

// Host is a mail host: A/AAAA at its name, a PTR back at each address and, for the SPF check of
// the name it gives in HELO (RFC 7208 2.3), the record "v=spf1 a -all" at its name.
type Host struct {
	Name  string
	Addrs []netip.Addr
	HELO  bool // publish the HELO record; false when turned off or when Name is a domain with its own SPF
}

// HELORecord is the SPF record of a host's own name: mail may come from its addresses alone.
const HELORecord = "v=spf1 a -all"

// Network is an address range whose every address gets a PTR synthesized from Template, and whose
// synthesized names resolve back to the address.
type Network struct {
	Prefix   netip.Prefix
	Template string // fully qualified, with "{ip}" once in its first label
	TTL      uint32
	Delegate *Delegation // non-nil when the reverse names are delegated: the PTRs live in its zone
}

// Delegation is the classless delegation of an IPv4 network smaller than a /24 (RFC 2317): in the
// /24's reverse zone, the name of each address is a CNAME to the same first label in Zone, and
// Zone is delegated to To. A delegated network that also has a ptr template is in Networks too:
// its PTRs are answered in Zone, for a server that serves Zone itself.
type Delegation struct {
	Prefix netip.Prefix
	Zone   string   // fully qualified, one label below the /24's reverse zone: 64/26.2.0.192.in-addr.arpa.
	To     []string // the name servers of Zone
	TTL    uint32
}

// Child returns the name in the delegated zone that the PTR of a lives at: the CNAME target of
// its name in the /24's reverse zone.
func (d *Delegation) Child(a netip.Addr) string {
	return strconv.Itoa(int(a.As4()[3])) + "." + d.Zone
}

// PTROwner returns where the PTR of a is published: its in-addr.arpa or ip6.arpa name or, for an
// address of a delegated network, its name in the delegated zone.
func (p *Policy) PTROwner(a netip.Addr) string {
	for i := range p.Delegations {
		if d := &p.Delegations[i]; d.Prefix.Contains(a) {
			return d.Child(a)
		}
	}
	name, _ := dns.ReverseAddr(a.String())
	return name
}

// Serial is the SOA serial a freshly started server gives the policy's zones: the one the policy
// pins, or else the newest modification time of its files in Unix seconds, which grows with every
// edit and stays put across restarts over unchanged files.
func (p *Policy) Serial() uint32 {
	if p.SOA.Serial != 0 {
		return p.SOA.Serial
	}
	var newest int64
	for _, f := range p.Files {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().Unix() > newest {
			newest = fi.ModTime().Unix()
		}
	}
	return uint32(newest)
}
