package spf

import (
	"strings"
	"testing"
)

// term builds the expected Term for a table row; most rows have no CIDR.
func term(q byte, name, value string) Term {
	return Term{Qualifier: q, Name: name, Value: value, Prefix4: -1, Prefix6: -1}
}

func modifier(name, value string) Term {
	t := term(0, name, value)
	t.Modifier = true
	return t
}

func withPrefix(t Term, p4, p6 int) Term {
	t.Prefix4, t.Prefix6 = p4, p6
	return t
}

func TestParseTermAcceptsValidTerms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Term
	}{
		// RFC 7208 Appendix B.1 simple examples.
		{"a plus-qualified all is accepted", "+all", term('+', "all", "")},
		{"an unqualified a is accepted", "a", term(0, "a", "")},
		{"a minus-qualified all is accepted", "-all", term('-', "all", "")},
		{"a with a domain is accepted", "a:example.org", term(0, "a", "example.org")},
		{"an unqualified mx is accepted", "mx", term(0, "mx", "")},
		{"mx with a domain is accepted", "mx:example.org", term(0, "mx", "example.org")},
		{"mx with an IPv4 prefix length is accepted", "mx/30", withPrefix(term(0, "mx", ""), 30, -1)},
		{"mx with a domain and a prefix length keeps the prefix out of the value", "mx:example.org/30", withPrefix(term(0, "mx", "example.org"), 30, -1)},
		{"an unqualified ptr is accepted", "ptr", term(0, "ptr", "")},
		{"ip4 with a prefix length keeps it in the value", "ip4:192.0.2.128/28", withPrefix(term(0, "ip4", "192.0.2.128/28"), 28, -1)},
		// RFC 7208 Appendix B.2 to B.4 and section 7.4.
		{"include of another domain is accepted", "include:example.com", term(0, "include", "example.com")},
		{"redirect is a modifier", "redirect=_spf.example.org", modifier("redirect", "_spf.example.org")},
		{"a DNSBL exists with a reversed IP macro is accepted", "exists:%{ir}.sbl.example.org", term(0, "exists", "%{ir}.sbl.example.org")},
		{"exists with delimiters in a macro is accepted", "exists:%{ir}.%{l1r+-}._spf.%{d}", term(0, "exists", "%{ir}.%{l1r+-}._spf.%{d}")},
		{"mx with a macro domain and a prefix length is accepted", "mx:%{d}/24", withPrefix(term(0, "mx", "%{d}"), 24, -1)},
		{"a macro-only domain is accepted", "a:%{d}", term(0, "a", "%{d}")},
		{"a minus-qualified include with a macro is accepted", "-include:ip4._spf.%{d}", term('-', "include", "ip4._spf.%{d}")},
		{"a second minus-qualified include with a macro is accepted", "-include:ptr._spf.%{d}", term('-', "include", "ptr._spf.%{d}")},
		{"a minus-qualified ip4 is accepted", "-ip4:192.0.2.0/24", withPrefix(term('-', "ip4", "192.0.2.0/24"), 24, -1)},
		{"a minus-qualified ptr is accepted", "-ptr", term('-', "ptr", "")},
		{"an include with a reversed local-part macro is accepted", "include:%{lr-}.lp._spf.%{d2}", term(0, "include", "%{lr-}.lp._spf.%{d2}")},
		{"an exists with several macros is accepted", "exists:%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", term(0, "exists", "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}")},
		{"a trusted-domains include is accepted", "include:%{d2}.trusted-domains.example.net", term(0, "include", "%{d2}.trusted-domains.example.net")},
		// Dual CIDR lengths.
		{"a with both prefix lengths is accepted", "a/24//64", withPrefix(term(0, "a", ""), 24, 64)},
		{"mx with only an IPv6 prefix length is accepted", "mx//64", withPrefix(term(0, "mx", ""), -1, 64)},
		{"a with a domain and both prefix lengths is accepted", "a:example.org/0//0", withPrefix(term(0, "a", "example.org"), 0, 0)},
		{"ip6 without a prefix length is accepted", "ip6:2001:db8::cd30", term(0, "ip6", "2001:db8::cd30")},
		{"ip6 with a prefix length is accepted", "~ip6:2001:DB8::/32", withPrefix(term('~', "ip6", "2001:DB8::/32"), -1, 32)},
		{"ip6 in IPv4-mapped form is accepted", "ip6:::FFFF:1.2.3.4/128", withPrefix(term(0, "ip6", "::FFFF:1.2.3.4/128"), -1, 128)},
		{"ip4 with a zero prefix length is accepted", "?ip4:0.0.0.0/0", withPrefix(term('?', "ip4", "0.0.0.0/0"), 0, -1)},
		// Case, trailing dots and the corners of domain-spec.
		{"mechanism names are case-insensitive", "INCLUDE:_spf.Example.NET", term(0, "include", "_spf.Example.NET")},
		{"modifier names are case-insensitive", "Redirect=example.net", modifier("redirect", "example.net")},
		{"exp with a macro is accepted", "exp=explain._spf.%{d}", modifier("exp", "explain._spf.%{d}")},
		{"upper-case macro letters are accepted", "exp=msg8.%{D2}", modifier("exp", "msg8.%{D2}")},
		{"a trailing dot after the top-level label is accepted", "include:o.spf.example.com.", term(0, "include", "o.spf.example.com.")},
		{"the escape macros are accepted", "a:macro%%percent%_%_space%-url-space.example.com", term(0, "a", "macro%%percent%_%_space%-url-space.example.com")},
		{"a domain may hold a colon and a slash", "a:foo:bar/baz.example.com", term(0, "a", "foo:bar/baz.example.com")},
		{"an IDN top-level label is accepted", "a:foo.example.xn--zckzah", term(0, "a", "foo.example.xn--zckzah")},
		{"a hyphenated numeric top-level label is accepted as the ABNF says", "a:example.12-34", term(0, "a", "example.12-34")},
		{"ptr with a domain is accepted", "ptr:example.com", term(0, "ptr", "example.com")},
		{"an unknown modifier is accepted", "moo.cow-far_out=man:dog/cat", modifier("moo.cow-far_out", "man:dog/cat")},
		{"an unknown modifier may be empty", "foo=", modifier("foo", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTerm(tt.in)
			if err != nil {
				t.Fatalf("ParseTerm(%q) failed: %v", tt.in, err)
			}
			tt.want.Text = tt.in
			if got != tt.want {
				t.Errorf("ParseTerm(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTermRejectsInvalidTerms(t *testing.T) {
	long := strings.Repeat("x", 64)
	tests := []struct {
		name string
		in   string
		want string // the whole error, or its start when it ends in "..."
	}{
		{"an ip4 prefix length over 32 is rejected", "ip4:192.0.2.0/33", `SPF term "ip4:192.0.2.0/33": ip4 prefix length 33 is over 32`},
		{"a misspelt mechanism is rejected", "inclde:example.net", `SPF term "inclde:example.net": unknown mechanism "inclde"`},
		{"an unknown macro letter is rejected", "include:%{z}.example.net", `SPF term "include:%{z}.example.net": unknown macro letter "z"`},
		{"include without a domain is rejected", "include", `SPF term "include": include needs a domain...`},
		{"include with an empty domain is rejected", "include:", `SPF term "include:": include needs a domain...`},
		{"a percent sign followed by a parenthesis is rejected", "-exists:%(ir).sbl.example.org", `SPF term "-exists:%(ir).sbl.example.org": "%(" is not a macro...`},
		{"a macro without its closing brace is rejected", "-exists:%{ir.sbl.example.org", `SPF term "-exists:%{ir.sbl.example.org": macro "%{ir.sbl.example.org" has no closing "}"`},
		{"a zero label count is rejected", "exists:%{d0}.example.org", `SPF term "exists:%{d0}.example.org": macro "%{d0}" keeps 0 labels...`},
		{"a macro letter that does not exist is rejected", "a:%{a}.example.com", `SPF term "a:%{a}.example.com": unknown macro letter "a"`},
		{"an explanation-only macro in exp is rejected", "exp=%{r}.example.com", `SPF term "exp=%{r}.example.com": macro letter "r" is only allowed...`},
		{"an explanation-only macro in an unknown modifier is rejected", "foo=%{c}", `SPF term "foo=%{c}": macro letter "c" is only allowed...`},
		{"a character that is not a delimiter is rejected", "exists:%{l1r+x}.example.org", `SPF term "exists:%{l1r+x}.example.org": macro "%{l1r+x}": "x" is not a delimiter...`},
		{"a bare percent sign at the end is rejected", "a:example.com%", `SPF term "a:example.com%": a bare "%" ends the term...`},
		{"a single-label domain is rejected", "a:foo-bar", `SPF term "a:foo-bar": domain "foo-bar" must end in "."...`},
		{"a top-level label alone is rejected", "a:museum.", `SPF term "a:museum.": domain "museum." must end in "."...`},
		{"an all-numeric top-level label is rejected", "a:abc.123", `SPF term "a:abc.123": domain "abc.123" ends in "123", which is not a top-level label...`},
		{"two dots in a row are rejected", "a:mail.example...com", `SPF term "a:mail.example...com": domain "mail.example...com" has an empty label...`},
		{"a leading dot is rejected", "include:.example.com", `SPF term "include:.example.com": domain ".example.com" has an empty label...`},
		{"a label over 63 bytes is rejected", "a:" + long + ".example.com", `SPF term "a:` + long + `.example.com": domain "` + long + `.example.com" has a label of 64 bytes...`},
		{"a with an empty domain is rejected", "a:", `SPF term "a:": a needs a domain after ":"...`},
		{"exists without a domain is rejected", "exists", `SPF term "exists": exists needs a domain...`},
		{"an IPv4 prefix length over 32 on a is rejected", "a/33", `SPF term "a/33": IPv4 prefix length 33 is over 32`},
		{"an IPv6 prefix length over 128 on a is rejected", "a//129", `SPF term "a//129": IPv6 prefix length 129 is over 128`},
		{"a prefix length with a leading zero is rejected", "mx/024", `SPF term "mx/024": IPv4 prefix length "024" has a leading zero`},
		{"a dangling IPv6 CIDR slash is rejected", "mx//", `SPF term "mx//": IPv6 prefix length is missing after the slash`},
		{"a dangling IPv4 CIDR slash is rejected", "a:example.com/", `SPF term "a:example.com/": IPv4 prefix length is missing after the slash`},
		{"a CIDR suffix with letters is rejected", "mx/2x", `SPF term "mx/2x": mx has a malformed CIDR suffix "/2x"...`},
		{"ip4 with a dual CIDR length is rejected", "ip4:1.2.3.4//32", `SPF term "ip4:1.2.3.4//32": ip4 prefix length "/32" is not a number`},
		{"an ip6 prefix length over 128 is rejected", "ip6:::1.1.1.1/129", `SPF term "ip6:::1.1.1.1/129": ip6 prefix length 129 is over 128`},
		{"an ip4 octet over 255 is rejected", "ip4:192.0.2.300", `SPF term "ip4:192.0.2.300": ip4 address "192.0.2.300" is not valid...`},
		{"an ip4 octet with a leading zero is rejected", "ip4:192.0.2.01", `SPF term "ip4:192.0.2.01": ip4 address "192.0.2.01" is not valid...`},
		{"an IPv6 address in ip4 is rejected", "ip4:2001:db8::1", `SPF term "ip4:2001:db8::1": "2001:db8::1" is an IPv6 address; use ip6: for it`},
		{"an IPv4 address in ip6 is rejected", "ip6:192.0.2.1", `SPF term "ip6:192.0.2.1": "192.0.2.1" is an IPv4 address; use ip4: for it`},
		{"an ip6 address with a zone is rejected", "ip6:fe80::1%eth0", `SPF term "ip6:fe80::1%eth0": ip6 address "fe80::1%eth0" must not have a zone`},
		{"ip4 without an address is rejected", "ip4", `SPF term "ip4": ip4 needs an address...`},
		{"all with an argument is rejected", "all:example.com", `SPF term "all:example.com": all takes no argument; remove ":example.com"`},
		{"ptr with a prefix length is rejected", "ptr/24", `SPF term "ptr/24": ptr takes no CIDR prefix length`},
		{"include with a prefix length after the domain is rejected", "include:example.com/24", `SPF term "include:example.com/24": include takes no CIDR prefix length`},
		{"ptr with a prefix length after the domain is rejected", "ptr:example.com//64", `SPF term "ptr:example.com//64": ptr takes no CIDR prefix length`},
		{"a modifier with a qualifier is rejected", "+redirect=example.com", `SPF term "+redirect=example.com": modifier "redirect" cannot take the qualifier "+"`},
		{"redirect written as a mechanism is rejected", "redirect:example.com", `SPF term "redirect:example.com": redirect is a modifier; write "redirect=" instead of "redirect:"`},
		{"redirect without a domain is rejected", "redirect=", `SPF term "redirect=": redirect needs a domain`},
		{"include written as a modifier is rejected", "include=example.com", `SPF term "include=example.com": include is a mechanism, not a modifier; write "include:" instead of "include="`},
		{"a slash before the equals sign makes an unknown mechanism", "moo.cow/far_out=man:dog/cat", `SPF term "moo.cow/far_out=man:dog/cat": unknown mechanism "moo.cow"`},
		{"a colon before the equals sign makes an unknown mechanism", "moo.cow:far_out=man:dog/cat", `SPF term "moo.cow:far_out=man:dog/cat": unknown mechanism "moo.cow"`},
		{"a modifier name starting with a digit is rejected", "1foo=bar", `SPF term "1foo=bar": modifier name "1foo" must start with a letter...`},
		{"whitespace inside a term is rejected", "a mx", `SPF term "a mx": the term contains whitespace...`},
		{"a non-ASCII character is rejected", "a:exämple.com", `SPF term "a:exämple.com": character "ä" is not allowed...`},
		{"a qualifier alone is rejected", "-", `SPF term "-": qualifier "-" needs a mechanism after it`},
		{"a qualifier with no mechanism name is rejected", "~:example.com", `SPF term "~:example.com": the mechanism name is missing`},
		{"an empty term is rejected", "", `SPF term "": the term is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTerm(tt.in)
			if err == nil {
				t.Fatalf("ParseTerm(%q) succeeded, want error %q", tt.in, tt.want)
			}
			checkError(t, err.Error(), tt.want)
		})
	}
}

// checkError compares got with want, where a want ending in "..." only has
// to match the start so that hints can be reworded without touching tests.
func checkError(t *testing.T, got, want string) {
	t.Helper()
	if prefix, ok := strings.CutSuffix(want, "..."); ok {
		if !strings.HasPrefix(got, prefix) {
			t.Errorf("error = %q, want it to start with %q", got, prefix)
		}
		return
	}
	if got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestParseTermsChecksTheWholeRecord(t *testing.T) {
	tests := []struct {
		name  string
		terms []string
		want  string // "" when the terms are valid
	}{
		{"a typical policy is accepted", []string{"a", "mx", "ip4:192.0.2.0/24", "include:_spf.example.net", "~all"}, ""},
		{"no terms at all are accepted", nil, ""},
		{"redirect and exp once each are accepted", []string{"mx", "redirect=_spf.example.net", "exp=explain.example.net"}, ""},
		{"listing the version is rejected", []string{"v=spf1", "mx"}, `SPF term "v=spf1": remove it; the product writes the version itself`},
		{"listing the version in capitals is rejected", []string{"V=SPF1"}, `SPF term "V=SPF1": remove it...`},
		{"redirect twice is rejected", []string{"redirect=a.example", "redirect=b.example"}, `SPF term "redirect=b.example": redirect is given more than once...`},
		{"exp twice is rejected", []string{"exp=a.example", "-all", "EXP=b.example"}, `SPF term "EXP=b.example": exp is given more than once...`},
		{"an empty term is rejected with its position", []string{"mx", "", "-all"}, `SPF term 2 of 3 is empty`},
		{"two terms in one entry are rejected", []string{"mx -all"}, `SPF term "mx -all": the term contains whitespace...`},
		{"a bad term is reported by its text", []string{"mx", "ip4:192.0.2.0/33"}, `SPF term "ip4:192.0.2.0/33": ip4 prefix length 33 is over 32`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTerms(tt.terms)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParseTerms(%q) failed: %v", tt.terms, err)
				}
				if len(got) != len(tt.terms) {
					t.Fatalf("ParseTerms(%q) returned %d terms, want %d", tt.terms, len(got), len(tt.terms))
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseTerms(%q) succeeded, want error %q", tt.terms, tt.want)
			}
			checkError(t, err.Error(), tt.want)
		})
	}
}

func TestRecordJoinsTermsAfterTheVersion(t *testing.T) {
	tests := []struct {
		name  string
		terms []string
		want  string
	}{
		{"no terms give the bare version", nil, "v=spf1"},
		{"one term follows the version", []string{"-all"}, "v=spf1 -all"},
		{"terms keep their order and spelling", []string{"a", "MX", "ip4:192.0.2.0/24", "include:_spf.example.net", "~all"}, "v=spf1 a MX ip4:192.0.2.0/24 include:_spf.example.net ~all"},
		{"modifiers are written as given", []string{"mx", "redirect=_spf.example.org"}, "v=spf1 mx redirect=_spf.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms, err := ParseTerms(tt.terms)
			if err != nil {
				t.Fatal(err)
			}
			if got := Record(terms); got != tt.want {
				t.Errorf("Record = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLookupsCountsOnlyDNSQueryingTerms(t *testing.T) {
	tests := []struct {
		term string
		want bool
	}{
		{"include:_spf.example.net", true},
		{"a", true},
		{"mx/24", true},
		{"ptr", true},
		{"exists:%{i}.example.net", true},
		{"redirect=_spf.example.net", true},
		{"all", false},
		{"ip4:192.0.2.0/24", false},
		{"ip6:2001:db8::/32", false},
		{"exp=explain.example.net", false},
		{"foo=bar", false},
	}
	for _, tt := range tests {
		name := tt.term + " counts toward the lookup limit"
		if !tt.want {
			name = tt.term + " does not count toward the lookup limit"
		}
		t.Run(name, func(t *testing.T) {
			got, err := ParseTerm(tt.term)
			if err != nil {
				t.Fatal(err)
			}
			if got.Lookups() != tt.want {
				t.Errorf("Lookups() = %v, want %v", got.Lookups(), tt.want)
			}
		})
	}
}
