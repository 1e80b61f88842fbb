package policy_test

import (
	"reflect"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func TestAParkedDomainRefusesEveryOtherMailKey(t *testing.T) {
	msg := func(at, key string) string {
		return at + " example.org: a parked domain takes no " + key +
			": parked: true publishes v=spf1 -all, the null MX, DMARC p=reject and an empty key for every DKIM selector itself"
	}
	tests := []struct {
		name string
		body string
		want []string
	}{
		// As everywhere, a scalar is pointed at by its value, a list or a mapping by its key.
		{"the historic records, ADSP, MTA-STS, TLS-RPT and BIMI, each where it is written",
			"domains:\n  example.org:\n    parked: true\n    senderid: true\n    domainkeys: {o: \"-\"}\n    adsp: discardable\n" +
				"    mta_sts: {mode: none}\n    tls_rpt: {rua: [\"mailto:tls@example.org\"]}\n    bimi: {l: https://example.org/logo.svg}\n",
			[]string{msg("4:15:", "senderid"), msg("5:5:", "domainkeys"), msg("6:11:", "adsp"),
				msg("7:5:", "mta_sts"), msg("8:5:", "tls_rpt"), msg("9:5:", "bimi")}},
		{"a key merged in from another domain, where it is written",
			"domains:\n  example.net: &base\n    spf: [-all]\n  example.org:\n    <<: *base\n    parked: true\n",
			[]string{msg("3:5:", "spf")}},
		{"a key written with an empty value",
			"domains:\n  example.org:\n    parked: true\n    dkim: {}\n",
			[]string{msg("4:5:", "dkim")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

// A parked domain publishes SPF "-all" (RFC 7208 5.1: no address may send), the null MX
// (RFC 7505), DMARC reject for itself, its subdomains and its non-existent ones (RFC 7489 6.3,
// np from DMARCbis), and nothing else.
func TestAParkedDomainPublishesTheRecordsOfNoMailAndNothingElse(t *testing.T) {
	_, p := loadWarnings(t, "ttl: 300\ndomains:\n  example.org:\n    parked: true\n")
	want := []policy.Domain{{
		Name:   "example.org.",
		TTL:    300,
		Parked: true,
		SPF:    "v=spf1 -all",
		MX:     []policy.MX{{Preference: 0, Target: "."}},
		DMARC:  "v=DMARC1; p=reject; sp=reject; np=reject",
	}}
	if !reflect.DeepEqual(p.Domains, want) {
		t.Errorf("domains %+v\nwant    %+v", p.Domains, want)
	}
}

func TestParkedFalseIsAnOrdinaryDomain(t *testing.T) {
	_, p := loadWarnings(t, "domains:\n  example.org:\n    parked: false\n    spf: [mx, -all]\n")
	d := p.Domains[0]
	if d.Parked || d.MX != nil || d.DMARC != "" {
		t.Errorf("domain %+v, want one that publishes its own keys alone", d)
	}
	equal(t, "SPF", d.SPF, "v=spf1 mx -all")
}

// The key record of the wildcard selector of a parked domain is a revoked key: an empty p=
// (RFC 6376 3.6.1), the record a selector written with revoked: true publishes.
func TestTheParkedKeyRecordIsARevokedKey(t *testing.T) {
	_, p := loadWarnings(t, "domains:\n  example.org:\n    dkim:\n      old: {revoked: true}\n")
	equal(t, "parked key record", policy.ParkedKeyRecord, p.Domains[0].Selectors[0].Record)
}
