package dmarc

import (
	"fmt"
	"net/url"
	"strings"
)

// checkURI checks one report URI against RFC 7489 6.2 and 6.4:
// dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ], where the URI
// (RFC 3986) must percent-encode "," and "!" because they delimit the list
// and the size; ";" is refused too because it would end the tag.
func checkURI(u string) error {
	for _, r := range u {
		switch {
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			return fmt.Errorf("%q contains whitespace", u)
		case r < 0x21 || r > 0x7e:
			return fmt.Errorf("%q contains %q; percent-encode it", u, string(r))
		}
	}
	uri, size, hasSize := strings.Cut(u, "!")
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || !isScheme(scheme) {
		if !ok && strings.Contains(uri, "@") {
			return fmt.Errorf("%q is not a URI (did you mean %q?)", u, "mailto:"+u)
		}
		return fmt.Errorf(`%q is not a URI; it must start with a scheme such as "mailto:"`, u)
	}
	if hasSize && !isSize(size) {
		return fmt.Errorf(`%q has a malformed size limit %q; write "!", digits and an optional unit k, m, g or t, as in "!10m" (a "!" inside the URI must be written %%21)`, u, "!"+size)
	}
	if rest == "" {
		return fmt.Errorf("%q has nothing after %q", u, scheme+":")
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == ',':
			return fmt.Errorf(`%q contains ","; write it as %%2C because a comma separates URIs`, u)
		case c == ';':
			return fmt.Errorf(`%q contains ";"; write it as %%3B because a semicolon ends the tag`, u)
		case c == '%':
			if i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2]) {
				return fmt.Errorf(`%q has a "%%" that is not followed by two hex digits`, u)
			}
		case !isURIChar(c):
			return fmt.Errorf("%q contains %q, which a URI cannot hold unescaped", u, string(c))
		}
	}
	if strings.EqualFold(scheme, "mailto") {
		return checkMailto(u)
	}
	return nil
}

// checkMailto checks that a mailto: URI names exactly one deliverable
// address, since reports are sent to it and its domain may need the
// RFC 7489 7.1 authorization record.
func checkMailto(u string) error {
	local, domain, _ := mailtoAddress(u)
	switch {
	case local == "" && domain == "" && !strings.Contains(u, "@"):
		return fmt.Errorf(`%q has no "@"; a mailto address needs a local part and a domain`, u)
	case local == "":
		return fmt.Errorf(`%q has no local part before "@"`, u)
	case domain == "":
		return fmt.Errorf(`%q has no domain after "@"`, u)
	case !isHostname(domain):
		return fmt.Errorf("%q has the invalid domain %q; it needs at least two dot-separated labels of letters, digits and inner hyphens", u, domain)
	}
	return nil
}

// mailtoAddress returns the local part and domain of a mailto: report URI,
// percent-decoded; ok is false for other schemes.
func mailtoAddress(u string) (local, domain string, ok bool) {
	uri, _, _ := strings.Cut(u, "!")
	scheme, rest, found := strings.Cut(uri, ":")
	if !found || !strings.EqualFold(scheme, "mailto") {
		return "", "", false
	}
	addr, _, _ := strings.Cut(rest, "?") // drop RFC 6068 header fields
	if decoded, err := url.PathUnescape(addr); err == nil {
		addr = decoded
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", "", true
	}
	return addr[:at], addr[at+1:], true
}

// isScheme implements scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isSize implements 1*DIGIT [ "k" / "m" / "g" / "t" ].
func isSize(s string) bool {
	if s == "" {
		return false
	}
	if strings.ContainsRune("kmgtKMGT", rune(s[len(s)-1])) {
		s = s[:len(s)-1]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isURIChar reports whether c may appear unescaped in an RFC 3986 URI
// (unreserved or reserved characters).
func isURIChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0
}

// isHostname accepts an LDH domain of two or more labels whose last label
// is not all digits, so IP literals and bare hosts are refused.
func isHostname(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}
