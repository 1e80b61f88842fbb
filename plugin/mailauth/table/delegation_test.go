package table

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const delegationPolicy = `ttl: 300
ns: [ns1.example.org.]
hosts:
  mail.example.org: [192.0.2.10, 192.0.2.70]
networks:
  - prefix: 192.0.2.64/26
    ptr: "cust-{ip}.example.net"
    delegate: {to: [ns1.customer.example., ns2.customer.example.], zone: 64/26.2.0.192.in-addr.arpa}
  - prefix: 192.0.2.128/27
    delegate: {to: [ns.other.example.], zone: 128-27.2.0.192.in-addr.arpa.}
`

// cname is the CNAME at the parent's name for last octet n, pointing into zone.
func cname(n int, zone string) []string {
	return []string{strings.Join([]string{strconv.Itoa(n) + ".2.0.192.in-addr.arpa.", "300", "IN", "CNAME", strconv.Itoa(n) + "." + zone}, "\t")}
}

var (
	customerNS = []string{"64/26.2.0.192.in-addr.arpa.\t300\tIN\tNS\tns1.customer.example.", "64/26.2.0.192.in-addr.arpa.\t300\tIN\tNS\tns2.customer.example."}
	otherNS    = []string{"128-27.2.0.192.in-addr.arpa.\t300\tIN\tNS\tns.other.example."}
)

func TestTheParentOfAClasslessDelegationAnswersCNAMEsAndReferrals(t *testing.T) {
	tb := loadTable(t, delegationPolicy, "2.0.192.in-addr.arpa.", "example.net.")
	runLookups(t, tb, []lookupCase{
		{"an address of the network is a CNAME into the child zone, ending in its referral", "100.2.0.192.in-addr.arpa.", dns.TypePTR, true,
			cname(100, "64/26.2.0.192.in-addr.arpa."), customerNS},
		{"a CNAME answers for every type", "65.2.0.192.in-addr.arpa.", dns.TypeTXT, true, cname(65, "64/26.2.0.192.in-addr.arpa."), customerNS},
		{"a CNAME query gets the CNAME", "65.2.0.192.in-addr.arpa.", dns.TypeCNAME, true, cname(65, "64/26.2.0.192.in-addr.arpa."), nil},
		{"a host's address in the network is a CNAME too", "70.2.0.192.in-addr.arpa.", dns.TypePTR, true, cname(70, "64/26.2.0.192.in-addr.arpa."), customerNS},
		{"a host's address outside it keeps its PTR", "10.2.0.192.in-addr.arpa.", dns.TypePTR, true, []string{"10.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tmail.example.org."}, nil},
		{"a name in the child zone is a referral", "70.64/26.2.0.192.in-addr.arpa.", dns.TypePTR, true, nil, customerNS},
		{"the delegation point is a referral for NS", "64/26.2.0.192.in-addr.arpa.", dns.TypeNS, true, nil, customerNS},
		{"the delegation point is a referral for SOA", "64/26.2.0.192.in-addr.arpa.", dns.TypeSOA, true, nil, customerNS},
		{"the parent answers DS at the delegation point: NODATA", "64/26.2.0.192.in-addr.arpa.", dns.TypeDS, true, nil, nil},
		{"a delegation without ptr has its CNAMEs", "130.2.0.192.in-addr.arpa.", dns.TypePTR, true, cname(130, "128-27.2.0.192.in-addr.arpa."), otherNS},
		{"an address past the networks is NXDOMAIN", "200.2.0.192.in-addr.arpa.", dns.TypePTR, false, nil, nil},
		{"the synthesized name resolves forward", "cust-192-0-2-70.example.net.", dns.TypeA, true, []string{"cust-192-0-2-70.example.net.\t300\tIN\tA\t192.0.2.70"}, nil},
	})
	if res := tb.Lookup("70.64/26.2.0.192.in-addr.arpa.", dns.TypePTR, true); !res.Referral {
		t.Errorf("a name below the cut is not a referral: %+v", res)
	}
	if res := tb.Lookup("100.2.0.192.in-addr.arpa.", dns.TypePTR, true); res.Referral {
		t.Errorf("a CNAME into the cut is a referral itself: %+v", res)
	}
	rrs, err := tb.Zone("2.0.192.in-addr.arpa.", true, MaxZoneAddresses)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[uint16]int{}
	for _, rr := range rrs {
		counts[rr.Header().Rrtype]++
		if strings.HasSuffix(rr.Header().Name, "64/26.2.0.192.in-addr.arpa.") && rr.Header().Rrtype != dns.TypeNS {
			t.Errorf("the parent zone lists a record below the cut: %v", rr)
		}
	}
	// 64 + 32 CNAMEs; the apex NS and the 2 + 1 at the cuts; a PTR for 192.0.2.10 only.
	if counts[dns.TypeCNAME] != 96 || counts[dns.TypeNS] != 4 || counts[dns.TypePTR] != 1 || counts[dns.TypeSOA] != 1 {
		t.Errorf("parent zone: %v", counts)
	}
}

func TestTheChildZoneOfAClasslessDelegationAnswersItsPTRs(t *testing.T) {
	tb := loadTable(t, delegationPolicy, "2.0.192.in-addr.arpa.", "64/26.2.0.192.in-addr.arpa.", "example.net.")
	runLookups(t, tb, []lookupCase{
		{"an address has its PTR in the child zone", "65.64/26.2.0.192.in-addr.arpa.", dns.TypePTR, true,
			[]string{"65.64/26.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tcust-192-0-2-65.example.net."}, nil},
		{"a host's address has the host's PTR", "70.64/26.2.0.192.in-addr.arpa.", dns.TypePTR, true,
			[]string{"70.64/26.2.0.192.in-addr.arpa.\t300\tIN\tPTR\tmail.example.org."}, nil},
		{"the child zone's NS are the servers it is delegated to", "64/26.2.0.192.in-addr.arpa.", dns.TypeNS, true, customerNS, nil},
		{"an address outside the network is NXDOMAIN", "10.64/26.2.0.192.in-addr.arpa.", dns.TypePTR, false, nil, nil},
		{"the parent's CNAME stops at the zone boundary, as in BIND", "65.2.0.192.in-addr.arpa.", dns.TypePTR, true, cname(65, "64/26.2.0.192.in-addr.arpa."), nil},
	})
	parent, err := tb.Zone("2.0.192.in-addr.arpa.", true, MaxZoneAddresses)
	if err != nil {
		t.Fatal(err)
	}
	ns := 0
	for _, rr := range parent {
		if rr.Header().Rrtype == dns.TypeNS && rr.Header().Name == "64/26.2.0.192.in-addr.arpa." {
			ns++
		}
	}
	if ns != 2 {
		t.Errorf("the parent zone lists %d NS for its child zone, want 2", ns)
	}
	child, err := tb.Zone("64/26.2.0.192.in-addr.arpa.", true, MaxZoneAddresses)
	if err != nil {
		t.Fatal(err)
	}
	// SOA, 2 NS and 64 PTRs.
	if len(child) != 1+2+64 {
		t.Errorf("the child zone has %d records, want 67", len(child))
	}
}

func TestParentNameClimbsToTheRootAndStops(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"70.64/26.2.0.192.in-addr.arpa.", "64/26.2.0.192.in-addr.arpa."},
		{`a\.b.example.org.`, "example.org."},
		{"org.", "."},
		{".", ""},
		{"", ""},
	} {
		if got := parentName(tt.name); got != tt.want {
			t.Errorf("parentName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAServerForTheRootZoneAnswersBesideADelegation(t *testing.T) {
	done := make(chan struct{})
	var res Result
	go func() {
		defer close(done)
		tb := loadTable(t, delegationPolicy, ".")
		res = tb.Lookup("70.64/26.2.0.192.in-addr.arpa.", dns.TypePTR, true)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a lookup in the root zone with a delegation in the policy did not return")
	}
	if !res.Referral {
		t.Errorf("a name below the cut, served from the root zone, is not a referral: %+v", res)
	}
}

func TestAZoneDelegatesOnlyTheRFC2317ChildZonesInsideIt(t *testing.T) {
	tb := loadTable(t, delegationPolicy, "2.0.192.in-addr.arpa.", "64/26.2.0.192.in-addr.arpa.", "example.net.", "sub.example.net.")
	for _, tc := range []struct {
		zone, name string
		want       bool
	}{
		{"2.0.192.in-addr.arpa.", "64/26.2.0.192.in-addr.arpa.", true},
		{"2.0.192.in-addr.arpa.", "64/26.2.0.192.IN-ADDR.ARPA.", true},
		// The other child zone is not served here: it is a cut inside the parent, not a zone.
		{"2.0.192.in-addr.arpa.", "128-27.2.0.192.in-addr.arpa.", false},
		{"example.net.", "sub.example.net.", false},
		{"example.net.", "64/26.2.0.192.in-addr.arpa.", false},
	} {
		if got := tb.Delegates(tc.zone, tc.name); got != tc.want {
			t.Errorf("%s delegates %s: %v, want %v", tc.zone, tc.name, got, tc.want)
		}
	}
}
