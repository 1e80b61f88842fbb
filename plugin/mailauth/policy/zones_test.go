package policy_test

import (
	"testing"
)

func TestOutsideZones(t *testing.T) {
	const body = `domains:
  example.org:
    spf: [-all]
  Example.COM:
    spf: [-all]
hosts:
  mail.example.org: [192.0.2.10, 203.0.113.5, "2001:db8:1::5"]
  mx.example.net: [192.0.2.20]
networks:
  - {prefix: 198.51.100.0/25, ptr: "h-{ip}.pool.example.org"}
  - {prefix: 198.18.0.0/23, ptr: "h-{ip}.Example.net"}
  - {prefix: 198.19.0.0/20, ptr: "h-{ip}.example.org"}
  - {prefix: "2001:db8:100::/48", ptr: "v6-{ip}.pool.example.org"}
  - {prefix: "2001:db8:200::/56", ptr: "v6-{ip}.pool.example.org"}
`
	path, p := loadWarnings(t, body)
	zones := []string{"example.org.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.", "0.18.198.in-addr.arpa.", "1.18.198.in-addr.arpa.", "0.19.198.in-addr.arpa.", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."}
	const list = "(example.org., 2.0.192.in-addr.arpa., 100.51.198.in-addr.arpa., 0.18.198.in-addr.arpa., 1.18.198.in-addr.arpa., 0.19.198.in-addr.arpa., 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.)"
	assertMessages(t, path, p.OutsideZones(zones),
		`4:3: domains.Example.COM: example.com. is outside the zones this server block serves `+list+`; add a zone for example.com. to publish it`,
		`7:34: hosts.mail.example.org: the PTR of 203.0.113.5 (5.113.0.203.in-addr.arpa.) is outside the zones this server block serves `+list+`; add a zone for 113.0.203.in-addr.arpa. to publish it`,
		`7:47: hosts.mail.example.org: the PTR of 2001:db8:1::5 (5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.) is outside the zones this server block serves `+list+`; add a zone for 1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. to publish it`,
		`8:3: hosts.mx.example.net: mx.example.net. is outside the zones this server block serves `+list+`; add a zone for example.net. to publish it`,
		`11:34: networks[1]: the names the PTRs of 198.18.0.0/23 point to (in example.net.) are outside the zones this server block serves `+list+`; add a zone for example.net. to publish them`,
		`12:14: networks[2]: the PTRs of 198.19.0.0/20 are outside the zones this server block serves `+list+`; add a zone for 19.198.in-addr.arpa. to publish them`,
		`14:14: networks[4]: the PTRs of 2001:db8:200::/56 are outside the zones this server block serves `+list+`; add a zone for 0.0.2.0.8.b.d.0.1.0.0.2.ip6.arpa. to publish them`,
	)
}

func TestOutsideZonesWithNoZones(t *testing.T) {
	path, p := loadWarnings(t, "domains:\n  example.org:\n")
	assertMessages(t, path, p.OutsideZones(nil),
		`2:3: domains.example.org: example.org. is outside the zones this server block serves (none); add a zone for example.org. to publish it`)
}

func TestNothingIsOutsideZonesThatHoldEverything(t *testing.T) {
	path, p := loadWarnings(t, "domains:\n  example.org:\nhosts:\n  mail.example.org: [192.0.2.10, \"2001:db8::1\"]\nnetworks:\n  - {prefix: 10.0.0.0/8, ptr: \"h-{ip}.example.org\"}\n")
	assertMessages(t, path, p.OutsideZones([]string{"Example.ORG", "in-addr.arpa.", "ip6.arpa."}))
}

func TestADelegatedNetworkIsServedWhereEitherSideIs(t *testing.T) {
	const body = `networks:
  - {prefix: 192.0.2.64/26, ptr: "c-{ip}.example.org", delegate: {to: [ns1.customer.example.], zone: 64/26.2.0.192.in-addr.arpa.}}
  - {prefix: 198.51.100.0/25, delegate: {to: [ns1.customer.example.], zone: 0/25.100.51.198.in-addr.arpa.}}
`
	path, p := loadWarnings(t, body)
	// The customer's server: the delegated zone only.
	assertMessages(t, path, p.OutsideZones([]string{"example.org.", "64/26.2.0.192.in-addr.arpa.", "0/25.100.51.198.in-addr.arpa."}))
	// The parent's server: the /24 zones only.
	assertMessages(t, path, p.OutsideZones([]string{"example.org.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa."}))
	const list = "(example.org.)"
	assertMessages(t, path, p.OutsideZones([]string{"example.org."}),
		`2:14: networks[0]: the delegation of 192.0.2.64/26 is outside the zones this server block serves `+list+`; add a zone for 2.0.192.in-addr.arpa. or 64/26.2.0.192.in-addr.arpa. to publish it`,
		`3:14: networks[1]: the delegation of 198.51.100.0/25 is outside the zones this server block serves `+list+`; add a zone for 100.51.198.in-addr.arpa. or 0/25.100.51.198.in-addr.arpa. to publish it`,
	)
}
