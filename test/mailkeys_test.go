package test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// These tests check the records of the mail keys beyond SPF, DKIM, ADSP and DMARC over the wire,
// with the independent SPF, DKIM and DMARC implementations receivers use, on the policy of the
// BIND test (test/testdata/bind/mail.yaml): parked.example.org is parked beside the zone file,
// parked.example.net in a zone mailauth serves alone.

func startMailKeys(t *testing.T) server {
	t.Helper()
	return start(t, fmt.Sprintf(xfrCorefile, "test/testdata/bind/mail.yaml"))
}

func spfCheck(t *testing.T, res *net.Resolver, ip, helo, sender string) (spf.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return spf.CheckHostWithSender(net.ParseIP(ip), helo, sender, spf.WithResolver(res), spf.WithContext(ctx))
}

func TestAParkedDomainFailsSPFFromEveryAddress(t *testing.T) {
	res := startMailKeys(t).resolver()
	for _, domain := range []string{"parked.example.org", "parked.example.net"} {
		for _, ip := range []string{"192.0.2.10", "198.51.100.7", "2001:db8::10"} {
			got, err := spfCheck(t, res, ip, "mx.example.com", "alice@"+domain)
			if got != spf.Fail || !errors.Is(err, spf.ErrMatchedAll) {
				t.Errorf("%s from %s: %s (%v), want fail on -all", domain, ip, got, err)
			}
		}
	}
}

func TestAParkedDomainsDMARCPolicyRejectsItAndItsSubdomains(t *testing.T) {
	res := startMailKeys(t).resolver()
	for _, domain := range []string{"parked.example.org", "parked.example.net"} {
		rec, err := dmarc.LookupWithOptions(domain, &dmarc.LookupOptions{LookupTXT: func(name string) ([]string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return res.LookupTXT(ctx, name)
		}})
		if err != nil {
			t.Fatalf("%s: %v", domain, err)
		}
		if rec.Policy != dmarc.PolicyReject || rec.SubdomainPolicy != dmarc.PolicyReject || (rec.Percent != nil && *rec.Percent != 100) {
			t.Errorf("%s: DMARC policy %q, subdomains %q, pct %v; want reject, reject, 100", domain, rec.Policy, rec.SubdomainPolicy, rec.Percent)
		}
	}
}

func TestAParkedDomainsSignaturesFailWithARevokedKeyWhateverTheSelector(t *testing.T) {
	res := startMailKeys(t).resolver()
	key := privateKey(t, "zones/keys/example.org/mail2026.pem")
	for _, selector := range []string{"s1", "mail2026", "a.b"} {
		v := verifyOne(t, res, signed(t, key, "parked.example.net", selector))
		if v.Err == nil || !dkim.IsPermFail(v.Err) || v.Err.Error() != "dkim: key revoked" {
			t.Errorf("selector %s: verification error %v, want the permanent failure \"dkim: key revoked\"", selector, v.Err)
		}
	}
}

func TestAParkedDomainAndTheNullMXReceiveNoMail(t *testing.T) {
	res := startMailKeys(t).resolver()
	for _, domain := range []string{"parked.example.org.", "parked.example.net.", "nomail.example.net."} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		mxs, err := res.LookupMX(ctx, domain)
		cancel()
		// Go's resolver hands the null MX back as the host "." (RFC 7505 3).
		if err != nil || len(mxs) != 1 || mxs[0].Host != "." || mxs[0].Pref != 0 {
			t.Errorf("%s: MX %v (%v), want the null MX alone", domain, mxs, err)
		}
	}
}

func TestEachHostPassesSPFForItsHELONameFromItsOwnAddressesOnly(t *testing.T) {
	res := startMailKeys(t).resolver()
	for _, tc := range []struct {
		name, ip, helo string
		want           spf.Result
	}{
		{"a host's own address passes", "192.0.2.10", "mail.example.org", spf.Pass},
		{"a host's IPv6 address passes", "2001:db8::10", "mail.example.org", spf.Pass},
		{"another address fails", "192.0.2.20", "mail.example.org", spf.Fail},
		{"another host passes from its address", "192.0.2.20", "mx.example.net", spf.Pass},
		{"a host with helo: false has no record", "192.0.2.30", "relay.example.net", spf.None},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// With an empty MAIL FROM (a bounce), SPF checks the HELO name (RFC 7208 2.4).
			got, err := spfCheck(t, res, tc.ip, tc.helo, "")
			if got != tc.want {
				t.Errorf("HELO %s from %s: %s (%v), want %s", tc.helo, tc.ip, got, err, tc.want)
			}
		})
	}
}

func TestTheMTASTSIdIsTheOneOfThePolicyText(t *testing.T) {
	s := startMailKeys(t)
	p, err := policy.Load("test/testdata/bind/mail.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var sts string
	for _, d := range p.Domains {
		if d.Name == "example.org." {
			sts = d.MTASTS.Text()
			if want := "version: STSv1\nmode: enforce\nmx: mail.example.org\nmx: *.example.net\nmax_age: 86400\n"; sts != want {
				t.Errorf("policy text %q, want %q", sts, want)
			}
			r := s.query(t, "udp", "_mta-sts.example.org.", dns.TypeTXT, 1232)
			if len(r.Answer) != 1 || strings.Join(r.Answer[0].(*dns.TXT).Txt, "") != "v=STSv1; id="+d.MTASTS.ID() {
				t.Errorf("_mta-sts answer %v, want the id %s", r.Answer, d.MTASTS.ID())
			}
		}
	}
	if sts == "" {
		t.Fatal("example.org has no MTA-STS policy")
	}
}

func TestTheRecordsOfTheMailKeysOverTheWire(t *testing.T) {
	s := startMailKeys(t)
	for _, tc := range []struct {
		name, qname string
		qtype       uint16
		want        string
	}{
		{"SPF and Sender ID side by side, the zone file's token kept", "example.org.", dns.TypeTXT,
			"example.org. 3600 IN TXT \"google-site-verification=3Ex4mpleT0ken\"\n" +
				"example.org. 3600 IN TXT \"spf2.0/mfrom,pra mx ip4:192.0.2.0/24 include:example.net ~all\"\n" +
				"example.org. 3600 IN TXT \"v=spf1 mx ip4:192.0.2.0/24 include:example.net ~all\""},
		{"the policy's MX replace the zone file's", "example.org.", dns.TypeMX,
			"example.org. 3600 IN MX 10 mail.example.org.\nexample.org. 3600 IN MX 20 mx.example.net."},
		{"the DomainKeys policy record at _domainkey", "_domainkey.example.org.", dns.TypeTXT,
			"_domainkey.example.org. 3600 IN TXT \"o=~; r=postmaster@example.org\""},
		{"TLS-RPT", "_smtp._tls.example.org.", dns.TypeTXT,
			"_smtp._tls.example.org. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.org,https://reports.example.org/tlsrpt\""},
		{"BIMI", "default._bimi.example.org.", dns.TypeTXT,
			"default._bimi.example.org. 3600 IN TXT \"v=BIMI1; l=https://example.org/brand/logo.svg; a=https://example.org/brand/vmc.pem\""},
		{"a wildcard match is owned by the query name", "s1._domainkey.parked.example.net.", dns.TypeTXT,
			"s1._domainkey.parked.example.net. 3600 IN TXT \"v=DKIM1; p=\""},
		{"an address of a delegated network is a CNAME into the child zone", "70.2.0.192.in-addr.arpa.", dns.TypePTR,
			"70.2.0.192.in-addr.arpa. 3600 IN CNAME 70.64-26.2.0.192.in-addr.arpa."},
		{"the child zone answers the PTR", "70.64-26.2.0.192.in-addr.arpa.", dns.TypePTR,
			"70.64-26.2.0.192.in-addr.arpa. 3600 IN PTR cust-192-0-2-70.example.net."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, "udp", tc.qname, tc.qtype, 1232)
			if got := section(r.Answer); got != tc.want || !r.Authoritative {
				t.Errorf("AA %v, answer:\n%s\nwant:\n%s", r.Authoritative, got, tc.want)
			}
		})
	}
	// Below a delegation to a server elsewhere, the answer is a referral.
	r := s.query(t, "udp", "130.128/27.2.0.192.in-addr.arpa.", dns.TypePTR, 1232)
	if r.Authoritative || len(r.Answer) != 0 || section(r.Ns) != "128/27.2.0.192.in-addr.arpa. 3600 IN NS ns.other.example." {
		t.Errorf("AA %v, answer %v, authority:\n%s\nwant a referral to ns.other.example.", r.Authoritative, r.Answer, section(r.Ns))
	}
}

func TestATransferListsTheWildcardAndTheDelegation(t *testing.T) {
	s := startMailKeys(t)
	has := func(zone string, want ...string) {
		t.Helper()
		var lines []string
		for _, rr := range axfr(t, s, zone) {
			lines = append(lines, strings.ReplaceAll(rr.String(), "\t", " "))
		}
		all := strings.Join(lines, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: transfer lacks %s", zone, w)
			}
		}
	}
	has("example.net.", `*._domainkey.parked.example.net. 3600 IN TXT "v=DKIM1; p="`, "parked.example.net. 3600 IN MX 0 .")
	has("example.org.", `*._domainkey.parked.example.org. 3600 IN TXT "v=DKIM1; p="`, "example.org. 3600 IN MX 20 mx.example.net.")
	has("2.0.192.in-addr.arpa.", "64-26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example.",
		"128/27.2.0.192.in-addr.arpa. 3600 IN NS ns.other.example.", "130.2.0.192.in-addr.arpa. 3600 IN CNAME 130.128/27.2.0.192.in-addr.arpa.")
	has("64-26.2.0.192.in-addr.arpa.", "64-26.2.0.192.in-addr.arpa. 3600 IN NS ns1.customer.example.")
}
