package mailauth

import (
	"testing"

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
