package smtptls

import (
	"fmt"
	"net/url"
	"strings"
)

// TLSRPT is where sending servers report the TLS failures they meet on the way to a domain's MX
// hosts (RFC 8460 3): mailto: and https: URIs.
type TLSRPT struct {
	RUA []string
}

// RUAError is a problem with one rua URI.
type RUAError struct {
	Index int
	URI   string
	Err   error
}

func (e *RUAError) Error() string { return fmt.Sprintf("rua: %q %s", e.URI, e.Err) }

// Validate checks the report URIs.
func (r TLSRPT) Validate() error {
	if len(r.RUA) == 0 {
		return fmt.Errorf(`rua: list at least one URI to send reports to, as in "mailto:tlsrpt@example.org"`)
	}
	for i, u := range r.RUA {
		if err := checkURI(u); err != nil {
			return &RUAError{Index: i, URI: u, Err: err}
		}
	}
	return nil
}

// Record returns the TXT record published at _smtp._tls.DOMAIN.
func (r TLSRPT) Record() string { return "v=TLSRPTv1; rua=" + strings.Join(r.RUA, ",") }

// checkURI checks one rua URI: mailto: with one address, or https: with a host (RFC 8460 3,
// which also requires ",", ";" and "!" inside a URI to be percent-encoded: the first two delimit
// the record, and "!" is reserved as in DMARC's rua).
func checkURI(u string) error {
	for _, r := range u {
		switch {
		case r == ',':
			return fmt.Errorf(`contains ","; write it as %%2C because a comma separates URIs`)
		case r == ';':
			return fmt.Errorf(`contains ";"; write it as %%3B because a semicolon ends the tag`)
		case r == '!':
			return fmt.Errorf(`contains "!"; write it as %%21, as RFC 8460 3 requires (TLS-RPT has no size limit such as DMARC's !10m)`)
		case r <= ' ' || r > '~':
			return fmt.Errorf("contains %q; percent-encode it", string(r))
		}
	}
	if _, err := url.PathUnescape(u); err != nil {
		return fmt.Errorf(`has a "%%" not followed by two hex digits; write "%%" itself as %%25`)
	}
	scheme, rest, ok := strings.Cut(u, ":")
	switch {
	case !ok && strings.Contains(u, "@"):
		return fmt.Errorf("is not a URI (did you mean %q?)", "mailto:"+u)
	case strings.EqualFold(scheme, "mailto"):
		addr, _, _ := strings.Cut(rest, "?")
		addr, _ = url.PathUnescape(addr)
		local, domain, found := strings.Cut(addr, "@")
		if !found || local == "" || !isHostname(domain) {
			return fmt.Errorf("is not a mailto: URI with one address, as in mailto:tlsrpt@example.org")
		}
	case strings.EqualFold(scheme, "https"):
		p, err := url.Parse(u)
		if err != nil || !isHostname(p.Hostname()) || p.User != nil || p.Opaque != "" {
			return fmt.Errorf("is not an https: URL with a host name, as in https://reports.example.org/tlsrpt")
		}
	default:
		return fmt.Errorf("is neither a mailto: nor an https: URI (RFC 8460 3)")
	}
	return nil
}

// isHostname accepts a name of two or more LDH labels whose last is not all digits.
func isHostname(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
