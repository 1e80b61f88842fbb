// Package policy reads a mail policy file: the one YAML file in which an admin declares a domain's
// SPF, DKIM, ADSP and DMARC records, its mail hosts and its reverse DNS. Load decodes it strictly,
// checks every value and returns an immutable Policy, or every problem found with its file:line:column.
package policy

import (
	"net/netip"
	"os"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/dkimkey"
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
	Warnings Errors    // problems that do not stop the policy from loading, in file order

	// ReportAuthorizations are the records that let another domain's DMARC reports come to a
	// domain this policy serves (RFC 7489 7.1), sorted by owner name.
	ReportAuthorizations []ReportAuthorization

	where []place // where each domain, host and network is written, for OutsideZones
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
	Name      string
	TTL       uint32
	SPF       string     // the SPF record text, "" when the domain has none
	Selectors []Selector // sorted by name
	ADSP      string     // the ADSP record text, "" when absent
	DMARC     string     // the DMARC record text, "" when absent
}

// Selector is one DKIM key record published at SELECTOR._domainkey.DOMAIN.
type Selector struct {
	Name   string
	Record string       // the key record text
	Key    *dkimkey.Key // nil for a revoked selector
}

// Host is a mail host: A/AAAA at its name, and a PTR back at each address.
type Host struct {
	Name  string
	Addrs []netip.Addr
}

// Network is an address range whose every address gets a PTR synthesized from Template, and whose
// synthesized names resolve back to the address.
type Network struct {
	Prefix   netip.Prefix
	Template string // fully qualified, with "{ip}" once in its first label
	TTL      uint32
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
