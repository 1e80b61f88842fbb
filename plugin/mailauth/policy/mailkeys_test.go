package policy_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// The keys beyond SPF, DKIM, ADSP and DMARC: senderid, domainkeys, mx, parked, mta_sts, tls_rpt,
// bimi, the long form of hosts and delegated networks.

func TestMailKeysRefuse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		// Sender ID.
		{"a senderid scope outside mfrom and pra", "domains:\n  example.org:\n    spf: [mx, -all]\n    senderid: [mfrom, spam, 3]\n",
			[]string{`4:23: senderid scope "spam" is not one of mfrom, pra (RFC 4406 3.1)`}},
		{"a senderid that is neither true nor a list", "domains:\n  example.org:\n    spf: [-all]\n    senderid: yes\n",
			[]string{`4:15: senderid: wrong type: true or a list of scopes (mfrom, pra) expected, found a string`}},
		{"a senderid without spf", "domains:\n  example.org:\n    senderid: true\n",
			[]string{`3:15: senderid publishes the domain's SPF terms as a Sender ID record, but the domain has no spf`}},
		{"an empty senderid list", "domains:\n  example.org:\n    senderid: []\n    spf: [-all]\n",
			[]string{`3:5: senderid is an empty list: list the scopes (mfrom, pra), or write true for both`}},

		// DomainKeys.
		{"a domainkeys policy with wrong values", "domains:\n  example.org:\n    domainkeys: {o: \"!\", t: s, r: \"mailto:pm@example.org\", n: \"a;b\"}\n",
			[]string{
				`3:21: domainkeys o="!" is not "~" (some mail is signed) or "-" (all mail is signed); quote it in YAML`,
				`3:29: domainkeys t="s": the only flag is "y" (testing)`,
				`3:35: domainkeys r="mailto:pm@example.org" is not an email address such as postmaster@example.org (RFC 4870 takes no mailto:)`,
				`3:63: domainkeys n= may hold printable ASCII without ';' only`,
			}},

		{"a DomainKeys selector with an Ed25519 key", "domains:\n  example.org:\n    dkim:\n      s1: {key: ed.pem, domainkeys: true}\n",
			[]string{`4:37: dkim selector "s1": DomainKeys (RFC 4870) knows RSA keys only, and this key is ed25519`}},

		// MX.
		{"mx entries that are not PREFERENCE NAME, each at its entry",
			"domains:\n  example.org:\n    mx: [\"10\", \"x mail.example.org\", \"70000 a.example\", \"0 .\", \"10 a..b\", \"10 m.example.net\", \"20 m.example.net\"]\n",
			[]string{
				`3:10: mx "10" is not "PREFERENCE NAME", as in "10 mail.example.org"`,
				`3:16: mx "x mail.example.org": the preference "x" is not a whole number from 0 to 65535`,
				`3:38: mx "70000 a.example": the preference "70000" is not a whole number from 0 to 65535`,
				`3:57: mx "0 ." is the null MX (RFC 7505), which must stand alone: write mx: null instead of the list`,
				`3:64: mx "10 a..b": "a..b" is not a domain name`,
				`3:95: mx "20 m.example.net": m.example.net is listed twice`,
			}},
		{"an empty mx list", "domains:\n  example.org:\n    mx: []\n",
			[]string{`3:5: mx is an empty list: list the MX records as "PREFERENCE NAME", or write mx: null for a domain that receives no mail`}},
		{"an mx target in a domain of the policy that is not one of its hosts", "domains:\n  example.org:\n    mx: [\"10 mail2.example.org\"]\n",
			[]string{`3:10: mx "10 mail2.example.org": mail2.example.org is in example.org, a domain of this policy, but is not one of its hosts: list it under hosts with its addresses, or mail to example.org has nowhere to go`}},

		// Parked.
		{"every mail key beside parked, each at its key", "domains:\n  example.org:\n    parked: true\n    spf: [-all]\n    mx: null\n    dkim: {a: {revoked: true}}\n    dmarc: {p: none}\n",
			[]string{
				`4:5: example.org: a parked domain takes no spf: parked: true publishes v=spf1 -all, the null MX, DMARC p=reject and an empty key for every DKIM selector itself`,
				`5:5: example.org: a parked domain takes no mx: parked: true publishes v=spf1 -all, the null MX, DMARC p=reject and an empty key for every DKIM selector itself`,
				`6:5: example.org: a parked domain takes no dkim: parked: true publishes v=spf1 -all, the null MX, DMARC p=reject and an empty key for every DKIM selector itself`,
				`7:5: example.org: a parked domain takes no dmarc: parked: true publishes v=spf1 -all, the null MX, DMARC p=reject and an empty key for every DKIM selector itself`,
			}},

		// MTA-STS and TLS-RPT.
		{"an mta_sts mode outside enforce, testing, none", "domains:\n  example.org:\n    mta_sts: {mode: strict, mx: [a.example.org]}\n",
			[]string{`3:21: mta_sts mode: "strict" is not one of enforce, testing, none`}},
		{"an mta_sts without mode", "domains:\n  example.org:\n    mta_sts: {mx: [a.example.org]}\n",
			[]string{`3:5: mta_sts needs a mode: enforce, testing or none`}},
		{"an enforcing mta_sts without mx", "domains:\n  example.org:\n    mta_sts: {mode: enforce}\n",
			[]string{`3:5: mta_sts mx: list the MX hosts senders may deliver to (patterns such as mail.example.org or *.example.net); mode enforce needs at least one`}},
		{"an mta_sts mx pattern with a wildcard inside", "domains:\n  example.org:\n    mta_sts: {mode: testing, mx: [mail.example.org, \"a.*.example\"]}\n",
			[]string{`3:53: mta_sts mx: "a.*.example": a wildcard may only be the whole first label, as in "*.example.net"`}},
		{"an mta_sts max_age over a year", "domains:\n  example.org:\n    mta_sts: {mode: none, max_age: 99999999}\n",
			[]string{`3:36: mta_sts max_age 99999999 is out of range (0 to 31557600, a year)`}},
		{"an mta_sts beside the null MX", "domains:\n  example.org:\n    mx: null\n    mta_sts: {mode: enforce, mx: [mail.example.org]}\n",
			[]string{`4:5: mta_sts: example.org has the null MX and receives no mail, so there is no transport to secure`}},
		{"a tls_rpt address without mailto:", "domains:\n  example.org:\n    tls_rpt: {rua: [\"tls@example.org\"]}\n",
			[]string{`3:21: tls_rpt rua: "tls@example.org" is not a URI (did you mean "mailto:tls@example.org"?)`}},
		{"a tls_rpt URI of another scheme", "domains:\n  example.org:\n    tls_rpt: {rua: [\"mailto:a@example.org\", \"ftp://x.example\"]}\n",
			[]string{`3:45: tls_rpt rua: "ftp://x.example" is neither a mailto: nor an https: URI (RFC 8460 3)`}},
		{"a tls_rpt without rua", "domains:\n  example.org:\n    tls_rpt: {}\n",
			[]string{`3:5: tls_rpt rua: list at least one URI to send reports to, as in "mailto:tlsrpt@example.org"`}},

		// BIMI.
		{"bimi beside DMARC p=none", "domains:\n  example.org:\n    dmarc: {p: none}\n    bimi: {l: https://example.org/logo.svg}\n",
			[]string{`4:5: bimi: the DMARC policy of example.org is p=none at pct=100; receivers show a BIMI logo only under p=quarantine or p=reject at pct=100`}},
		{"bimi beside DMARC at pct=50", "domains:\n  example.org:\n    dmarc: {p: reject, pct: 50}\n    bimi: {l: https://example.org/logo.svg}\n",
			[]string{`4:5: bimi: the DMARC policy of example.org is p=reject at pct=50; receivers show a BIMI logo only under p=quarantine or p=reject at pct=100`}},
		{"bimi without DMARC", "domains:\n  example.org:\n    bimi: {l: https://example.org/logo.svg}\n",
			[]string{`3:5: bimi: example.org has no DMARC policy; receivers show a BIMI logo only under DMARC p=quarantine or p=reject at pct=100`}},
		{"bimi on a subdomain under its parent's sp=none", "domains:\n  example.org:\n    dmarc: {p: reject, sp: none}\n  news.example.org:\n    bimi: {l: https://example.org/logo.svg, selector: brand}\n",
			[]string{`5:5: bimi: the DMARC policy of news.example.org, from the record of example.org, is sp=none at pct=100; receivers show a BIMI logo only under p=quarantine or p=reject at pct=100`}},
		{"bimi URLs and selector that are wrong, each at its value", "domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi: {l: http://example.org/logo.png, a: \"https://x/y;z.pem\", selector: \"a b\"}\n",
			[]string{
				`4:15: bimi l="http://example.org/logo.png" is not an https: URL with a host`,
				`4:47: bimi a="https://x/y;z.pem" contains ",", ";" or a space; percent-encode it`,
				`4:78: bimi selector "a b" is not a valid DNS label sequence`,
			}},

		// Hosts, long form.
		{"a wrong address in the long form, at the address", "hosts:\n  mail.example.org: {addrs: [192.0.2.300]}\n",
			[]string{`2:30: host "mail.example.org": "192.0.2.300" is not an IPv4 or IPv6 address`}},
		{"a long form without addrs", "hosts:\n  mail.example.org: {helo: false}\n",
			[]string{`2:3: host "mail.example.org" has no addresses`}},
		{"an unknown key in the long form", "hosts:\n  mail.example.org: {addrs: [192.0.2.1], hello: false}\n",
			[]string{`2:42: unknown key "hello"`}},
		{"helo that is not true or false", "hosts:\n  mail.example.org: {addrs: [192.0.2.1], helo: \"no\"}\n",
			[]string{`2:48: helo: wrong type: true or false expected, found a string`}},

		// Delegated networks.
		{"a delegation of a whole /24", "networks:\n  - {prefix: 192.0.2.0/24, delegate: {to: [ns1.customer.example.], zone: 0/24.2.0.192.in-addr.arpa.}}\n",
			[]string{`2:28: delegate: 192.0.2.0/24 holds whole reverse zones; RFC 2317 delegation is for networks smaller than a /24 (delegate 2.0.192.in-addr.arpa. with NS records from its parent)`}},
		{"a delegation of an IPv6 network", "networks:\n  - {prefix: \"2001:db8::/120\", delegate: {to: [ns1.customer.example.], zone: x.ip6.arpa.}}\n",
			[]string{`2:32: delegate: IPv6 reverse zones are delegated on nibble boundaries with NS records of their own; RFC 2317 delegation is for IPv4 networks smaller than a /24`}},
		{"a delegation to nobody, into a zone named like an address", "networks:\n  - {prefix: 192.0.2.64/26, delegate: {to: [], zone: 64.2.0.192.in-addr.arpa.}}\n",
			[]string{
				`2:29: delegate needs to, the name servers of the child zone`,
				`2:54: delegate zone "64.2.0.192.in-addr.arpa.": its label "64" is the name of an address; write it in the RFC 2317 form FIRST/BITS, as in "64/26"`,
			}},
		{"a delegated zone under another /24", "networks:\n  - {prefix: 192.0.2.64/26, delegate: {to: [ns1.customer.example.], zone: 64/26.3.0.192.in-addr.arpa.}}\n",
			[]string{`2:75: delegate zone "64/26.3.0.192.in-addr.arpa." must be one label below 2.0.192.in-addr.arpa., the reverse zone of 192.0.2.64/26's /24, as in "64/26.2.0.192.in-addr.arpa."`}},
		{"a delegation without zone", "networks:\n  - {prefix: 192.0.2.64/26, delegate: {to: [ns1.customer.example.]}}\n",
			[]string{`2:29: delegate needs zone, the child zone's name, as in "64/26.2.0.192.in-addr.arpa."`}},
		{"two delegations into one zone, and a network over both", "networks:\n" +
			"  - {prefix: 192.0.2.64/26, delegate: {to: [ns1.customer.example.], zone: c.2.0.192.in-addr.arpa.}}\n" +
			"  - {prefix: 192.0.2.128/26, delegate: {to: [ns1.customer.example.], zone: c.2.0.192.in-addr.arpa.}}\n" +
			"  - {prefix: 192.0.2.0/24, ptr: \"h-{ip}.example.org\"}\n",
			[]string{
				`3:76: delegate zone c.2.0.192.in-addr.arpa. is also the zone of the network on line 2`,
				`4:14: network 192.0.2.0/24 overlaps network 192.0.2.64/26 (line 2)`,
				`4:14: network 192.0.2.0/24 overlaps network 192.0.2.128/26 (line 3)`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

func TestMailKeysWarn(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"senderid is historic", "domains:\n  example.org:\n    spf: [mx, -all]\n    senderid: true\n",
			[]string{`4:15: senderid: Sender ID (RFC 4406) is historic: receivers check SPF instead, so the spf2.0 record helps only a receiver that still asks for it`}},
		{"domainkeys is historic", "domains:\n  example.org:\n    domainkeys: {o: \"-\"}\n",
			[]string{`3:5: domainkeys: DomainKeys (RFC 4870) is historic, replaced by DKIM (RFC 6376): no current receiver reads this record; DMARC says what DKIM failures mean`}},
		{"a DomainKeys selector is historic", "domains:\n  example.org:\n    dkim:\n      s1: {key: rsa.pem, domainkeys: true}\n",
			[]string{
				`4:17: dkim selector "s1": key file rsa.pem: RSA key is 1024 bits: RFC 8301 requires verifiers to accept it but 2048 is recommended`,
				`4:38: dkim selector "s1": DomainKeys (RFC 4870) is historic, replaced by DKIM: the key record is published without v=DKIM1, which DKIM verifiers accept as well`,
			}},
		{"an MX host that the mta_sts patterns leave out", "domains:\n  example.org:\n    mx: [\"10 mail.example.org\"]\n    mta_sts: {mode: enforce, mx: [mx.example.org]}\nhosts:\n  mail.example.org: [192.0.2.1]\n",
			[]string{`4:30: mta_sts: the MX host mail.example.org matches none of the mx patterns, so senders applying the policy (mode enforce) do not deliver to it`}},
		{"an MX target of the organization outside the policy's domains", "domains:\n  shop.example.org:\n    mx: [\"10 mail.example.org\", \"20 aspmx.l.google.com\"]\n",
			[]string{`3:10: mx "10 mail.example.org": mail.example.org is neither a host of this policy nor in one of its domains, so it cannot be checked: make sure it has an address record, or mail to shop.example.org bounces`}},
		{"a host that is a domain without spf gets no HELO record", "domains:\n  mail.example.org:\n    dmarc: {p: none}\nhosts:\n  mail.example.org: [192.0.2.1]\n",
			[]string{`5:3: host mail.example.org is also a domain of this policy, which has no spf: its HELO name gets no SPF record; add spf to domains.mail.example.org (allowing the host's addresses, as with "a")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p := loadWarnings(t, tt.body)
			assertMessages(t, path, p.Warnings, tt.want...)
		})
	}
}

func TestMailKeysPublish(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, p *policy.Policy)
	}{
		{"senderid true publishes both scopes with the SPF terms", "domains:\n  example.org:\n    spf: [mx, -all]\n    senderid: true\n",
			func(t *testing.T, p *policy.Policy) {
				equal(t, "Sender ID record", p.Domains[0].SenderID, "spf2.0/mfrom,pra mx -all")
			}},
		{"senderid scopes are published as listed", "domains:\n  example.org:\n    spf: [-all]\n    senderid: [PRA]\n",
			func(t *testing.T, p *policy.Policy) {
				equal(t, "Sender ID record", p.Domains[0].SenderID, "spf2.0/pra -all")
			}},
		{"senderid false publishes nothing", "domains:\n  example.org:\n    spf: [-all]\n    senderid: false\n",
			func(t *testing.T, p *policy.Policy) { equal(t, "Sender ID record", p.Domains[0].SenderID, "") }},
		{"a domainkeys policy with every tag", "domains:\n  example.org:\n    domainkeys: {o: \"-\", t: y, r: postmaster@example.org, n: see-docs}\n",
			func(t *testing.T, p *policy.Policy) {
				equal(t, "DomainKeys record", p.Domains[0].DomainKeys, "o=-; t=y; r=postmaster@example.org; n=see-docs")
			}},
		{"o: ~ unquoted is YAML null, and the default o=~ all the same", "domains:\n  example.org:\n    domainkeys: {o: ~}\n",
			func(t *testing.T, p *policy.Policy) { equal(t, "DomainKeys record", p.Domains[0].DomainKeys, "o=~") }},
		{"DomainKeys selectors are published without v=DKIM1", "domains:\n  example.org:\n    dkim:\n      s1: {key: rsa.pem, t: [y], domainkeys: true}\n      s2: {revoked: true, domainkeys: true}\n",
			func(t *testing.T, p *policy.Policy) {
				s := p.Domains[0].Selectors
				equal(t, "s1 record", s[0].Record, "k=rsa; t=y; p="+s[0].Key.P())
				equal(t, "s2 record", s[1].Record, "p=")
			}},
		{"mx in preference order, a host or another organization's names", "domains:\n  example.org:\n    mx: [\"30 aspmx.l.google.com\", \"10 MAIL.example.org.\"]\nhosts:\n  mail.example.org: [192.0.2.1]\n",
			func(t *testing.T, p *policy.Policy) {
				want := []policy.MX{{Preference: 10, Target: "mail.example.org."}, {Preference: 30, Target: "aspmx.l.google.com."}}
				if !reflect.DeepEqual(p.Domains[0].MX, want) {
					t.Errorf("mx %+v, want %+v", p.Domains[0].MX, want)
				}
			}},
		{"mx: null is the null MX", "domains:\n  example.org:\n    mx: null\n",
			func(t *testing.T, p *policy.Policy) {
				if !p.Domains[0].NullMX() || p.Domains[0].MX[0] != (policy.MX{Preference: 0, Target: "."}) {
					t.Errorf("mx %+v, want the null MX", p.Domains[0].MX)
				}
			}},
		{"a parked domain", "domains:\n  example.org:\n    parked: true\n    ttl: 60\n",
			func(t *testing.T, p *policy.Policy) {
				d := p.Domains[0]
				if !d.Parked || d.TTL != 60 || !d.NullMX() {
					t.Errorf("domain %+v, want parked with the null MX and ttl 60", d)
				}
				equal(t, "SPF", d.SPF, "v=spf1 -all")
				equal(t, "DMARC", d.DMARC, "v=DMARC1; p=reject; sp=reject; np=reject")
			}},
		{"an mta_sts policy, its text and its id", "domains:\n  example.org:\n    mx: [\"10 mail.example.org\"]\n    mta_sts: {mode: Enforce, mx: [mail.example.org, \"*.Example.net\"], max_age: 86400}\nhosts:\n  mail.example.org: [192.0.2.1]\n",
			func(t *testing.T, p *policy.Policy) {
				s := p.Domains[0].MTASTS
				equal(t, "policy text", s.Text(), "version: STSv1\nmode: enforce\nmx: mail.example.org\nmx: *.example.net\nmax_age: 86400\n")
				equal(t, "record", s.Record(), "v=STSv1; id="+s.ID())
				if len(s.ID()) != 16 || strings.Trim(s.ID(), "0123456789abcdef") != "" {
					t.Errorf("id %q, want 16 hex digits", s.ID())
				}
			}},
		{"an mta_sts policy without max_age caches for a week", "domains:\n  example.org:\n    mta_sts: {mode: none}\n",
			func(t *testing.T, p *policy.Policy) {
				equal(t, "policy text", p.Domains[0].MTASTS.Text(), "version: STSv1\nmode: none\nmax_age: 604800\n")
			}},
		{"tls_rpt with a mailto: and an https: URI", "domains:\n  example.org:\n    tls_rpt: {rua: [\"mailto:tls@example.org\", \"https://r.example.org/x\"]}\n",
			func(t *testing.T, p *policy.Policy) {
				equal(t, "TLS-RPT record", p.Domains[0].TLSRPT, "v=TLSRPTv1; rua=mailto:tls@example.org,https://r.example.org/x")
			}},
		{"bimi under p=reject, with the default selector", "domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi: {l: https://example.org/logo.svg, a: https://example.org/vmc.pem}\n",
			func(t *testing.T, p *policy.Policy) {
				want := policy.BIMI{Selector: "default", Record: "v=BIMI1; l=https://example.org/logo.svg; a=https://example.org/vmc.pem"}
				if *p.Domains[0].BIMI != want {
					t.Errorf("bimi %+v, want %+v", *p.Domains[0].BIMI, want)
				}
			}},
		{"bimi on a subdomain of a parked domain", "domains:\n  example.org:\n    parked: true\n  news.example.org:\n    bimi: {l: https://example.org/logo.svg, selector: Brand}\n",
			func(t *testing.T, p *policy.Policy) { equal(t, "bimi selector", p.Domains[1].BIMI.Selector, "brand") }},
		{"hosts in the short and the long form, helo on unless turned off", "hosts:\n  mail.example.org: {addrs: [192.0.2.1], helo: false}\n  mx.example.org: [192.0.2.2]\n  out.example.org: {addrs: [192.0.2.3]}\n",
			func(t *testing.T, p *policy.Policy) {
				var got []string
				for _, h := range p.Hosts {
					got = append(got, h.Name+" "+h.Addrs[0].String()+" "+map[bool]string{true: "helo", false: "no helo"}[h.HELO])
				}
				want := []string{"mail.example.org. 192.0.2.1 no helo", "mx.example.org. 192.0.2.2 helo", "out.example.org. 192.0.2.3 helo"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("hosts %q, want %q", got, want)
				}
			}},
		{"a host that is a domain with spf keeps the domain's SPF alone", "domains:\n  mail.example.org:\n    spf: [a, -all]\nhosts:\n  mail.example.org: [192.0.2.1]\n",
			func(t *testing.T, p *policy.Policy) {
				if p.Hosts[0].HELO || len(p.Warnings) != 0 {
					t.Errorf("host %+v, warnings %v: want no HELO record and no warning", p.Hosts[0], p.Warnings)
				}
			}},
		{"a delegated network without ptr is a delegation only", "networks:\n  - {prefix: 192.0.2.64/26, delegate: {to: [NS1.customer.example], zone: 64/26.2.0.192.IN-ADDR.ARPA}}\n",
			func(t *testing.T, p *policy.Policy) {
				if len(p.Networks) != 0 || len(p.Delegations) != 1 {
					t.Fatalf("networks %+v delegations %+v, want one delegation only", p.Networks, p.Delegations)
				}
				d := p.Delegations[0]
				equal(t, "zone", d.Zone, "64/26.2.0.192.in-addr.arpa.")
				equal(t, "to", strings.Join(d.To, " "), "ns1.customer.example.")
			}},
		{"a delegated network with ptr has its PTRs in the delegated zone", "networks:\n  - {prefix: 192.0.2.64/26, ptr: \"c-{ip}.example.net\", delegate: {to: [ns1.customer.example.], zone: 64-26.2.0.192.in-addr.arpa.}}\nhosts:\n  mail.example.net: [192.0.2.70, 192.0.2.10]\n",
			func(t *testing.T, p *policy.Policy) {
				if len(p.Networks) != 1 || p.Networks[0].Delegate != &p.Delegations[0] {
					t.Fatalf("networks %+v, want one pointing at its delegation", p.Networks)
				}
				a := p.Hosts[0].Addrs
				equal(t, "PTR owner of a delegated address", p.PTROwner(a[0]), "70.64-26.2.0.192.in-addr.arpa.")
				equal(t, "PTR owner of another address", p.PTROwner(a[1]), "10.2.0.192.in-addr.arpa.")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadBody(t, tt.body)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			tt.check(t, p)
		})
	}
}

func equal(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s %q, want %q", what, got, want)
	}
}
