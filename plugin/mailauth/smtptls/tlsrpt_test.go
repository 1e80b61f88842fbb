package smtptls

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// tlsrptRecord is the record grammar of RFC 8460 3 for a record with rua alone: the version
// first, fields separated by ";" and URIs by ",", each with optional whitespace around it.
var tlsrptRecord = regexp.MustCompile(`^v=TLSRPTv1[ \t]*;[ \t]*rua=([^,; \t]+)([ \t]*,[ \t]*[^,; \t]+)*[ \t]*;?$`)

// Every valid rua gives a record that reads back as exactly its URIs: no URI can bring a "," or
// ";" that would split it, or whitespace that a reader would trim.
func TestTheRecordReadsBackAsItsURIs(t *testing.T) {
	for _, rua := range [][]string{
		{"mailto:tlsrpt@example.org"},
		{"https://reports.example.org/v1/tlsrpt"},
		{"mailto:tlsrpt@example.org", "https://reports.example.org/tlsrpt?domain=example.org&x=1", "mailto:a%2Cb@example.net"},
		{"MAILTO:TLS@Example.ORG"},
	} {
		r := TLSRPT{RUA: rua}
		if err := r.Validate(); err != nil {
			t.Fatalf("%q: %v", rua, err)
		}
		rec := r.Record()
		if !tlsrptRecord.MatchString(rec) {
			t.Errorf("%q: record %q does not match the grammar of RFC 8460 3", rua, rec)
		}
		_, list, _ := strings.Cut(rec, "rua=")
		if got := strings.Split(list, ","); strings.Join(got, "\n") != strings.Join(rua, "\n") {
			t.Errorf("record %q reads back as %q, want %q", rec, got, rua)
		}
	}
}

func TestValidURIs(t *testing.T) {
	for _, u := range []string{
		"mailto:tlsrpt@example.org",
		"mailto:tls-reports+example.org@reports.example.net",
		"mailto:tlsrpt@example.org?subject=TLS%20report",
		"mailto:tlsrpt%40example.org",        // the @ percent-encoded is still one address
		"Mailto:tlsrpt@example.org",          // schemes are case-insensitive (RFC 3986 3.1)
		"https://reports.example.org",        // no path
		"https://reports.example.org:8443/r", // a port
		"HTTPS://Reports.Example.org/tlsrpt",
		"https://reports.example.org/a%2Cb%3Bc%21d",
	} {
		if err := (TLSRPT{RUA: []string{u}}).Validate(); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestInvalidURIsAreNamedWithTheReason(t *testing.T) {
	const (
		notMailto = "is not a mailto: URI with one address, as in mailto:tlsrpt@example.org"
		notHTTPS  = "is not an https: URL with a host name, as in https://reports.example.org/tlsrpt"
		neither   = "is neither a mailto: nor an https: URI (RFC 8460 3)"
	)
	tests := []struct {
		uri  string
		want string
	}{
		// RFC 8460 3: commas, semicolons and exclamation points must be percent-encoded.
		{"mailto:tlsrpt@example.org;", `contains ";"; write it as %3B because a semicolon ends the tag`},
		{"https://reports.example.org/a,b", `contains ","; write it as %2C because a comma separates URIs`},
		{"mailto:tlsrpt@example.org!10m", `contains "!"; write it as %21, as RFC 8460 3 requires (TLS-RPT has no size limit such as DMARC's !10m)`},
		{"https://reports.example.org/!", `contains "!"; write it as %21, as RFC 8460 3 requires (TLS-RPT has no size limit such as DMARC's !10m)`},
		// A URI is ASCII without spaces or controls (RFC 3986 2).
		{"mailto:tls rpt@example.org", `contains " "; percent-encode it`},
		{"mailto:tlsrpt@example.org\t", `contains "\t"; percent-encode it`},
		{" mailto:tlsrpt@example.org", `contains " "; percent-encode it`},
		{"mailto:tlsrpt@exämple.org", `contains "ä"; percent-encode it`},
		{"mailto:tlsrpt@example.org\x7f", `contains "\x7f"; percent-encode it`},
		{"mailto:a%zz@example.org", `has a "%" not followed by two hex digits; write "%" itself as %25`},
		{"https://reports.example.org/100%", `has a "%" not followed by two hex digits; write "%" itself as %25`},
		// mailto: one address with a host name.
		{"mailto:", notMailto},
		{"mailto:tlsrpt", notMailto},
		{"mailto:@example.org", notMailto},
		{"mailto:tlsrpt@", notMailto},
		{"mailto:tlsrpt@example", notMailto},
		{"mailto:a@b@example.org", notMailto},
		{"mailto:a@example.org%2Cb@example.org", notMailto}, // one address, even once decoded
		{"mailto:tlsrpt@example.org.", notMailto},
		{"mailto:tlsrpt@-reports.example.org", notMailto},
		{"mailto:tlsrpt@reports_1.example.org", notMailto},
		{"mailto:tlsrpt@[192.0.2.1]", notMailto},
		// https: a host name, no user, not opaque.
		{"https:reports.example.org/r", notHTTPS},
		{"https:///r", notHTTPS},
		{"https://", notHTTPS},
		{"https://user@reports.example.org/r", notHTTPS},
		{"https://user:secret@reports.example.org/r", notHTTPS},
		{"https://[2001:db8::1]/r", notHTTPS},
		{"https://reports/r", notHTTPS},
		{"https://reports.example.org:port/r", notHTTPS},
		// Other schemes, or none.
		{"", neither},
		{"reports.example.org", neither},
		{"http://reports.example.org/tlsrpt", neither},
		{"smtp:tlsrpt@example.org", neither},
	}
	for _, tt := range tests {
		err := (TLSRPT{RUA: []string{tt.uri}}).Validate()
		var ruaErr *RUAError
		if !errors.As(err, &ruaErr) {
			t.Errorf("%q: %v, want an *RUAError: %s", tt.uri, err, tt.want)
			continue
		}
		if ruaErr.URI != tt.uri || ruaErr.Index != 0 {
			t.Errorf("%q: the error names URI %q at %d", tt.uri, ruaErr.URI, ruaErr.Index)
		}
		if got := ruaErr.Err.Error(); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.uri, got, tt.want)
		}
	}
}

func TestTheFirstBadURIIsReported(t *testing.T) {
	r := TLSRPT{RUA: []string{"mailto:a@example.org", "https://r.example.org/x", "ftp://r.example.org/", "tls@example.org"}}
	err := r.Validate()
	var ruaErr *RUAError
	if !errors.As(err, &ruaErr) || ruaErr.Index != 2 || ruaErr.URI != "ftp://r.example.org/" {
		t.Fatalf("got %#v (%v), want the third URI", ruaErr, err)
	}
	if want := `rua: "ftp://r.example.org/" is neither a mailto: nor an https: URI (RFC 8460 3)`; err.Error() != want {
		t.Errorf("%q, want %q", err, want)
	}
	if err := (TLSRPT{RUA: []string{}}).Validate(); err == nil || errors.As(err, &ruaErr) {
		t.Errorf("an empty list: %v, want an error that names no URI", err)
	}
}

func TestIsHostname(t *testing.T) {
	for name, want := range map[string]bool{
		"example.org":                      true,
		"a.b.c.example.org":                true,
		"xn--mil-moa.example.org":          true,
		"example.co2":                      true, // a last label with a letter
		"1.example.org":                    true,
		strings.Repeat("a", 63) + ".org":   true,
		strings.Repeat("a", 64) + ".org":   false,
		strings.Repeat("a.", 125) + "org":  true, // 253 characters, the most a name has
		strings.Repeat("a.", 125) + "orgs": false,
		"example":                          false,
		"example.org.":                     false,
		".example.org":                     false,
		"example..org":                     false,
		"-example.org":                     false,
		"example-.org":                     false,
		"192.0.2.1":                        false,
		"example.123":                      false,
		"exa_mple.org":                     false,
		"":                                 false,
	} {
		if got := isHostname(name); got != want {
			t.Errorf("isHostname(%q) = %v, want %v", name, got, want)
		}
	}
}
