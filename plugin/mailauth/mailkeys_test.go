package mailauth

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/miekg/dns"
)

const mailKeysPolicy = `
soa: {mname: ns1.example.net., rname: hostmaster@example.net, serial: 7}
ns: [ns1.example.net.]
domains:
  example.org:
    spf: [mx, -all]
    mx: ["10 mail.example.org", "20 mx.example.net"]
  parked.example.org: {parked: true}
  example.net:
    mx: null
hosts:
  mail.example.org: [192.0.2.10]
  mx.example.net: [192.0.2.20]
networks:
  - {prefix: 192.0.2.64/26, delegate: {to: [ns1.customer.example.], zone: 64/26.2.0.192.in-addr.arpa.}}
`

// The zone file has an MX of its own, and a DKIM key under the parked domain that the policy's
// wildcard must not hide.
const mailKeysZone = `$ORIGIN example.org.
@ 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 1800 1209600 300
@ 3600 IN NS ns1.example.org.
@ 3600 IN MX 5 old-mail.example.org.
google._domainkey.parked 3600 IN TXT "v=DKIM1; p=MFkw"
ns1 3600 IN A 192.0.2.53
`

func newMailKeysPlugin(t *testing.T) *MailAuth {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, mailKeysPolicy)
	zone, err := file.Parse(strings.NewReader(mailKeysZone), "example.org.", "db.example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	next := file.File{Zones: file.Zones{Z: map[string]*file.Zone{"example.org.": zone}, Names: []string{"example.org."}}}
	m := &MailAuth{Next: next, Policy: path, Zones: []string{"example.org.", "example.net.", "2.0.192.in-addr.arpa."}, Fall: fall.Root}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	m.probe()
	return m
}

func TestServeDNSForTheMailKeys(t *testing.T) {
	m := newMailKeysPlugin(t)
	const fileSOA = "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 8 7200 1800 1209600 300"
	tests := []struct {
		name, qname string
		qtype       uint16
		rcode       int
		aa          bool
		answer      []string
		ns          []string
	}{
		{"the policy's MX replace the zone file's at the same name", "example.org.", dns.TypeMX, dns.RcodeSuccess, true,
			[]string{"example.org. 3600 IN MX 10 mail.example.org.", "example.org. 3600 IN MX 20 mx.example.net."}, nil},
		{"the null MX", "example.net.", dns.TypeMX, dns.RcodeSuccess, true, []string{"example.net. 3600 IN MX 0 ."}, nil},
		{"a host's HELO record", "mail.example.org.", dns.TypeTXT, dns.RcodeSuccess, true, []string{`mail.example.org. 3600 IN TXT "v=spf1 a -all"`}, nil},
		{"a parked domain's wildcard answers an unknown selector with the query name", "s1._domainkey.parked.example.org.", dns.TypeTXT, dns.RcodeSuccess, true,
			[]string{`s1._domainkey.parked.example.org. 3600 IN TXT "v=DKIM1; p="`}, nil},
		{"a name the zone file has is not matched by the wildcard", "google._domainkey.parked.example.org.", dns.TypeTXT, dns.RcodeSuccess, true,
			[]string{`google._domainkey.parked.example.org. 3600 IN TXT "v=DKIM1; p=MFkw"`}, nil},
		{"another type at a wildcard-matched name is NODATA with the zone file's SOA", "s1._domainkey.parked.example.org.", dns.TypeA, dns.RcodeSuccess, true,
			nil, []string{fileSOA}},
		{"an address of a delegated network is a CNAME ending in the referral", "70.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, true,
			[]string{"70.2.0.192.in-addr.arpa. 3600 IN CNAME 70.64/26.2.0.192.in-addr.arpa."},
			[]string{"64/26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example."}},
		{"a name in the delegated zone is a referral, not authoritative", "70.64/26.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, false,
			nil, []string{"64/26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := serve(t, m, tc.qname, tc.qtype)
			if r.Rcode != tc.rcode || r.Authoritative != tc.aa {
				t.Fatalf("rcode %s AA %v, want %s AA %v", dns.RcodeToString[r.Rcode], r.Authoritative, dns.RcodeToString[tc.rcode], tc.aa)
			}
			assertRRs(t, "answer", r.Answer, tc.answer)
			assertRRs(t, "authority", r.Ns, tc.ns)
		})
	}
}

func TestTheTransferOfAZoneBesideFileHasThePolicysMXAlone(t *testing.T) {
	m := newMailKeysPlugin(t)
	var theirs []dns.RR
	zp := dns.NewZoneParser(strings.NewReader(mailKeysZone), "example.org.", "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		theirs = append(theirs, rr)
	}
	ours, err := m.table.Load().Zone("example.org.", false, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	var mx []string
	for _, rr := range append(ours, mergeZone(theirs, ours)...) {
		if rr.Header().Rrtype == dns.TypeMX && rr.Header().Name == "example.org." {
			mx = append(mx, strings.ReplaceAll(rr.String(), "\t", " "))
		}
	}
	want := []string{"example.org. 3600 IN MX 10 mail.example.org.", "example.org. 3600 IN MX 20 mx.example.net."}
	if strings.Join(mx, "\n") != strings.Join(want, "\n") {
		t.Errorf("MX in the merged zone:\n%s\nwant:\n%s", strings.Join(mx, "\n"), strings.Join(want, "\n"))
	}
}
