// Package spf checks the syntax of the SPF terms listed in the mail policy
// file and builds the SPF record text published for a domain.
//
// Each term is checked against the ABNF of RFC 7208 section 12 and the
// macro rules of RFC 7208 section 7, so that a record the product publishes
// never makes receivers return permerror for a syntax mistake.
package spf

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
)

// Term is one parsed SPF term.
type Term struct {
	Qualifier byte   // '+', '-', '~', '?' or 0 when absent (mechanisms only)
	Name      string // lower-case mechanism or modifier name: "all","include","a","mx","ptr","ip4","ip6","exists","redirect","exp", or an unknown modifier's name
	Modifier  bool   // true for name=value terms
	Value     string // the part after ':' or '=' ("" when absent), CIDR suffix excluded for a/mx but kept for ip4/ip6
	Prefix4   int    // IPv4 CIDR length of a/mx/ip4, -1 when absent
	Prefix6   int    // IPv6 CIDR length of a/mx/ip6, -1 when absent
	Text      string // the term exactly as given
}

// Lookups reports whether the term causes a DNS lookup counted toward RFC 7208 4.6.4's limit of 10 (include, a, mx, ptr, exists, redirect).
func (t Term) Lookups() bool {
	if t.Modifier {
		return t.Name == "redirect"
	}
	switch t.Name {
	case "include", "a", "mx", "ptr", "exists":
		return true
	}
	return false
}

// ParseTerm parses one SPF term and reports the first syntax error, naming the term.
func ParseTerm(s string) (Term, error) {
	t, err := parseTerm(s)
	if err != nil {
		return Term{}, fmt.Errorf("SPF term %q: %w", s, err)
	}
	return t, nil
}

// ParseTerms parses every term and checks the record-level rules: "v=spf1" must not be listed (the product adds it),
// redirect and exp each at most once (RFC 7208 6), no empty term, no whitespace inside a term.
func ParseTerms(terms []string) ([]Term, error) {
	out := make([]Term, 0, len(terms))
	seen := map[string]bool{}
	for i, s := range terms {
		if s == "" {
			return nil, fmt.Errorf("SPF term %d of %d is empty", i+1, len(terms))
		}
		t, err := ParseTerm(s)
		if err != nil {
			return nil, err
		}
		if t.Modifier && t.Name == "v" && strings.EqualFold(t.Value, "spf1") {
			return nil, fmt.Errorf("SPF term %q: remove it; the product writes the version itself", s)
		}
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			if seen[t.Name] {
				return nil, fmt.Errorf("SPF term %q: %s is given more than once; RFC 7208 6 allows it once per record", s, t.Name)
			}
			seen[t.Name] = true
		}
		out = append(out, t)
	}
	return out, nil
}

// Record returns "v=spf1" followed by the terms separated by single spaces ("v=spf1" alone when there are none).
func Record(terms []Term) string {
	var b strings.Builder
	b.WriteString("v=spf1")
	for _, t := range terms {
		b.WriteByte(' ')
		b.WriteString(t.Text)
	}
	return b.String()
}

// mechanisms lists the RFC 7208 5 mechanism names, used to tell a typo'd
// mechanism from a modifier.
var mechanisms = map[string]bool{
	"all": true, "include": true, "a": true, "mx": true, "ptr": true,
	"ip4": true, "ip6": true, "exists": true,
}

func parseTerm(s string) (Term, error) {
	if s == "" {
		return Term{}, errors.New("the term is empty")
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			return Term{}, errors.New("the term contains whitespace; list each term as its own entry")
		}
		if r < 0x21 || r > 0x7e {
			return Term{}, fmt.Errorf("character %q is not allowed (SPF terms are printable ASCII)", string(r))
		}
	}
	t := Term{Text: s, Prefix4: -1, Prefix6: -1}
	rest := s
	if strings.IndexByte("+-~?", rest[0]) >= 0 {
		t.Qualifier = rest[0]
		rest = rest[1:]
		if rest == "" {
			return Term{}, fmt.Errorf("qualifier %q needs a mechanism after it", string(t.Qualifier))
		}
	}
	// RFC 7208 4.6.1: a term is a modifier when "=" comes before any ":" or "/".
	if i := strings.IndexAny(rest, ":/="); i >= 0 && rest[i] == '=' {
		if t.Qualifier != 0 {
			return Term{}, fmt.Errorf("modifier %q cannot take the qualifier %q", rest[:i], string(t.Qualifier))
		}
		return parseModifier(t, rest[:i], rest[i+1:])
	}
	return parseMechanism(t, rest)
}

func parseModifier(t Term, name, value string) (Term, error) {
	if !isModifierName(name) {
		return Term{}, fmt.Errorf(`modifier name %q must start with a letter and hold only letters, digits, "-", "_" and "."`, name)
	}
	t.Modifier = true
	t.Name = strings.ToLower(name)
	t.Value = value
	switch {
	case t.Name == "redirect" || t.Name == "exp":
		if value == "" {
			return Term{}, fmt.Errorf("%s needs a domain", t.Name)
		}
		if err := checkDomainSpec(value); err != nil {
			return Term{}, err
		}
	case t.Name == "all":
		return Term{}, errors.New(`all is a mechanism that takes no value; write just "all"`)
	case mechanisms[t.Name]:
		// Valid ABNF for an unknown modifier, but receivers would then
		// ignore it, silently dropping what was meant as a mechanism.
		return Term{}, fmt.Errorf(`%s is a mechanism, not a modifier; write "%s:" instead of "%s="`, t.Name, name, name)
	default:
		if _, err := scanMacroString(value); err != nil {
			return Term{}, err
		}
	}
	return t, nil
}

// isModifierName implements name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
func isModifierName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func parseMechanism(t Term, rest string) (Term, error) {
	name, arg := rest, ""
	if i := strings.IndexAny(rest, ":/"); i >= 0 {
		name, arg = rest[:i], rest[i:]
	}
	t.Name = strings.ToLower(name)
	switch t.Name {
	case "":
		return Term{}, errors.New("the mechanism name is missing")
	case "all":
		if arg != "" {
			return Term{}, fmt.Errorf("all takes no argument; remove %q", arg)
		}
	case "include", "exists":
		if arg == "" || arg == ":" {
			return Term{}, fmt.Errorf(`%s needs a domain, as in "%s:example.net"`, t.Name, t.Name)
		}
		if arg[0] != ':' {
			return Term{}, fmt.Errorf("%s takes no CIDR prefix length", t.Name)
		}
		t.Value = arg[1:]
		if err := checkNoCIDR(t.Name, t.Value); err != nil {
			return Term{}, err
		}
		if err := checkDomainSpec(t.Value); err != nil {
			return Term{}, err
		}
	case "ptr":
		if arg != "" && arg[0] != ':' {
			return Term{}, errors.New("ptr takes no CIDR prefix length")
		}
		if arg == ":" {
			return Term{}, errors.New(`ptr needs a domain after ":" (or no ":" at all)`)
		}
		if arg != "" {
			t.Value = arg[1:]
			if err := checkNoCIDR(t.Name, t.Value); err != nil {
				return Term{}, err
			}
			if err := checkDomainSpec(t.Value); err != nil {
				return Term{}, err
			}
		}
	case "a", "mx":
		return parseAddressMechanism(t, arg)
	case "ip4", "ip6":
		return parseNetwork(t, arg)
	case "redirect", "exp":
		return Term{}, fmt.Errorf(`%s is a modifier; write "%s=" instead of "%s:"`, t.Name, name, name)
	default:
		return Term{}, fmt.Errorf("unknown mechanism %q", name)
	}
	return t, nil
}

// checkNoCIDR gives a clearer error than the domain-end rule for a CIDR
// length after a domain on a mechanism that takes none; no valid
// domain-spec ends in "/" and digits, so nothing valid is refused.
func checkNoCIDR(name, domain string) error {
	if d, rest := trailingDigits(domain); d != "" && strings.HasSuffix(rest, "/") {
		return fmt.Errorf("%s takes no CIDR prefix length", name)
	}
	return nil
}

// parseAddressMechanism handles a and mx:
// [ ":" domain-spec ] [ dual-cidr-length ].
func parseAddressMechanism(t Term, arg string) (Term, error) {
	var err error
	// The CIDR suffix is taken from the end because "/" may also appear in
	// a domain-spec as a macro-literal.
	if d, rest := trailingDigits(arg); strings.HasSuffix(rest, "//") {
		if t.Prefix6, err = checkPrefixLen(d, 128, "IPv6"); err != nil {
			return Term{}, err
		}
		arg = strings.TrimSuffix(rest, "//")
	}
	if d, rest := trailingDigits(arg); strings.HasSuffix(rest, "/") && !strings.HasSuffix(rest, "//") {
		if t.Prefix4, err = checkPrefixLen(d, 32, "IPv4"); err != nil {
			return Term{}, err
		}
		arg = strings.TrimSuffix(rest, "/")
	}
	switch {
	case arg == "":
		return t, nil
	case arg == ":":
		return Term{}, fmt.Errorf(`%s needs a domain after ":" (or no ":" at all)`, t.Name)
	case arg[0] != ':':
		return Term{}, fmt.Errorf(`%s has a malformed CIDR suffix %q; write "/24" for IPv4, "//64" for IPv6 or "/24//64" for both`, t.Name, arg)
	}
	t.Value = arg[1:]
	if err := checkDomainSpec(t.Value); err != nil {
		return Term{}, err
	}
	return t, nil
}

// trailingDigits splits s into what precedes its trailing digits and those digits.
func trailingDigits(s string) (digits, rest string) {
	i := len(s)
	for i > 0 && isDigit(s[i-1]) {
		i--
	}
	if i == len(s) {
		return "", s
	}
	return s[i:], s[:i]
}

// parseNetwork handles ip4 and ip6: ":" network [ "/" length ].
func parseNetwork(t Term, arg string) (Term, error) {
	example := "ip4:192.0.2.0/24"
	if t.Name == "ip6" {
		example = "ip6:2001:db8::/32"
	}
	if arg == "" || arg == ":" || arg[0] != ':' {
		return Term{}, fmt.Errorf("%s needs an address, as in %q", t.Name, example)
	}
	t.Value = arg[1:]
	text, length, hasLength := strings.Cut(t.Value, "/")
	addr, err := netip.ParseAddr(text)
	switch {
	case err != nil:
		return Term{}, fmt.Errorf("%s address %q is not valid; write it as in %q", t.Name, text, example)
	case addr.Zone() != "":
		return Term{}, fmt.Errorf("%s address %q must not have a zone", t.Name, text)
	case t.Name == "ip4" && !addr.Is4():
		return Term{}, fmt.Errorf("%q is an IPv6 address; use ip6: for it", text)
	case t.Name == "ip6" && !addr.Is6():
		return Term{}, fmt.Errorf("%q is an IPv4 address; use ip4: for it", text)
	}
	if !hasLength {
		return t, nil
	}
	if t.Name == "ip4" {
		t.Prefix4, err = checkPrefixLen(length, 32, "ip4")
	} else {
		t.Prefix6, err = checkPrefixLen(length, 128, "ip6")
	}
	if err != nil {
		return Term{}, err
	}
	return t, nil
}
