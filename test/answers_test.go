package test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// The SOA records negative answers carry: file's for example.org, the policy's for the zones
// mailauth serves alone (serial masked, see section).
const (
	fileSOA  = "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 0 7200 1800 1209600 3600"
	netSOA   = "example.net. 3600 IN SOA ns1.example.org. hostmaster.example.org. 0 7200 1800 1209600 3600"
	rev4SOA  = "2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.org. hostmaster.example.org. 0 7200 1800 1209600 3600"
	pool4SOA = "100.51.198.in-addr.arpa. 3600 IN SOA ns1.example.org. hostmaster.example.org. 0 7200 1800 1209600 3600"
	rev6SOA  = "8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN SOA ns1.example.org. hostmaster.example.org. 0 7200 1800 1209600 3600"
)

type answerCase struct {
	name   string
	qname  string
	qtype  uint16
	rcode  int
	answer string // sorted lines, as section renders them; "" for none
	ns     string
}

// exampleCases are the answers Corefile.example gives, written as BIND 9 gives them for the same
// records in zone files (checked by hand with named and dig; see the issue note).
var exampleCases = []answerCase{
	{"apex TXT joins the policy's SPF and the zone file's verification token", "example.org.", dns.TypeTXT, dns.RcodeSuccess,
		"example.org. 14400 IN TXT \"v=spf1 mx a ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net ~all\"\n" +
			"example.org. 3600 IN TXT \"google-site-verification=3Ex4mpleT0ken\"", ""},
	{"apex MX comes from the zone file", "example.org.", dns.TypeMX, dns.RcodeSuccess,
		"example.org. 3600 IN MX 10 mail.example.org.", ""},
	{"ADSP record", "_adsp._domainkey.example.org.", dns.TypeTXT, dns.RcodeSuccess,
		"_adsp._domainkey.example.org. 14400 IN TXT \"dkim=all\"", ""},
	{"DMARC record", "_dmarc.example.org.", dns.TypeTXT, dns.RcodeSuccess,
		"_dmarc.example.org. 14400 IN TXT \"v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc@example.org; adkim=s; aspf=s\"", ""},
	{"revoked selector has an empty p=", "old2025._domainkey.example.org.", dns.TypeTXT, dns.RcodeSuccess,
		"old2025._domainkey.example.org. 14400 IN TXT \"v=DKIM1; p=\"", ""},
	{"_domainkey is an empty non-terminal: NODATA, not NXDOMAIN", "_domainkey.example.org.", dns.TypeTXT, dns.RcodeSuccess, "", fileSOA},
	{"unknown selector is NXDOMAIN with the zone file's SOA", "nope._domainkey.example.org.", dns.TypeTXT, dns.RcodeNameError, "", fileSOA},
	{"another type at a policy name is NODATA", "_dmarc.example.org.", dns.TypeA, dns.RcodeSuccess, "", fileSOA},
	{"names the policy does not publish fall through to file", "ns1.example.org.", dns.TypeA, dns.RcodeSuccess,
		"ns1.example.org. 3600 IN A 192.0.2.53", ""},
	{"names nobody publishes are NXDOMAIN", "nothing.example.org.", dns.TypeA, dns.RcodeNameError, "", fileSOA},
	{"host A", "mail.example.org.", dns.TypeA, dns.RcodeSuccess, "mail.example.org. 3600 IN A 192.0.2.10", ""},
	{"host AAAA", "mail.example.org.", dns.TypeAAAA, dns.RcodeSuccess, "mail.example.org. 3600 IN AAAA 2001:db8::10", ""},
	{"host MX is NODATA", "mail.example.org.", dns.TypeMX, dns.RcodeSuccess, "", fileSOA},
	{"network name resolves to its address", "host-198-51-100-7.pool.example.org.", dns.TypeA, dns.RcodeSuccess,
		"host-198-51-100-7.pool.example.org. 3600 IN A 198.51.100.7", ""},
	{"network name has no AAAA", "host-198-51-100-7.pool.example.org.", dns.TypeAAAA, dns.RcodeSuccess, "", fileSOA},
	{"network name outside the prefix does not exist", "host-198-51-101-7.pool.example.org.", dns.TypeA, dns.RcodeNameError, "", fileSOA},
	{"a non-canonical spelling of an address is not a network name", "host-198-51-100-07.pool.example.org.", dns.TypeA, dns.RcodeNameError, "", fileSOA},
	{"the domain of the network names is an empty non-terminal", "pool.example.org.", dns.TypeA, dns.RcodeSuccess, "", fileSOA},
	{"IPv6 network name resolves to its address", "v6-2001-db8-100-0-0-0-0-7.pool.example.org.", dns.TypeAAAA, dns.RcodeSuccess,
		"v6-2001-db8-100-0-0-0-0-7.pool.example.org. 3600 IN AAAA 2001:db8:100::7", ""},

	{"alone: apex SOA", "example.net.", dns.TypeSOA, dns.RcodeSuccess, netSOA, ""},
	{"alone: apex NS", "example.net.", dns.TypeNS, dns.RcodeSuccess,
		"example.net. 3600 IN NS ns1.example.org.\nexample.net. 3600 IN NS ns2.example.org.", ""},
	{"alone: SPF", "example.net.", dns.TypeTXT, dns.RcodeSuccess,
		"example.net. 3600 IN TXT \"v=spf1 ip4:198.51.100.0/24 include:example.org -all\"", ""},
	{"alone: SPF of a sub-domain", "_spf.example.net.", dns.TypeTXT, dns.RcodeSuccess,
		"_spf.example.net. 3600 IN TXT \"v=spf1 ip4:203.0.113.0/24 -all\"", ""},
	{"alone: DMARC", "_dmarc.example.net.", dns.TypeTXT, dns.RcodeSuccess,
		"_dmarc.example.net. 3600 IN TXT \"v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@example.net; fo=1\"", ""},
	{"alone: NODATA at the apex", "example.net.", dns.TypeMX, dns.RcodeSuccess, "", netSOA},
	{"alone: NODATA at _domainkey", "_domainkey.example.net.", dns.TypeTXT, dns.RcodeSuccess, "", netSOA},
	{"alone: NXDOMAIN", "www.example.net.", dns.TypeA, dns.RcodeNameError, "", netSOA},
	{"alone: host in the zone", "mx.example.net.", dns.TypeA, dns.RcodeSuccess, "mx.example.net. 3600 IN A 192.0.2.20", ""},

	{"host PTR", "10.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess,
		"10.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.org.", ""},
	{"second host PTR", "20.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess,
		"20.2.0.192.in-addr.arpa. 3600 IN PTR mx.example.net.", ""},
	{"address with no host is NXDOMAIN", "11.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError, "", rev4SOA},
	{"reverse zone apex SOA", "2.0.192.in-addr.arpa.", dns.TypeSOA, dns.RcodeSuccess, rev4SOA, ""},
	{"network PTR", "7.100.51.198.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess,
		"7.100.51.198.in-addr.arpa. 3600 IN PTR host-198-51-100-7.pool.example.org.", ""},
	{"network address TXT is NODATA", "7.100.51.198.in-addr.arpa.", dns.TypeTXT, dns.RcodeSuccess, "", pool4SOA},
	{"network reverse name with a leading zero does not exist", "07.100.51.198.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError, "", pool4SOA},
	{"IPv6 host PTR", "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, dns.RcodeSuccess,
		"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR mail.example.org.", ""},
	{"IPv6 network PTR", "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, dns.RcodeSuccess,
		"7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa. 3600 IN PTR v6-2001-db8-100-0-0-0-0-7.pool.example.org.", ""},
	{"IPv6 partial name inside a network is an empty non-terminal", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, dns.RcodeSuccess, "", rev6SOA},
	{"IPv6 partial name above a host is an empty non-terminal", "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, dns.RcodeSuccess, "", rev6SOA},
	{"IPv6 name outside every network is NXDOMAIN", "0.0.2.0.8.b.d.0.1.0.0.2.ip6.arpa.", dns.TypePTR, dns.RcodeNameError, "", rev6SOA},
}

func TestCorefileExampleAnswersOverUDPAndTCP(t *testing.T) {
	s := startFile(t, "Corefile.example")
	for _, net := range []string{"udp", "tcp"} {
		for _, tc := range exampleCases {
			t.Run(net+"/"+tc.name, func(t *testing.T) {
				r := s.query(t, net, tc.qname, tc.qtype, 1232)
				checkAnswer(t, r, tc)
			})
		}
	}
}

func checkAnswer(t *testing.T, r *dns.Msg, tc answerCase) {
	t.Helper()
	if r.Rcode != tc.rcode {
		t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tc.rcode])
	}
	if !r.Authoritative {
		t.Errorf("AA not set")
	}
	if r.Truncated {
		t.Errorf("TC set")
	}
	if got := section(r.Answer); got != tc.answer {
		t.Errorf("answer:\n%s\nwant:\n%s", got, tc.answer)
	}
	ns := r.Ns
	if tc.ns == "" && tc.rcode == dns.RcodeSuccess {
		// Positive answers from file carry its NS; the policy's own answers carry none. Neither is wrong.
		ns = nil
	}
	if got := section(ns); got != tc.ns {
		t.Errorf("authority:\n%s\nwant:\n%s", got, tc.ns)
	}
}

// BIND answers with the owner name as its zone stores it, whatever the question's case (checked
// against named 9.18 in bind_test.go); the policy stores names in lower case.
func TestNamesMatchCaseInsensitivelyAndAnswersSpellOwnersAsStored(t *testing.T) {
	s := startFile(t, "Corefile.example")
	for _, q := range []string{"MAIL2026._DomainKey.Example.ORG.", "ExAmPlE.NeT.", "10.2.0.192.IN-ADDR.ARPA.", "HOST-198-51-100-9.Pool.Example.Org."} {
		qtype := dns.TypeTXT
		switch {
		case strings.HasSuffix(strings.ToLower(q), "arpa."):
			qtype = dns.TypePTR
		case strings.HasPrefix(q, "HOST"):
			qtype = dns.TypeA
		}
		r := s.query(t, "udp", q, qtype, 4096)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || !r.Authoritative {
			t.Fatalf("%s: rcode %s, %d answers, AA %v", q, dns.RcodeToString[r.Rcode], len(r.Answer), r.Authoritative)
		}
		if got := r.Answer[0].Header().Name; got != strings.ToLower(q) {
			t.Errorf("%s: answer owner %s, want %s", q, got, strings.ToLower(q))
		}
	}
}

// The example policy is split over two server blocks (example.org beside file, the rest alone):
// no name is outside every zone that loads it, so it loads without a warning.
func TestCorefileExampleLoadsWithoutWarnings(t *testing.T) {
	logs := captureLog(t)
	startFile(t, "Corefile.example")
	if strings.Contains(logs.String(), "[WARNING]") {
		t.Errorf("warnings:\n%s", logs)
	}
}
