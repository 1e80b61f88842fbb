package policy_test

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func TestHostsRefuse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"a host with nothing after it", "hosts:\n  mail.example.org:\n",
			[]string{`2:3: host "mail.example.org" has no addresses`}},
		{"a host whose name is no domain name", "hosts:\n  mail..example.org: [192.0.2.1]\n",
			[]string{`2:3: "mail..example.org" is not a domain name`}},
		{"one address listed twice for one host", "hosts:\n  mail.example.org: [192.0.2.1, 192.0.2.1]\n",
			[]string{`2:33: host "mail.example.org": address 192.0.2.1 is listed twice`}},
		{"an IPv4 address beside its IPv4-mapped form on one host", "hosts:\n  mail.example.org: [192.0.2.1, \"::ffff:192.0.2.1\"]\n",
			[]string{`2:33: host "mail.example.org": address 192.0.2.1 is listed twice`}},
		{"an IPv6 address on two hosts in two spellings", "hosts:\n  a.example.org: [\"2001:db8::1\"]\n  b.example.org: [\"2001:DB8:0:0::1\"]\n",
			[]string{`3:19: address 2001:db8::1 is claimed by hosts "a.example.org" and "b.example.org": its PTR can point back to only one`}},
		{"every wrong address of a host, not just the first", "hosts:\n  mail.example.org: [nope, 192.0.2.1, \"2001:db8::zz\"]\n",
			[]string{
				`2:22: host "mail.example.org": "nope" is not an IPv4 or IPv6 address`,
				`2:39: host "mail.example.org": "2001:db8::zz" is not an IPv4 or IPv6 address`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

func TestHostsPublish(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		want  []policy.Host
		warns []string
	}{
		{
			name: "addresses trimmed, IPv4-mapped ones as IPv4, in file order",
			body: "hosts:\n  mail.example.org: [\" 2001:db8::10 \", \"::ffff:192.0.2.10\"]\n",
			want: []policy.Host{{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::10"), netip.MustParseAddr("192.0.2.10")}, HELO: true}},
		},
		{
			name: "helo: true in the long form",
			body: "hosts:\n  mail.example.org: {addrs: [192.0.2.1], helo: true}\n",
			want: []policy.Host{{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, HELO: true}},
		},
		{
			name: "a host below a domain of the policy keeps its HELO record",
			body: "domains:\n  example.org:\n    spf: [mx, -all]\nhosts:\n  mail.example.org: [192.0.2.1]\n",
			want: []policy.Host{{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, HELO: true}},
		},
		{
			name: "a host that is a domain with spf, spelt another way, keeps the domain's SPF alone",
			body: "domains:\n  Mail.Example.ORG:\n    spf: [a, -all]\nhosts:\n  mail.example.org.: [192.0.2.1]\n",
			want: []policy.Host{{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}},
		},
		{
			name: "a host that is a domain without spf is warned of at the host, naming the domain as written",
			body: "domains:\n  Mail.Example.ORG:\n    dmarc: {p: none}\nhosts:\n  mail.example.org.: [192.0.2.1]\n",
			want: []policy.Host{{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}},
			warns: []string{`5:3: host mail.example.org is also a domain of this policy, which has no spf: its HELO name gets no SPF record; ` +
				`add spf to domains.Mail.Example.ORG (allowing the host's addresses, as with "a")`},
		},
		{
			name: "a host that is a domain without spf and has helo: false is not warned of",
			body: "domains:\n  mail.example.org:\n    dmarc: {p: none}\nhosts:\n  mail.example.org: {addrs: [192.0.2.1], helo: false}\n",
			want: []policy.Host{{Name: "mail.example.org.", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p := loadWarnings(t, tt.body)
			if !reflect.DeepEqual(p.Hosts, tt.want) {
				t.Errorf("hosts %+v\nwant  %+v", p.Hosts, tt.want)
			}
			assertMessages(t, path, p.Warnings, tt.warns...)
		})
	}
}
