package spf

import (
	"errors"
	"fmt"
	"strings"
)

// piece is one element of a macro-string: a run of macro-literal characters
// or a single macro-expand. Keeping them apart lets the domain-spec checks
// tell literal labels, which can be checked now, from labels that are only
// known once a receiver expands the macros.
type piece struct {
	macro bool
	text  string
}

// scanMacroString splits s into pieces and reports the first violation of
// the RFC 7208 section 7.1 macro-string grammar.
func scanMacroString(s string) ([]piece, error) {
	var pieces []piece
	lit := 0 // start of the pending literal run
	flush := func(end int) {
		if end > lit {
			pieces = append(pieces, piece{text: s[lit:end]})
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			if c < 0x21 || c > 0x7e {
				return nil, fmt.Errorf("byte 0x%02x is not allowed (SPF terms are printable ASCII)", c)
			}
			i++
			continue
		}
		flush(i)
		if i+1 == len(s) {
			return nil, errors.New(`a bare "%" ends the term; write "%%" for a literal percent sign`)
		}
		switch s[i+1] {
		case '%', '_', '-':
			pieces = append(pieces, piece{macro: true, text: s[i : i+2]})
			i += 2
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf(`macro %q has no closing "}"`, s[i:])
			}
			m := s[i : i+end+1]
			if err := checkMacro(m); err != nil {
				return nil, err
			}
			pieces = append(pieces, piece{macro: true, text: m})
			i += end + 1
		default:
			return nil, fmt.Errorf(`%q is not a macro: "%%" must be followed by "{", "%%", "_" or "-" (write "%%%%" for a literal percent sign)`, s[i:i+2])
		}
		lit = i
	}
	flush(len(s))
	return pieces, nil
}

// checkMacro checks a "%{...}" macro: a macro letter, transformers (digits
// and an optional "r") and delimiters.
func checkMacro(m string) error {
	body := m[2 : len(m)-1]
	if body == "" {
		return fmt.Errorf("macro %q has no macro letter", m)
	}
	letter := body[0]
	switch lower(letter) {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		// RFC 7208 7.2 allows these only in the explanation text that exp=
		// points to; the RFC 7208 test suite (exp-only-macro-char) makes
		// "exp=%{r}.example.com" a permerror, so no term may use them.
		return fmt.Errorf("macro letter %q is only allowed in the explanation text an exp= record points to, not in a term (RFC 7208 7.2)", string(letter))
	default:
		return fmt.Errorf("unknown macro letter %q", string(letter))
	}
	rest := body[1:]
	digits := 0
	for digits < len(rest) && isDigit(rest[digits]) {
		digits++
	}
	if digits > 0 && strings.Trim(rest[:digits], "0") == "" {
		return fmt.Errorf("macro %q keeps 0 labels; the count must be 1 or more (RFC 7208 7.3)", m)
	}
	rest = rest[digits:]
	if rest != "" && lower(rest[0]) == 'r' {
		rest = rest[1:]
	}
	for i := 0; i < len(rest); i++ {
		if !strings.ContainsRune(".-+,/_=", rune(rest[i])) {
			return fmt.Errorf(`macro %q: %q is not a delimiter (use any of . - + , / _ =)`, m, string(rest[i]))
		}
	}
	return nil
}

// checkDomainSpec checks a domain-spec: a macro-string that ends in a macro
// or in "." and a top-level label. Beyond the ABNF it rejects empty and
// over-long literal labels, which no DNS query can be built from.
func checkDomainSpec(spec string) error {
	pieces, err := scanMacroString(spec)
	if err != nil {
		return err
	}
	if err := checkDomainEnd(spec, pieces); err != nil {
		return err
	}
	return checkLabels(spec, pieces)
}

// checkDomainEnd applies domain-end = ( "." toplabel [ "." ] ) / macro-expand.
func checkDomainEnd(spec string, pieces []piece) error {
	if len(pieces) == 0 {
		return errors.New("the domain is empty")
	}
	last := pieces[len(pieces)-1]
	if last.macro {
		return nil
	}
	text := strings.TrimSuffix(last.text, ".")
	dot := strings.LastIndexByte(text, '.')
	if dot < 0 {
		return fmt.Errorf(`domain %q must end in "." and a top-level label (as in "example.net") or in a macro`, spec)
	}
	if top := text[dot+1:]; !isTopLabel(top) {
		return fmt.Errorf("domain %q ends in %q, which is not a top-level label (letters, digits and inner hyphens, not only digits)", spec, top)
	}
	return nil
}

// isTopLabel implements toplabel = ( *alphanum ALPHA *alphanum ) /
// ( 1*alphanum "-" *( alphanum / "-" ) alphanum ); the second form lets
// IDN labels such as "xn--zckzah" through and, as written, digits too.
func isTopLabel(s string) bool {
	if s == "" {
		return false
	}
	alpha, hyphen := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isAlpha(c):
			alpha = true
		case isDigit(c):
		case c == '-':
			hyphen = true
		default:
			return false
		}
	}
	if hyphen {
		return s[0] != '-' && s[len(s)-1] != '-'
	}
	return alpha
}

// checkLabels rejects empty labels and literal labels over 63 bytes; labels
// holding a macro are left to the receiver because their length is unknown.
func checkLabels(spec string, pieces []piece) error {
	size, macro := 0, false
	end := func() error {
		if !macro && size > 63 {
			return fmt.Errorf("domain %q has a label of %d bytes; DNS allows at most 63", spec, size)
		}
		return nil
	}
	for _, p := range pieces {
		if p.macro {
			macro = true
			continue
		}
		for i := 0; i < len(p.text); i++ {
			if p.text[i] != '.' {
				size++
				continue
			}
			if size == 0 && !macro {
				return fmt.Errorf("domain %q has an empty label (a leading dot or two dots in a row)", spec)
			}
			if err := end(); err != nil {
				return err
			}
			size, macro = 0, false
		}
	}
	return end()
}

// checkPrefixLen parses a CIDR length written as ip4-cidr-length or
// ip6-cidr-length, which allow no leading zero.
func checkPrefixLen(digits string, limit int, what string) (int, error) {
	if digits == "" {
		return 0, fmt.Errorf("%s prefix length is missing after the slash", what)
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return 0, fmt.Errorf("%s prefix length %q is not a number", what, digits)
		}
		if n <= limit { // stop growing once over the limit so huge inputs cannot overflow
			n = n*10 + int(digits[i]-'0')
		}
	}
	if len(digits) > 1 && digits[0] == '0' {
		return 0, fmt.Errorf("%s prefix length %q has a leading zero", what, digits)
	}
	if n > limit {
		return 0, fmt.Errorf("%s prefix length %s is over %d", what, digits, limit)
	}
	return n, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return 'a' <= lower(c) && lower(c) <= 'z' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
