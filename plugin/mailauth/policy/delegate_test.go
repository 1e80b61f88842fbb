package policy_test

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func TestDelegationRefuses(t *testing.T) {
	const net = "networks:\n  - {prefix: 192.0.2.64/26, delegate: "
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"a zone that is no domain name", net + "{to: [ns1.customer.example.], zone: \"64/26..2.0.192.in-addr.arpa.\"}}\n",
			[]string{`2:75: delegate zone: "64/26..2.0.192.in-addr.arpa." is not a domain name`}},
		{"a name server that is no domain name, at its entry", net + "{to: [ns1.customer.example., \"ns 2.customer.example.\"], zone: 64/26.2.0.192.in-addr.arpa.}}\n",
			[]string{`2:68: "ns 2.customer.example." is not a domain name`}},
		{"the /24's own reverse zone", net + "{to: [ns1.customer.example.], zone: 2.0.192.in-addr.arpa.}}\n",
			[]string{`2:75: delegate zone "2.0.192.in-addr.arpa." must be one label below 2.0.192.in-addr.arpa., the reverse zone of 192.0.2.64/26's /24, as in "64/26.2.0.192.in-addr.arpa."`}},
		{"a zone two labels below the /24's", net + "{to: [ns1.customer.example.], zone: a.64/26.2.0.192.in-addr.arpa.}}\n",
			[]string{`2:75: delegate zone "a.64/26.2.0.192.in-addr.arpa." must be one label below 2.0.192.in-addr.arpa., the reverse zone of 192.0.2.64/26's /24, as in "64/26.2.0.192.in-addr.arpa."`}},
		{"neither zone nor name servers, both at delegate", net + "{}}\n",
			[]string{
				`2:29: delegate needs zone, the child zone's name, as in "64/26.2.0.192.in-addr.arpa."`,
				`2:29: delegate needs to, the name servers of the child zone`,
			}},
		// RFC 2317 4 names the zone of 192.0.2.0/25 "0/25.2.0.192.in-addr.arpa"; "0" alone would
		// be the name of the address 192.0.2.0.
		{"the first /25 under the label of its first address", "networks:\n  - {prefix: 192.0.2.0/25, delegate: {to: [ns.a.example.], zone: 0.2.0.192.in-addr.arpa.}}\n",
			[]string{`2:66: delegate zone "0.2.0.192.in-addr.arpa.": its label "0" is the name of an address; write it in the RFC 2317 form FIRST/BITS, as in "0/25"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

// The split of 192.0.2.0/24 in RFC 2317 4: a /25 and two /26s, each a zone of its own below
// 2.0.192.in-addr.arpa., one of them under the non-numeric kind of name RFC 2317 5.2 allows, and
// a single address delegated alone.
func TestDelegationPublishesEachZoneWithItsNameServersAndTTL(t *testing.T) {
	_, p := loadWarnings(t, `ttl: 300
networks:
  - {prefix: 192.0.2.0/25, ttl: 60, delegate: {to: [NS.A.Example, ns2.a.example.], zone: 0/25.2.0.192.in-addr.arpa}}
  - {prefix: 192.0.2.128/26, delegate: {to: [ns.b.example.], zone: 128/26.2.0.192.IN-ADDR.ARPA.}}
  - {prefix: 192.0.2.192/26, delegate: {to: [ns.c.example.], zone: customer-c.2.0.192.in-addr.arpa.}}
  - {prefix: 198.51.100.7/32, delegate: {to: [ns.d.example.], zone: 7/32.100.51.198.in-addr.arpa.}}
`)
	want := []policy.Delegation{
		{Prefix: netip.MustParsePrefix("192.0.2.0/25"), Zone: "0/25.2.0.192.in-addr.arpa.", To: []string{"ns.a.example.", "ns2.a.example."}, TTL: 60},
		{Prefix: netip.MustParsePrefix("192.0.2.128/26"), Zone: "128/26.2.0.192.in-addr.arpa.", To: []string{"ns.b.example."}, TTL: 300},
		{Prefix: netip.MustParsePrefix("192.0.2.192/26"), Zone: "customer-c.2.0.192.in-addr.arpa.", To: []string{"ns.c.example."}, TTL: 300},
		{Prefix: netip.MustParsePrefix("198.51.100.7/32"), Zone: "7/32.100.51.198.in-addr.arpa.", To: []string{"ns.d.example."}, TTL: 300},
	}
	if !reflect.DeepEqual(p.Delegations, want) {
		t.Errorf("delegations %+v\nwant        %+v", p.Delegations, want)
	}
	if len(p.Networks) != 0 {
		t.Errorf("networks %+v, want none: without ptr the PTRs are the child zone's business", p.Networks)
	}
	for addr, owner := range map[string]string{
		"192.0.2.1":    "1.0/25.2.0.192.in-addr.arpa.",
		"192.0.2.129":  "129.128/26.2.0.192.in-addr.arpa.",
		"192.0.2.200":  "200.customer-c.2.0.192.in-addr.arpa.",
		"198.51.100.7": "7.7/32.100.51.198.in-addr.arpa.",
		"198.51.100.8": "8.100.51.198.in-addr.arpa.",
	} {
		equal(t, "PTR owner of "+addr, p.PTROwner(netip.MustParseAddr(addr)), owner)
	}
}
