package test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"
)

// startErr runs corefile as start does, and returns the error that stopped it from starting.
func startErr(t *testing.T, corefile string) error {
	t.Helper()
	dnsserver.Port = "0"
	inst, err := caddy.Start(input(corefile))
	if err == nil {
		inst.ShutdownCallbacks()
		inst.Stop()
	}
	return err
}

// writePolicy writes a policy file into a fresh temporary directory and returns its path.
func writePolicy(t *testing.T, policy string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.yaml")
	if err := os.WriteFile(path, []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The shape the product spec shows: one server block for the forward zone, which mailauth shares
// with file, and two reverse zones, which mailauth serves alone although fallthrough is set.
const oneBlockCorefile = `example.org 2.0.192.in-addr.arpa 100.51.198.in-addr.arpa {
    bind 127.0.0.1
    mailauth zones/mail.yaml {
        fallthrough
    }
    file zones/db.example.org example.org
}
`

func TestOneServerBlockServesTheForwardZoneBesideFileAndTheReverseZonesAlone(t *testing.T) {
	s := start(t, oneBlockCorefile)
	cases := []answerCase{
		{"apex TXT joins the policy's SPF and the zone file's verification token", "example.org.", dns.TypeTXT, dns.RcodeSuccess,
			"example.org. 14400 IN TXT \"v=spf1 mx a ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net ~all\"\n" +
				"example.org. 3600 IN TXT \"google-site-verification=3Ex4mpleT0ken\"", ""},
		{"the apex SOA is the zone file's", "example.org.", dns.TypeSOA, dns.RcodeSuccess, fileSOA, ""},
		{"names the policy does not publish fall through to file", "ns1.example.org.", dns.TypeA, dns.RcodeSuccess,
			"ns1.example.org. 3600 IN A 192.0.2.53", ""},
		{"DMARC record", "_dmarc.example.org.", dns.TypeTXT, dns.RcodeSuccess,
			"_dmarc.example.org. 14400 IN TXT \"v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc@example.org; adkim=s; aspf=s\"", ""},
		{"names nobody publishes are NXDOMAIN with the zone file's SOA", "nothing.example.org.", dns.TypeA, dns.RcodeNameError, "", fileSOA},

		{"reverse zone apex SOA is the policy's", "2.0.192.in-addr.arpa.", dns.TypeSOA, dns.RcodeSuccess, rev4SOA, ""},
		{"reverse zone apex NS is the policy's", "2.0.192.in-addr.arpa.", dns.TypeNS, dns.RcodeSuccess,
			"2.0.192.in-addr.arpa. 3600 IN NS ns1.example.org.\n2.0.192.in-addr.arpa. 3600 IN NS ns2.example.org.", ""},
		{"host PTR", "10.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess,
			"10.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.org.", ""},
		{"address with no host is NXDOMAIN with the policy's SOA despite fallthrough", "11.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError, "", rev4SOA},
		{"network reverse zone apex SOA is the policy's", "100.51.198.in-addr.arpa.", dns.TypeSOA, dns.RcodeSuccess, pool4SOA, ""},
		{"network PTR", "77.100.51.198.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess,
			"77.100.51.198.in-addr.arpa. 3600 IN PTR host-198-51-100-77.pool.example.org.", ""},
		{"a name below an address is NXDOMAIN with the policy's SOA despite fallthrough", "1.77.100.51.198.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError, "", pool4SOA},
		{"network reverse name with a leading zero is NXDOMAIN", "07.100.51.198.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError, "", pool4SOA},
	}
	for _, net := range []string{"udp", "tcp"} {
		for _, tc := range cases {
			t.Run(net+"/"+tc.name, func(t *testing.T) {
				checkAnswer(t, s.query(t, net, tc.qname, tc.qtype, 1232), tc)
			})
		}
	}
}

func TestTheOneLineFormServesAZoneAlone(t *testing.T) {
	s := start(t, "example.net {\n    bind 127.0.0.1\n    mailauth zones/mail.yaml\n}\n")
	for _, tc := range []answerCase{
		{"apex SOA", "example.net.", dns.TypeSOA, dns.RcodeSuccess, netSOA, ""},
		{"SPF", "example.net.", dns.TypeTXT, dns.RcodeSuccess,
			"example.net. 3600 IN TXT \"v=spf1 ip4:198.51.100.0/24 include:example.org -all\"", ""},
		{"NXDOMAIN", "www.example.net.", dns.TypeA, dns.RcodeNameError, "", netSOA},
	} {
		t.Run(tc.name, func(t *testing.T) { checkAnswer(t, s.query(t, "udp", tc.qname, tc.qtype, 1232), tc) })
	}
}

func TestAPolicyWithoutSOAOrNSGetsDefaultsForTheZoneItServesAlone(t *testing.T) {
	policy := writePolicy(t, "domains:\n  example.net:\n    spf: [\"ip4:198.51.100.0/24\", \"-all\"]\n")
	s := start(t, "example.net {\n    bind 127.0.0.1\n    mailauth "+policy+"\n}\n")

	r := s.query(t, "udp", "example.net.", dns.TypeSOA, 1232)
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 1 {
		t.Fatalf("SOA: rcode %s, AA %v, answer %v", dns.RcodeToString[r.Rcode], r.Authoritative, r.Answer)
	}
	soa, ok := r.Answer[0].(*dns.SOA)
	if !ok || soa.Hdr.Name != "example.net." || soa.Ns != "localhost." || soa.Mbox != "hostmaster.example.net." {
		t.Errorf("SOA %v, want example.net. SOA localhost. hostmaster.example.net.", r.Answer[0])
	}

	r = s.query(t, "udp", "example.net.", dns.TypeNS, 1232)
	if got, want := section(r.Answer), "example.net. 3600 IN NS localhost."; r.Rcode != dns.RcodeSuccess || !r.Authoritative || got != want {
		t.Errorf("NS: rcode %s, AA %v, answer\n%s\nwant\n%s", dns.RcodeToString[r.Rcode], r.Authoritative, got, want)
	}

	r = s.query(t, "udp", "example.net.", dns.TypeTXT, 1232)
	if len(r.Answer) != 1 || !strings.Contains(r.Answer[0].String(), "v=spf1 ip4:198.51.100.0/24 -all") {
		t.Errorf("TXT %v, want the SPF record", r.Answer)
	}

	r = s.query(t, "udp", "nothing.example.net.", dns.TypeA, 1232)
	if r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("NXDOMAIN: rcode %s, authority %v; want NXDOMAIN with the SOA alone", dns.RcodeToString[r.Rcode], r.Ns)
	}
}

func TestAnInvalidPolicyStopsTheServerFromStartingWithItsPlaceAndProblem(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy string
		want   string // after "FILE:"; a regular expression
	}{
		// The node at fault is the adsp key (column 5) or its value (column 11).
		{"a value out of its set", "domains:\n  example.net:\n    adsp: sometimes\n",
			`3:(5|11): adsp "sometimes" is not one of unknown, all, discardable`},
		{"an unknown key", "domains:\n  example.net:\n    spff: [\"-all\"]\n",
			`3:5: unknown key "spff"`},
		{"a key file that does not exist", "domains:\n  example.net:\n    dkim:\n      s1: {key: keys/missing.pem}\n",
			`4:\d+: dkim selector "s1": key file keys/missing.pem: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			policy := writePolicy(t, tc.policy)
			err := startErr(t, "example.net {\n    bind 127.0.0.1\n    mailauth "+policy+"\n}\n")
			if err == nil {
				t.Fatal("started with an invalid policy")
			}
			t.Log(err)
			want := regexp.MustCompile(regexp.QuoteMeta(policy) + ":" + tc.want)
			if !want.MatchString(err.Error()) {
				t.Errorf("error %q\nwant it to match %s", err, want)
			}
		})
	}
}

func TestCorefileSyntaxErrorsStopTheServerFromStarting(t *testing.T) {
	for _, tc := range []struct {
		name     string
		corefile string
		want     string
	}{
		{"mailauth without a policy", "example.net {\n    mailauth\n}\n", "Wrong argument count"},
		{"an unknown property", "example.net {\n    mailauth zones/mail.yaml {\n        fallthru\n    }\n}\n", `unknown property "fallthru"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := startErr(t, tc.corefile)
			if err == nil {
				t.Fatal("started")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "mailauth") {
				t.Errorf("error %q, want it to name mailauth and say %q", err, tc.want)
			}
		})
	}
}
