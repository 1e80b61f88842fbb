package policy_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestSPFLookupErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // each "line:col: message"
	}{
		{
			name: "over 10 lookups through served includes and a redirect is shown as a tree",
			body: `domains:
  example.org:
    spf: [a, mx, "include:a.example.org", "-all"]
  a.example.org:
    spf: [a, mx, "include:b.example.org", "include:_spf.example.net", "include:%{d}.x.example.net", "ip4:192.0.2.1", "-all"]
  b.example.org:
    spf: ["a:h1.example.org", "mx:example.net", "exists:%{i}.e.example.org", "redirect=c.example.org"]
  c.example.org:
    spf: [-all]
`,
			want: []string{`3:5: SPF record of example.org makes 12 DNS lookups, over the limit of 10 (RFC 7208 4.6.4):
  example.org: 3 (a, mx, include:a.example.org)
    a.example.org: 5 (a, mx, include:b.example.org, include:_spf.example.net, include:%{d}.x.example.net)
      b.example.org: 4 (a:h1.example.org, mx:example.net, exists:%{i}.e.example.org, redirect=c.example.org)
        c.example.org: 0
      _spf.example.net: not served here, not expanded
      %{d}.x.example.net: macros, not expanded`},
		},
		{
			name: "11 lookups in one record, a redirect among them, are over the limit",
			body: "domains:\n  example.org:\n    spf: [a, mx, exists:x.example.org, a:a1.example.org, a:a2.example.org, a:a3.example.org, mx:m1.example.org, mx:m2.example.org, mx:m3.example.org, include:_spf.example.net, \"redirect=_spf.example.com\"]\n",
			want: []string{`3:5: SPF record of example.org makes 11 DNS lookups, over the limit of 10 (RFC 7208 4.6.4):
  example.org: 11 (a, mx, exists:x.example.org, a:a1.example.org, a:a2.example.org, a:a3.example.org, mx:m1.example.org, mx:m2.example.org, mx:m3.example.org, include:_spf.example.net, redirect=_spf.example.com)
    _spf.example.net: not served here, not expanded
    _spf.example.com: not served here, not expanded`},
		},
		{
			name: "every record over the limit is reported, the included one too",
			body: "domains:\n  example.org:\n    spf: [include:a.example.org, -all]\n  a.example.org:\n    spf: [" + strings.Repeat("a, ", 11) + "-all]\n",
			want: []string{
				`3:5: SPF record of example.org makes 12 DNS lookups, over the limit of 10 (RFC 7208 4.6.4):
  example.org: 1 (include:a.example.org)
    a.example.org: 11 (a, a, a, a, a, a, a, a, a, a, a)`,
				`5:5: SPF record of a.example.org makes 11 DNS lookups, over the limit of 10 (RFC 7208 4.6.4):
  a.example.org: 11 (a, a, a, a, a, a, a, a, a, a, a)`,
			},
		},
		{
			name: "an include loop is reported at each record in it, not at one that includes the loop",
			body: "domains:\n  a.example.org:\n    spf: [include:B.example.org., -all]\n  b.example.org:\n    spf: [redirect=a.example.org]\n  c.example.org:\n    spf: [include:a.example.org, -all]\n",
			want: []string{
				`3:5: SPF include loop: a.example.org -> b.example.org -> a.example.org; receivers return permerror for it (RFC 7208 4.6.4)`,
				`5:5: SPF include loop: b.example.org -> a.example.org -> b.example.org; receivers return permerror for it (RFC 7208 4.6.4)`,
			},
		},
		{
			name: "a record that includes itself is a loop",
			body: "domains:\n  example.org:\n    spf: [mx, include:example.org, -all]\n",
			want: []string{`3:5: SPF include loop: example.org -> example.org; receivers return permerror for it (RFC 7208 4.6.4)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

func TestSPFLookupsThatLoad(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // warnings, each "line:col: message"
	}{
		{
			name: "exactly 10 lookups through a served include",
			body: "domains:\n  example.org:\n    spf: [a, mx, include:a.example.org, -all]\n  a.example.org:\n    spf: [" + strings.Repeat("a, ", 7) + "-all]\n",
		},
		{
			name: "mechanisms after all are never evaluated and do not count",
			body: "domains:\n  example.org:\n    spf: [" + strings.Repeat("a, ", 10) + "-all, mx, include:_spf.example.net]\n",
		},
		{
			name: "a redirect beside all is never followed: a warning, and no lookups counted through it",
			body: "domains:\n  example.org:\n    spf: [" + strings.Repeat("a, ", 10) + "redirect=a.example.org, ~all]\n  a.example.org:\n    spf: [a, -all]\n",
			want: []string{`3:41: SPF term "redirect=a.example.org" is ignored, since the record has the "all" mechanism "~all" (RFC 7208 6.1); remove one of them`},
		},
		{
			name: "an include of a domain of the policy without spf is not served here and counts one",
			body: "domains:\n  example.org:\n    spf: [" + strings.Repeat("a, ", 9) + "include:a.example.org, -all]\n  a.example.org:\n    dmarc: {p: none}\n",
		},
		{
			name: "a diamond of includes counts each path, as receivers do",
			body: "domains:\n  example.org:\n    spf: [include:a.example.org, include:b.example.org, -all]\n  a.example.org:\n    spf: [include:c.example.org, -all]\n  b.example.org:\n    spf: [include:c.example.org, -all]\n  c.example.org:\n    spf: [a, a, -all]\n",
		},
		{
			name: "ptr with a domain is warned of too",
			body: "domains:\n  example.org:\n    spf: [\"?ptr:example.org\", -all]\n",
			want: []string{`3:11: SPF term "?ptr:example.org": do not use ptr (RFC 7208 5.5): it is slow, unreliable and ignored by some receivers; list the addresses with ip4:, ip6: or a: instead`},
		},
		{
			name: "-all, ~all and ?all are not warned of",
			body: "domains:\n  a.example.org:\n    spf: [-all]\n  b.example.org:\n    spf: [~all]\n  c.example.org:\n    spf: [\"?all\"]\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p := loadWarnings(t, tt.body)
			assertMessages(t, path, p.Warnings, tt.want...)
		})
	}
}

func TestAnSPFRecordOver450BytesIsWarnedOf(t *testing.T) {
	var terms []string
	for i := range 30 {
		terms = append(terms, fmt.Sprintf("ip4:192.0.2.%d", i+100)) // 15 bytes each, 16 with the space
	}
	path, p := loadWarnings(t, "domains:\n  example.org:\n    spf: ["+strings.Join(terms, ", ")+", -all]\n")
	if n := len(p.Domains[0].SPF); n != 6+30*16+5 {
		t.Fatalf("record is %d bytes", n)
	}
	assertMessages(t, path, p.Warnings,
		`3:5: SPF record of example.org is 491 bytes, over the 450 that RFC 7208 3.4 advises to keep its answer in one UDP datagram; move terms behind an include:`)
}
