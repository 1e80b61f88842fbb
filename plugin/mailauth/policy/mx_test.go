package policy_test

import (
	"reflect"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func TestMXRefuses(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		// RFC 7505 3: the null MX is preference 0 and target ".", and stands alone.
		{"a target of \".\" at another preference in a list", "domains:\n  example.org:\n    mx: [\"10 .\"]\n",
			[]string{`3:10: mx "10 ." is the null MX (RFC 7505), which must stand alone: write mx: null instead of the list`}},
		{"a negative preference", "domains:\n  example.org:\n    mx: [\"-1 mail.example.net\"]\n",
			[]string{`3:10: mx "-1 mail.example.net": the preference "-1" is not a whole number from 0 to 65535`}},
		{"one target twice, spelt another way", "domains:\n  example.org:\n    mx: [\"10 MX.example.net\", \"20 mx.example.net.\"]\n",
			[]string{`3:31: mx "20 mx.example.net.": mx.example.net is listed twice`}},
		{"null in quotes is a string, not the null MX", "domains:\n  example.org:\n    mx: \"null\"\n",
			[]string{`3:9: mx: wrong type: a list expected, found a string`}},
		{"a target deep inside a domain of the policy that is not one of its hosts", "domains:\n  example.org:\n    mx: [\"10 mx.eu.example.org\"]\n",
			[]string{`3:10: mx "10 mx.eu.example.org": mx.eu.example.org is in example.org, a domain of this policy, but is not one of its hosts: ` +
				`list it under hosts with its addresses, or mail to example.org has nowhere to go`}},
		{"a target that is another domain of the policy, not a host", "domains:\n  example.org:\n    mx: [\"10 example.net\"]\n  example.net:\n    spf: [-all]\n",
			[]string{`3:10: mx "10 example.net": example.net is in example.net, a domain of this policy, but is not one of its hosts: ` +
				`list it under hosts with its addresses, or mail to example.org has nowhere to go`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

func TestMXPublishes(t *testing.T) {
	null := []policy.MX{{Preference: 0, Target: "."}}
	tests := []struct {
		name string
		mx   string // the value of mx in the file
		want []policy.MX
	}{
		{"mx: null is the null MX", "null", null},
		{"mx: ~ is the null MX", "~", null},
		{"mx with nothing after it is the null MX", "", null},
		{"equal preferences keep the file's order", `["20 b.example.net", "10 c.example.net", "20 a.example.net"]`,
			[]policy.MX{{Preference: 10, Target: "c.example.net."}, {Preference: 20, Target: "b.example.net."}, {Preference: 20, Target: "a.example.net."}}},
		{"the lowest and highest preferences, with tabs and spaces around", "[\"65535 last.example.net\", \"  0\\tfirst.example.net. \"]",
			[]policy.MX{{Preference: 0, Target: "first.example.net."}, {Preference: 65535, Target: "last.example.net."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadBody(t, "domains:\n  example.org:\n    mx: "+tt.mx+"\n")
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			d := p.Domains[0]
			if !reflect.DeepEqual(d.MX, tt.want) {
				t.Errorf("mx %+v, want %+v", d.MX, tt.want)
			}
			if d.NullMX() != reflect.DeepEqual(tt.want, null) {
				t.Errorf("NullMX() = %v for %+v", d.NullMX(), d.MX)
			}
		})
	}
}

func TestADomainWithoutMXPublishesNone(t *testing.T) {
	_, p := loadWarnings(t, "domains:\n  example.org:\n    spf: [-all]\n")
	if d := p.Domains[0]; d.MX != nil || d.NullMX() {
		t.Errorf("mx %+v, want none at all rather than the null MX", d.MX)
	}
}

// Whether a target is the domain's own business is decided by organizational domain (RFC 7489
// 3.2), which the public suffix list draws: example.co.uk and other.co.uk are two organizations.
func TestMXTargetsOfTheSameOrganizationAreWarnedOf(t *testing.T) {
	path, p := loadWarnings(t, "domains:\n  shop.example.co.uk:\n    mx: [\"10 mail.example.co.uk\", \"20 mail.other.co.uk\"]\n")
	assertMessages(t, path, p.Warnings,
		`3:10: mx "10 mail.example.co.uk": mail.example.co.uk is neither a host of this policy nor in one of its domains, so it cannot be checked: `+
			`make sure it has an address record, or mail to shop.example.co.uk bounces`)
}
