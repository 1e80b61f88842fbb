package policy_test

import (
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI: what mailkeys_test.go leaves out.

func TestTransportKeysRefuse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		// RFC 8461 3.2: max_age is a non-negative number of seconds, at most 31557600.
		{"an mta_sts max_age below 0", "domains:\n  example.org:\n    mta_sts: {mode: none, max_age: -1}\n",
			[]string{`3:36: mta_sts max_age -1 is out of range (0 to 31557600, a year)`}},
		{"an mta_sts max_age one second over a year", "domains:\n  example.org:\n    mta_sts: {mode: none, max_age: 31557601}\n",
			[]string{`3:36: mta_sts max_age 31557601 is out of range (0 to 31557600, a year)`}},
		{"mta_sts mode testing without mx", "domains:\n  example.org:\n    mta_sts: {mode: testing}\n",
			[]string{`3:5: mta_sts mx: list the MX hosts senders may deliver to (patterns such as mail.example.org or *.example.net); mode testing needs at least one`}},
		{"an mta_sts mx pattern with the trailing dot", "domains:\n  example.org:\n    mta_sts: {mode: testing, mx: [mail.example.org.]}\n",
			[]string{`3:35: mta_sts mx: "mail.example.org.": write it without the trailing dot, as the policy file holds it`}},

		{"tls_rpt with an empty rua list", "domains:\n  example.org:\n    tls_rpt: {rua: []}\n",
			[]string{`3:15: tls_rpt rua: list at least one URI to send reports to, as in "mailto:tlsrpt@example.org"`}},

		{"bimi without l", "domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi: {a: https://example.org/vmc.pem}\n",
			[]string{`4:5: bimi needs l, the https: URL of the logo (an SVG Tiny PS file)`}},
		{"bimi URLs that name no .svg or .pem file, or name it in the query alone",
			"domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi:\n      l: https://example.org/logo?f=x.svg\n      a: https://example.org/vmc.crt\n",
			[]string{
				`5:10: bimi l="https://example.org/logo?f=x.svg" does not name a .svg file`,
				`6:10: bimi a="https://example.org/vmc.crt" does not name a .pem file`,
			}},
		{"bimi URLs with a user or without a host",
			"domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi:\n      l: https://user@example.org/logo.svg\n      a: https:///vmc.pem\n",
			[]string{
				`5:10: bimi l="https://user@example.org/logo.svg" is not an https: URL with a host`,
				`6:10: bimi a="https:///vmc.pem" is not an https: URL with a host`,
			}},
		{"a bimi selector with the trailing dot", "domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi: {l: https://example.org/logo.svg, selector: brand.}\n",
			[]string{`4:55: bimi selector "brand." is not a valid DNS label sequence`}},
		{"a wrong bimi selector and no l, both", "domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi: {selector: \"a b\"}\n",
			[]string{
				`4:5: bimi needs l, the https: URL of the logo (an SVG Tiny PS file)`,
				`4:22: bimi selector "a b" is not a valid DNS label sequence`,
			}},
		{"bimi on a subdomain whose parent enforces on half the mail", "domains:\n  example.org:\n    dmarc: {p: reject, pct: 50}\n  news.example.org:\n    bimi: {l: https://example.org/logo.svg}\n",
			[]string{`5:5: bimi: the DMARC policy of news.example.org, from the record of example.org, is p=reject at pct=50; receivers show a BIMI logo only under p=quarantine or p=reject at pct=100`}},
		{"bimi under a parent whose DMARC record has errors of its own", "domains:\n  example.org:\n    dmarc: {p: maybe}\n  news.example.org:\n    bimi: {l: https://example.org/logo.svg}\n",
			[]string{`3:16: dmarc tag p: "maybe" is not one of none, quarantine, reject`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

// RFC 8461 4.1: a pattern "*.example.net" matches a host one label below example.net, and
// neither example.net itself nor a host two labels below.
func TestMTASTSWarnsOfMXHostsItsPatternsLeaveOut(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		warns []string
	}{
		{"a wildcard pattern matches exactly one label",
			"domains:\n  example.org:\n    mx: [\"10 mx1.example.net\", \"20 a.mx1.example.net\", \"30 example.net\"]\n    mta_sts: {mode: testing, mx: [\"*.example.net\"]}\n",
			[]string{
				`4:30: mta_sts: the MX host a.mx1.example.net matches none of the mx patterns, so senders applying the policy (mode testing) do not deliver to it`,
				`4:30: mta_sts: the MX host example.net matches none of the mx patterns, so senders applying the policy (mode testing) do not deliver to it`,
			}},
		{"mode none applies no patterns", "domains:\n  example.org:\n    mx: [\"10 mail.example.net\"]\n    mta_sts: {mode: none, mx: [other.example.net]}\n",
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p := loadWarnings(t, tt.body)
			assertMessages(t, path, p.Warnings, tt.warns...)
		})
	}
}

func TestTransportKeysPublish(t *testing.T) {
	tests := []struct {
		name string
		body string
		want func(p *policy.Policy) (got, want string)
	}{
		{"an mta_sts max_age of 0", "domains:\n  example.org:\n    mta_sts: {mode: none, max_age: 0}\n",
			func(p *policy.Policy) (string, string) {
				return p.Domains[0].MTASTS.Text(), "version: STSv1\nmode: none\nmax_age: 0\n"
			}},
		{"an mta_sts max_age of a year", "domains:\n  example.org:\n    mta_sts: {mode: none, max_age: 31557600}\n",
			func(p *policy.Policy) (string, string) {
				return p.Domains[0].MTASTS.Text(), "version: STSv1\nmode: none\nmax_age: 31557600\n"
			}},
		{"tls_rpt URIs with spaces around", "domains:\n  example.org:\n    tls_rpt: {rua: [\" mailto:tls@example.org \"]}\n",
			func(p *policy.Policy) (string, string) {
				return p.Domains[0].TLSRPT, "v=TLSRPTv1; rua=mailto:tls@example.org"
			}},
		{"a bimi logo URL in capitals with a query", "domains:\n  example.org:\n    dmarc: {p: quarantine}\n    bimi: {l: \"HTTPS://example.org/Logo.SVG?v=2\"}\n",
			func(p *policy.Policy) (string, string) {
				return p.Domains[0].BIMI.Record, "v=BIMI1; l=HTTPS://example.org/Logo.SVG?v=2"
			}},
		{"a bimi selector of two labels", "domains:\n  example.org:\n    dmarc: {p: reject}\n    bimi: {l: https://example.org/logo.svg, selector: Brand.2026}\n",
			func(p *policy.Policy) (string, string) { return p.Domains[0].BIMI.Selector, "brand.2026" }},
		// RFC 7489 6.3: sp is the policy of subdomains, p when sp is absent.
		{"bimi on a subdomain under the parent's sp=quarantine beside p=none",
			"domains:\n  example.org:\n    dmarc: {p: none, sp: quarantine}\n  news.example.org:\n    bimi: {l: https://example.org/logo.svg}\n",
			func(p *policy.Policy) (string, string) { return p.Domains[1].BIMI.Selector, "default" }},
		{"bimi on a subdomain under the parent's p=reject without sp",
			"domains:\n  example.org:\n    dmarc: {p: reject}\n  news.example.org:\n    bimi: {l: https://example.org/logo.svg}\n",
			func(p *policy.Policy) (string, string) { return p.Domains[1].BIMI.Selector, "default" }},
		{"bimi on a subdomain with its own DMARC record, whatever its parent's",
			"domains:\n  example.org:\n    dmarc: {p: none}\n  news.example.org:\n    dmarc: {p: reject}\n    bimi: {l: https://example.org/logo.svg}\n",
			func(p *policy.Policy) (string, string) { return p.Domains[1].BIMI.Selector, "default" }},
		// A domain of the policy without a dmarc key publishes no _dmarc record: receivers look
		// further up (RFC 7489 6.6.3) and find example.org's.
		{"bimi two labels below a DMARC record, past a domain of the policy without one",
			"domains:\n  example.org:\n    dmarc: {p: reject}\n  news.example.org:\n    spf: [-all]\n  eu.news.example.org:\n    bimi: {l: https://example.org/logo.svg}\n",
			func(p *policy.Policy) (string, string) { return p.Domains[0].BIMI.Selector, "default" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadBody(t, tt.body)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			got, want := tt.want(p)
			equal(t, "value", got, want)
		})
	}
}
