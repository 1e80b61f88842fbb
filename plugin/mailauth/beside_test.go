package mailauth

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/miekg/dns"
)

func TestReplacedDropsTheZoneFilesRecordsOfAKindThePolicyPublishes(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ours := []dns.RR{rr(`example.org. 300 IN TXT "v=spf1 mx -all"`), rr(`example.org. 300 IN MX 0 .`)}
	theirs := []dns.RR{
		rr(`example.org. 300 IN TXT "v=spf1 a ~all"`),       // an old SPF record: replaced
		rr(`example.org. 300 IN TXT "site-verification=x"`), // another kind: kept
		rr(`example.org. 300 IN MX 10 mail.example.org.`),   // the policy's MX win
		rr(`example.org. 300 IN A 192.0.2.1`),               // kept
		rr(`example.org. 300 IN TXT "v=spf1 mx -all"`),      // a duplicate of ours: dropped
	}
	got := replaced(theirs, ours)
	if len(got) != 2 || got[0] != theirs[1] || got[1] != theirs[3] {
		t.Errorf("kept %v", got)
	}
}

func TestChainEndFollowsCNAMEsFromTheQuestion(t *testing.T) {
	a, _ := dns.NewRR("www.example.org. 300 IN CNAME web.example.org.")
	b, _ := dns.NewRR("web.example.org. 300 IN CNAME Example.ORG.")
	for _, tc := range []struct {
		qname string
		rrs   []dns.RR
		want  string
	}{
		{"www.example.org.", []dns.RR{b, a}, "example.org."},
		{"WWW.example.org.", []dns.RR{a}, "web.example.org."},
		{"mail.example.org.", []dns.RR{a, b}, ""},
	} {
		if got := chainEnd(tc.rrs, tc.qname); got != tc.want {
			t.Errorf("%s: end %q, want %q", tc.qname, got, tc.want)
		}
	}
}

// Found by the randomized differential run against BIND (test/random_differential_test.go): BIND
// adds to an NS answer the addresses its zone holds, not those of servers in other zones.
func TestBesideAZoneFileAnNSAnswerCarriesTheAddressesOfServersInTheZoneOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mail.yaml")
	writeFile(t, path, "domains:\n  example.org: {spf: [-all]}\nhosts:\n  ns2.example.net: [192.0.2.54]\n")
	zone, err := file.Parse(strings.NewReader(`$ORIGIN example.org.
@ 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 1800 1209600 300
@ 3600 IN NS ns1.example.org.
@ 3600 IN NS ns2.example.net.
ns1 3600 IN A 192.0.2.53
`), "example.org.", "db.example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	next := file.File{Zones: file.Zones{Z: map[string]*file.Zone{"example.org.": zone}, Names: []string{"example.org."}}}
	m := &MailAuth{Next: next, Policy: path, Zones: []string{"example.org.", "example.net."}, Fall: fall.Root}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	m.probe()
	for _, qtype := range []uint16{dns.TypeNS, dns.TypeANY} {
		r := serve(t, m, "example.org.", qtype)
		want := []string{"ns1.example.org. 3600 IN A 192.0.2.53"}
		if qtype == dns.TypeANY {
			want = nil
		}
		var extra []dns.RR
		for _, rr := range r.Extra {
			if rr.Header().Rrtype != dns.TypeOPT {
				extra = append(extra, rr)
			}
		}
		assertRRs(t, dns.TypeToString[qtype]+" additional", extra, want)
	}
}
