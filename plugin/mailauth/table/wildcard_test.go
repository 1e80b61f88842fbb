package table

import (
	"reflect"
	"testing"

	"github.com/miekg/dns"
)

type lookupCase struct {
	name     string
	qname    string
	qtype    uint16
	exists   bool
	want     []string
	referral []string // the NS a referral (or a CNAME ending in one) carries
}

func runLookups(t *testing.T, tb *Table, tests []lookupCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.Lookup(tt.qname, tt.qtype, true)
			var got, ns []string
			for _, rr := range res.RRs {
				got = append(got, rr.String())
			}
			for _, rr := range res.NS {
				ns = append(ns, rr.String())
			}
			if res.Exists != tt.exists || !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(ns, tt.referral) {
				t.Errorf("Lookup(%s, %s) = exists %v %q ns %q\nwant exists %v %q ns %q",
					tt.qname, dns.TypeToString[tt.qtype], res.Exists, got, ns, tt.exists, tt.want, tt.referral)
			}
		})
	}
}

const parkedPolicy = `ttl: 300
domains:
  parked.example.org: {parked: true}
  example.org:
    dkim: {old: {revoked: true}}
    adsp: all
`

func TestAParkedDomainsWildcardAnswersOnlyNamesThatDoNotExist(t *testing.T) {
	tb := loadTable(t, parkedPolicy, "example.org.")
	revoked := func(owner string) []string { return []string{owner + "\t300\tIN\tTXT\t\"v=DKIM1; p=\""} }
	runLookups(t, tb, []lookupCase{
		{"any selector gets the revoked key, owned by the query name", "s1._domainkey.parked.example.org.", dns.TypeTXT, true,
			revoked("s1._domainkey.parked.example.org."), nil},
		{"a name two labels below _domainkey matches too", "a.b._domainkey.parked.example.org.", dns.TypeTXT, true,
			revoked("a.b._domainkey.parked.example.org."), nil},
		{"another type at a wildcard-matched name is NODATA", "s1._domainkey.parked.example.org.", dns.TypeA, true, nil, nil},
		{"ANY at a wildcard-matched name returns the wildcard's records", "s1._domainkey.parked.example.org.", dns.TypeANY, true,
			revoked("s1._domainkey.parked.example.org."), nil},
		{"the wildcard itself answers with its own name", "*._domainkey.parked.example.org.", dns.TypeTXT, true,
			revoked("*._domainkey.parked.example.org."), nil},
		{"_domainkey, an empty non-terminal, keeps its NODATA", "_domainkey.parked.example.org.", dns.TypeTXT, true, nil, nil},
		{"a name below the wildcard's own name is NXDOMAIN", "x.*._domainkey.parked.example.org.", dns.TypeTXT, false, nil, nil},
		{"a name beside _domainkey is NXDOMAIN", "www.parked.example.org.", dns.TypeTXT, false, nil, nil},
		{"the parked domain has SPF -all", "parked.example.org.", dns.TypeTXT, true, []string{"parked.example.org.\t300\tIN\tTXT\t\"v=spf1 -all\""}, nil},
		{"the parked domain has the null MX", "parked.example.org.", dns.TypeMX, true, []string{"parked.example.org.\t300\tIN\tMX\t0 ."}, nil},
		{"the parked domain rejects everything in DMARC", "_dmarc.parked.example.org.", dns.TypeTXT, true,
			[]string{"_dmarc.parked.example.org.\t300\tIN\tTXT\t\"v=DMARC1; p=reject; sp=reject; np=reject\""}, nil},
		{"another domain without a wildcard has no key for an unknown selector", "s1._domainkey.example.org.", dns.TypeTXT, false, nil, nil},
	})
	if res := tb.Lookup("s1._domainkey.parked.example.org.", dns.TypeTXT, true); !res.Wildcard {
		t.Errorf("a wildcard answer is not marked as one")
	}
	a := tb.Lookup("s1._domainkey.parked.example.org.", dns.TypeTXT, true).RRs[0]
	b := tb.Lookup("s2._domainkey.parked.example.org.", dns.TypeTXT, true).RRs[0]
	if a == b || a.Header().Name == b.Header().Name {
		t.Errorf("two wildcard answers share a record: %v and %v", a, b)
	}
}

func TestATransferListsTheWildcardLiterally(t *testing.T) {
	tb := loadTable(t, parkedPolicy, "parked.example.org.")
	rrs, err := tb.Zone("parked.example.org.", true, MaxZoneAddresses)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rr := range rrs[1:] { // after the SOA
		if rr.Header().Rrtype != dns.TypeNS {
			got = append(got, rr.String())
		}
	}
	want := []string{
		"parked.example.org.\t300\tIN\tTXT\t\"v=spf1 -all\"",
		"parked.example.org.\t300\tIN\tMX\t0 .",
		"_dmarc.parked.example.org.\t300\tIN\tTXT\t\"v=DMARC1; p=reject; sp=reject; np=reject\"",
		"*._domainkey.parked.example.org.\t300\tIN\tTXT\t\"v=DKIM1; p=\"",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("zone\n got %q\nwant %q", got, want)
	}
}
