package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// Sender ID (RFC 4406) and DomainKeys (RFC 4870): what mailkeys_test.go leaves out.

func TestHistoricRecordsRefuse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"a senderid scope listed twice, in another case", "domains:\n  example.org:\n    spf: [-all]\n    senderid: [pra, PRA]\n",
			[]string{`4:21: senderid scope pra is listed twice`}},
		{"a senderid scope that is a number", "domains:\n  example.org:\n    spf: [-all]\n    senderid: [3]\n",
			[]string{`4:16: senderid scope "3" is not one of mfrom, pra (RFC 4406 3.1)`}},
		{"a senderid scope that is a list", "domains:\n  example.org:\n    spf: [-all]\n    senderid: [[pra]]\n",
			[]string{`4:16: senderid scope a list is not one of mfrom, pra (RFC 4406 3.1)`}},
		{"senderid beside SPF terms with errors says nothing of its own", "domains:\n  example.org:\n    spf: [bogus]\n    senderid: true\n",
			[]string{`3:11: SPF term "bogus": unknown mechanism "bogus"`}},
		{"a domainkeys r= with a display name", "domains:\n  example.org:\n    domainkeys: {r: \"Postmaster <pm@example.org>\"}\n",
			[]string{`3:21: domainkeys r="Postmaster <pm@example.org>" is not an email address such as postmaster@example.org (RFC 4870 takes no mailto:)`}},
		{"a domainkeys r= without a domain", "domains:\n  example.org:\n    domainkeys: {r: postmaster}\n",
			[]string{`3:21: domainkeys r="postmaster" is not an email address such as postmaster@example.org (RFC 4870 takes no mailto:)`}},
		{"domainkeys n= with a letter outside ASCII, or a tab", "domains:\n  example.org:\n    domainkeys: {n: \"café\"}\n  example.net:\n    domainkeys: {n: \"a\\tb\"}\n",
			[]string{
				`3:21: domainkeys n= may hold printable ASCII without ';' only`,
				`5:21: domainkeys n= may hold printable ASCII without ';' only`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
			var f *policy.Failure
			if errors.As(err, &f) {
				for _, w := range f.Warnings {
					if strings.Contains(w.Msg, "historic") {
						t.Errorf("a record that is not published is warned of as historic: %v", w)
					}
				}
			}
		})
	}
}

func TestHistoricRecordsPublish(t *testing.T) {
	tests := []struct {
		name string
		body string
		want func(d policy.Domain) (got, want string)
	}{
		{"senderid scopes in the order listed", "domains:\n  example.org:\n    spf: [mx, -all]\n    senderid: [pra, mfrom]\n",
			func(d policy.Domain) (string, string) { return d.SenderID, "spf2.0/pra,mfrom mx -all" }},
		{"a senderid scope written with spaces and capitals", "domains:\n  example.org:\n    spf: [-all]\n    senderid: [\" MFROM \"]\n",
			func(d policy.Domain) (string, string) { return d.SenderID, "spf2.0/mfrom -all" }},
		{"the DomainKeys tags in a fixed order whatever the file's", "domains:\n  example.org:\n    domainkeys: {n: see-docs, r: pm@example.org, t: Y, o: \"-\"}\n",
			func(d policy.Domain) (string, string) { return d.DomainKeys, "o=-; t=y; r=pm@example.org; n=see-docs" }},
		{"an empty domainkeys mapping: some mail is signed", "domains:\n  example.org:\n    domainkeys: {}\n",
			func(d policy.Domain) (string, string) { return d.DomainKeys, "o=~" }},
		{"domainkeys: null publishes nothing", "domains:\n  example.org:\n    domainkeys:\n",
			func(d policy.Domain) (string, string) { return d.DomainKeys, "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadBody(t, tt.body)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			got, want := tt.want(p.Domains[0])
			equal(t, "record", got, want)
		})
	}
}

// A Sender ID record is "spf2.0/" and its scopes, then the terms of the SPF record (RFC 4406 3):
// whatever the SPF record holds, the two carry the same terms.
func TestSenderIDCarriesTheTermsOfTheSPFRecord(t *testing.T) {
	for _, spf := range []string{
		`[mx, -all]`,
		`["ip4:192.0.2.0/24", "ip6:2001:db8::/32", "include:_spf.example.net", "~all"]`,
		`["redirect=_spf.example.net"]`,
		`[a, "exp=explain.example.org", "?all"]`,
	} {
		t.Run(spf, func(t *testing.T) {
			_, p, err := loadBody(t, "domains:\n  example.org:\n    spf: "+spf+"\n    senderid: true\n")
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			d := p.Domains[0]
			terms, ok := strings.CutPrefix(d.SPF, "v=spf1 ")
			if !ok {
				t.Fatalf("SPF record %q", d.SPF)
			}
			equal(t, "Sender ID record", d.SenderID, "spf2.0/mfrom,pra "+terms)
		})
	}
}

// DKIM makes v=DKIM1 optional (RFC 6376 3.6.1) and RFC 4870 does not know it: a DomainKeys
// selector publishes the DKIM record without it, and nothing else changes.
func TestADomainKeysSelectorIsItsDKIMRecordWithoutTheVersion(t *testing.T) {
	_, p, err := loadBody(t, "domains:\n  example.org:\n    dkim:\n"+
		"      dkim: {key: rsa.pem, h: [sha256], t: [y, s], n: see-docs}\n"+
		"      dk: {key: rsa.pem, h: [sha256], t: [y, s], n: see-docs, domainkeys: true}\n")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	s := p.Domains[0].Selectors // sorted: dk, dkim
	if !strings.HasPrefix(s[1].Record, "v=DKIM1; k=rsa; ") {
		t.Fatalf("DKIM record %q", s[1].Record)
	}
	equal(t, "DomainKeys selector's record", s[0].Record, strings.TrimPrefix(s[1].Record, "v=DKIM1; "))
}
