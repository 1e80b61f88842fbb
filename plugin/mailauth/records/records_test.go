package records

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/smtptls"
)

// rrText is the presentation form of each record, which shows owner, TTL, class, type and rdata.
func rrText(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}

func assertRRs(t *testing.T, got []dns.RR, want ...string) {
	t.Helper()
	if g := rrText(got); !reflect.DeepEqual(g, want) {
		t.Errorf("records\n got %s\nwant %s", strings.Join(g, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestDomainPublishesEachRecordAtItsOwnerName(t *testing.T) {
	d := policy.Domain{
		Name: "example.org.",
		TTL:  600,
		SPF:  "v=spf1 mx -all",
		Selectors: []policy.Selector{
			{Name: "ed2026", Record: "v=DKIM1; k=ed25519; p=abc="},
			{Name: "old2025", Record: "v=DKIM1; p="},
		},
		ADSP:  "dkim=all",
		DMARC: "v=DMARC1; p=reject",
	}
	assertRRs(t, Domain(d),
		"example.org.\t600\tIN\tTXT\t\"v=spf1 mx -all\"",
		"ed2026._domainkey.example.org.\t600\tIN\tTXT\t\"v=DKIM1; k=ed25519; p=abc=\"",
		"old2025._domainkey.example.org.\t600\tIN\tTXT\t\"v=DKIM1; p=\"",
		"_adsp._domainkey.example.org.\t600\tIN\tTXT\t\"dkim=all\"",
		"_dmarc.example.org.\t600\tIN\tTXT\t\"v=DMARC1; p=reject\"",
	)
}

func TestDomainWithoutRecordsPublishesNothing(t *testing.T) {
	if rrs := Domain(policy.Domain{Name: "example.org.", TTL: 600}); len(rrs) != 0 {
		t.Errorf("got %v, want no records", rrText(rrs))
	}
}

func TestDomainSplitsALongKeyRecordIntoOneTXTOfSeveralStrings(t *testing.T) {
	record := "v=DKIM1; k=rsa; p=" + strings.Repeat("A", 700)
	rrs := Domain(policy.Domain{Name: "example.org.", TTL: 60, Selectors: []policy.Selector{{Name: "big", Record: record}}})
	if len(rrs) != 1 {
		t.Fatalf("%d records, want 1", len(rrs))
	}
	txt := rrs[0].(*dns.TXT)
	if len(txt.Txt) != 3 || strings.Join(txt.Txt, "") != record {
		t.Errorf("%d strings joining to %d bytes, want 3 joining to the %d-byte record", len(txt.Txt), len(strings.Join(txt.Txt, "")), len(record))
	}
}

func TestHostPublishesItsAddressesAPTRBackForEachAndItsHELORecord(t *testing.T) {
	h := policy.Host{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}, HELO: true}
	assertRRs(t, Host(h, 300, ReverseName),
		"mail.example.org.\t300\tIN\tA\t192.0.2.10",
		"10.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tmail.example.org.",
		"mail.example.org.\t300\tIN\tAAAA\t2001:db8::10",
		"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.\t300\tIN\tPTR\tmail.example.org.",
		"mail.example.org.\t300\tIN\tTXT\t\"v=spf1 a -all\"",
	)
}

func TestHostWithoutHELOPublishesNoSPFAndItsPTRWhereTheOwnerFunctionSays(t *testing.T) {
	h := policy.Host{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.70")}}
	d := policy.Delegation{Zone: "64/26.2.0.192.in-addr.arpa."}
	assertRRs(t, Host(h, 300, func(a netip.Addr) string { return d.Child(a) }),
		"mail.example.org.\t300\tIN\tA\t192.0.2.70",
		"70.64/26.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tmail.example.org.",
	)
}

func TestDomainPublishesTheRecordsBeyondTheCore(t *testing.T) {
	d := policy.Domain{
		Name:       "example.org.",
		TTL:        600,
		SPF:        "v=spf1 mx -all",
		SenderID:   "spf2.0/mfrom,pra mx -all",
		MX:         []policy.MX{{Preference: 10, Target: "mail.example.org."}, {Preference: 20, Target: "mx.example.net."}},
		DomainKeys: "o=-",
		MTASTS:     &smtptls.STS{Mode: "enforce", MX: []string{"mail.example.org"}, MaxAge: 86400},
		TLSRPT:     "v=TLSRPTv1; rua=mailto:tls@example.org",
		BIMI:       &policy.BIMI{Selector: "default", Record: "v=BIMI1; l=https://example.org/logo.svg"},
	}
	assertRRs(t, Domain(d),
		"example.org.\t600\tIN\tTXT\t\"v=spf1 mx -all\"",
		"example.org.\t600\tIN\tTXT\t\"spf2.0/mfrom,pra mx -all\"",
		"example.org.\t600\tIN\tMX\t10 mail.example.org.",
		"example.org.\t600\tIN\tMX\t20 mx.example.net.",
		"_domainkey.example.org.\t600\tIN\tTXT\t\"o=-\"",
		"_mta-sts.example.org.\t600\tIN\tTXT\t\"v=STSv1; id="+d.MTASTS.ID()+"\"",
		"_smtp._tls.example.org.\t600\tIN\tTXT\t\"v=TLSRPTv1; rua=mailto:tls@example.org\"",
		"default._bimi.example.org.\t600\tIN\tTXT\t\"v=BIMI1; l=https://example.org/logo.svg\"",
	)
}

func TestAParkedDomainPublishesTheWildcardRevokedKey(t *testing.T) {
	d := policy.Domain{Name: "example.org.", TTL: 600, Parked: true, SPF: "v=spf1 -all", MX: []policy.MX{{Target: "."}}}
	assertRRs(t, Domain(d),
		"example.org.\t600\tIN\tTXT\t\"v=spf1 -all\"",
		"example.org.\t600\tIN\tMX\t0 .",
		"*._domainkey.example.org.\t600\tIN\tTXT\t\"v=DKIM1; p=\"",
	)
}

func TestADelegationIsACNAMEPerAddressAndTheNSOfTheChildZone(t *testing.T) {
	d := policy.Delegation{Prefix: netip.MustParsePrefix("192.0.2.64/30"), Zone: "64/30.2.0.192.in-addr.arpa.", To: []string{"ns1.customer.example.", "ns2.customer.example."}, TTL: 60}
	assertRRs(t, Delegation(d),
		"64.2.0.192.in-addr.arpa.\t60\tIN\tCNAME\t64.64/30.2.0.192.in-addr.arpa.",
		"65.2.0.192.in-addr.arpa.\t60\tIN\tCNAME\t65.64/30.2.0.192.in-addr.arpa.",
		"66.2.0.192.in-addr.arpa.\t60\tIN\tCNAME\t66.64/30.2.0.192.in-addr.arpa.",
		"67.2.0.192.in-addr.arpa.\t60\tIN\tCNAME\t67.64/30.2.0.192.in-addr.arpa.",
		"64/30.2.0.192.in-addr.arpa.\t60\tIN\tNS\tns1.customer.example.",
		"64/30.2.0.192.in-addr.arpa.\t60\tIN\tNS\tns2.customer.example.",
	)
}

func TestAddressIsAForIPv4AndAAAAForIPv6(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want string
	}{
		{"an IPv4 address gets an A record", "198.51.100.7", "h.example.org.\t60\tIN\tA\t198.51.100.7"},
		{"an IPv6 address gets an AAAA record", "2001:db8::7", "h.example.org.\t60\tIN\tAAAA\t2001:db8::7"},
		{"the unspecified IPv6 address gets an AAAA record", "::", "h.example.org.\t60\tIN\tAAAA\t::"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := Address("h.example.org.", 60, netip.MustParseAddr(tt.addr))
			if got := rr.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			buf := make([]byte, 512)
			if _, err := dns.PackRR(rr, buf, 0, nil, false); err != nil {
				t.Errorf("pack: %v", err)
			}
		})
	}
}

func TestReverseNameIsLowerCaseAndFullyQualified(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"198.51.100.7", "7.100.51.198.in-addr.arpa."},
		{"2001:DB8:ABCD::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa."},
	}
	for _, tt := range tests {
		if got := ReverseName(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("ReverseName(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestSOACompletesRelativeNamesWithTheZone(t *testing.T) {
	tests := []struct {
		name string
		soa  policy.SOA
		want string
	}{
		{
			name: "relative mname and rname get the zone appended",
			soa:  policy.SOA{MName: "ns1", RName: "hostmaster", Refresh: 7200, Retry: 1800, Expire: 1209600, Minimum: 3600},
			want: "100.51.198.in-addr.arpa.\t3600\tIN\tSOA\tns1.100.51.198.in-addr.arpa. hostmaster.100.51.198.in-addr.arpa. 2026010101 7200 1800 1209600 3600",
		},
		{
			name: "fully qualified mname and rname are kept",
			soa:  policy.SOA{MName: "ns1.example.org.", RName: "hostmaster.example.org.", Refresh: 1, Retry: 2, Expire: 3, Minimum: 4},
			want: "100.51.198.in-addr.arpa.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 2026010101 1 2 3 4",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SOA("100.51.198.in-addr.arpa.", tt.soa, 2026010101, 3600).String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNSListsTheGivenNamesOrElseTheSOAMName(t *testing.T) {
	soa := policy.SOA{MName: "ns1", RName: "hostmaster"}
	assertRRs(t, NS("example.net.", []string{"ns1.example.org.", "ns2.example.org."}, soa, 300),
		"example.net.\t300\tIN\tNS\tns1.example.org.",
		"example.net.\t300\tIN\tNS\tns2.example.org.",
	)
	assertRRs(t, NS("example.net.", nil, soa, 300), "example.net.\t300\tIN\tNS\tns1.example.net.")
	assertRRs(t, NS("example.net.", nil, policy.SOA{MName: "localhost."}, 300), "example.net.\t300\tIN\tNS\tlocalhost.")
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name, in, zone, want string
	}{
		{"a one-label name gets the zone appended", "hostmaster", "example.org.", "hostmaster.example.org."},
		{"at the root the name alone is fully qualified", "hostmaster", ".", "hostmaster."},
		{"a relative name of several labels gets the zone appended", "ns1.dns", "example.org.", "ns1.dns.example.org."},
		{"a fully qualified name is kept", "ns1.example.net.", "example.org.", "ns1.example.net."},
		{"an escaped dot stays part of its label", `john\.doe`, "example.org.", `john\.doe.example.org.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := complete(tt.in, tt.zone); got != tt.want {
				t.Errorf("complete(%q, %q) = %q, want %q", tt.in, tt.zone, got, tt.want)
			}
		})
	}
}

func TestReportAuthorizationLetsDestReceiveTheDomainsReports(t *testing.T) {
	a := policy.ReportAuthorization{Domain: "example.org.", Dest: "example.net.", TTL: 600}
	assertRRs(t, []dns.RR{ReportAuthorization(a)},
		"example.org._report._dmarc.example.net.\t600\tIN\tTXT\t\"v=DMARC1\"")
}
