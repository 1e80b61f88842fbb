package dmarc

import "testing"

func TestCheckURIFollowsRFC7489ReportURIs(t *testing.T) {
	tests := []struct {
		name string
		uri  string
		want string // "" when the URI is valid
	}{
		{"a plain mailto address is accepted", "mailto:dmarc@example.org", ""},
		{"an upper-case scheme is accepted", "MAILTO:dmarc@example.org", ""},
		{"a size limit with a unit is accepted", "mailto:dmarc@example.org!10m", ""},
		{"a size limit without a unit is accepted", "mailto:dmarc@example.org!50000", ""},
		{"a percent-encoded comma is accepted", "mailto:a%2Cb@example.org", ""},
		{"header fields after the address are accepted", "mailto:dmarc@example.org?subject=dmarc", ""},
		{"a non-mailto scheme is accepted", "https://reports.example.net/dmarc", ""},
		{"an address without a scheme is rejected with a hint", "dmarc@example.org", `"dmarc@example.org" is not a URI (did you mean "mailto:dmarc@example.org"?)`},
		{"a bare word is rejected", "reports", `"reports" is not a URI; it must start with a scheme such as "mailto:"`},
		{"a scheme starting with a digit is rejected", "1mailto:a@example.org", `"1mailto:a@example.org" is not a URI; it must start with a scheme such as "mailto:"`},
		{"a scheme with nothing after it is rejected", "mailto:", `"mailto:" has nothing after "mailto:"`},
		{"a raw comma is rejected", "mailto:a@example.org,mailto:b@example.org", `"mailto:a@example.org,mailto:b@example.org" contains ","; write it as %2C because a comma separates URIs`},
		{"a raw semicolon is rejected", "mailto:a@example.org;x", `"mailto:a@example.org;x" contains ";"; write it as %3B because a semicolon ends the tag`},
		{"a size limit with an unknown unit is rejected", "mailto:a@example.org!10x", `"mailto:a@example.org!10x" has a malformed size limit "!10x"; write "!", digits and an optional unit k, m, g or t, as in "!10m" (a "!" inside the URI must be written %21)`},
		{"a unit without digits is rejected", "mailto:a@example.org!m", `"mailto:a@example.org!m" has a malformed size limit "!m"; write "!", digits and an optional unit k, m, g or t, as in "!10m" (a "!" inside the URI must be written %21)`},
		{"a truncated percent escape is rejected", "mailto:a%2@example.org", `"mailto:a%2@example.org" has a "%" that is not followed by two hex digits`},
		{"whitespace is rejected", "mailto: a@example.org", `"mailto: a@example.org" contains whitespace`},
		{"a non-ASCII character is rejected", "mailto:dé@example.org", `"mailto:dé@example.org" contains "é"; percent-encode it`},
		{"an angle bracket is rejected", "<mailto:a@example.org>", `"<mailto:a@example.org>" is not a URI; it must start with a scheme such as "mailto:"`},
		{"a quote inside the URI is rejected", `mailto:"a"@example.org`, `"mailto:\"a\"@example.org" contains "\"", which a URI cannot hold unescaped`},
		{"a mailto without an at sign is rejected", "mailto:dmarc", `"mailto:dmarc" has no "@"; a mailto address needs a local part and a domain`},
		{"a mailto without a local part is rejected", "mailto:@example.org", `"mailto:@example.org" has no local part before "@"`},
		{"a mailto without a domain is rejected", "mailto:dmarc@", `"mailto:dmarc@" has no domain after "@"`},
		{"a mailto to a bare host is rejected", "mailto:dmarc@localhost", `"mailto:dmarc@localhost" has the invalid domain "localhost"; it needs at least two dot-separated labels of letters, digits and inner hyphens`},
		{"a mailto to an IP address is rejected", "mailto:dmarc@192.0.2.1", `"mailto:dmarc@192.0.2.1" has the invalid domain "192.0.2.1"; it needs at least two dot-separated labels of letters, digits and inner hyphens`},
		{"a mailto domain with an empty label is rejected", "mailto:dmarc@example..org", `"mailto:dmarc@example..org" has the invalid domain "example..org"; it needs at least two dot-separated labels of letters, digits and inner hyphens`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkURI(tt.uri)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkURI(%q) failed: %v", tt.uri, err)
			case tt.want != "" && err == nil:
				t.Errorf("checkURI(%q) succeeded, want %q", tt.uri, tt.want)
			case tt.want != "" && err.Error() != tt.want:
				t.Errorf("checkURI(%q) = %q, want %q", tt.uri, err, tt.want)
			}
		})
	}
}

func TestMailtoAddressSplitsTheAddress(t *testing.T) {
	tests := []struct {
		name          string
		uri           string
		local, domain string
		ok            bool
	}{
		{"a plain address is split at the at sign", "mailto:dmarc@example.org", "dmarc", "example.org", true},
		{"the size limit is dropped", "mailto:dmarc@Example.ORG!10m", "dmarc", "Example.ORG", true},
		{"header fields are dropped", "mailto:dmarc@example.org?subject=x", "dmarc", "example.org", true},
		{"percent escapes are decoded", "mailto:d%2Bmarc@example%2Eorg", "d+marc", "example.org", true},
		{"another scheme is not a mailto", "https://example.org/", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local, domain, ok := mailtoAddress(tt.uri)
			if local != tt.local || domain != tt.domain || ok != tt.ok {
				t.Errorf("mailtoAddress(%q) = %q, %q, %v, want %q, %q, %v", tt.uri, local, domain, ok, tt.local, tt.domain, tt.ok)
			}
		})
	}
}
