package smtptls

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// stsRecord is the TXT record grammar of RFC 8461 3.1: the version first, then id, 1 to 32
// alphanumerics, fields separated by ";" with optional whitespace around it.
var stsRecord = regexp.MustCompile(`^v=STSv1[ \t]*;[ \t]*id=[A-Za-z0-9]{1,32}[ \t]*;?$`)

func TestTheRecordFollowsTheGrammarOfRFC8461(t *testing.T) {
	for _, s := range []STS{
		{Mode: "none"},
		{Mode: "none", MaxAge: MaxAge},
		{Mode: "testing", MX: []string{"mail.example.org"}, MaxAge: 86400},
		{Mode: "enforce", MX: []string{"mail.example.org", "*.example.net", "mx-2.example.com"}, MaxAge: 604800},
	} {
		if rec := s.Record(); !stsRecord.MatchString(rec) {
			t.Errorf("%+v: record %q does not match the grammar of RFC 8461 3.1", s, rec)
		}
	}
}

// The policy file a sender fetches must parse as RFC 8461 3.2 says: "version: STSv1" first, one
// "key: value" per line ending in LF, mode one of three, max_age 1 to 10 digits, and an mx line
// per pattern, in the order given.
func TestThePolicyTextFollowsRFC8461(t *testing.T) {
	for _, s := range []STS{
		{Mode: "none"},
		{Mode: "testing", MX: []string{"mail.example.org"}, MaxAge: 0},
		{Mode: "enforce", MX: []string{"mx2.example.org", "*.example.net", "mx1.example.org"}, MaxAge: MaxAge},
	} {
		text := s.Text()
		if !strings.HasSuffix(text, "\n") || strings.Contains(text, "\r") {
			t.Errorf("%+v: %q: lines must end in LF", s, text)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if lines[0] != "version: STSv1" {
			t.Errorf("%+v: first line %q, want version: STSv1", s, lines[0])
		}
		var mode, maxAge string
		var mx []string
		for _, l := range lines[1:] {
			key, value, ok := strings.Cut(l, ": ")
			if !ok || value == "" || strings.TrimSpace(value) != value {
				t.Errorf("%+v: line %q is not key: value", s, l)
				continue
			}
			switch key {
			case "mode":
				mode = value
			case "mx":
				mx = append(mx, value)
			case "max_age":
				maxAge = value
			default:
				t.Errorf("%+v: unexpected line %q", s, l)
			}
		}
		if mode != s.Mode {
			t.Errorf("%+v: mode %q", s, mode)
		}
		if strings.Join(mx, " ") != strings.Join(s.MX, " ") {
			t.Errorf("%+v: mx lines %q, want %q in that order", s, mx, s.MX)
		}
		if n, err := strconv.ParseUint(maxAge, 10, 32); err != nil || len(maxAge) > 10 || uint32(n) != s.MaxAge {
			t.Errorf("%+v: max_age %q", s, maxAge)
		}
	}
}

func TestTheIDIsDerivedFromTheWholeText(t *testing.T) {
	// The id stands for the text a sender fetches: the same text gives the same id, and texts that
	// differ in one line, a repeated mx line included, give different ids.
	a := STS{Mode: "enforce", MX: []string{"a.example.org", "b.example.org"}, MaxAge: 1}
	b := STS{Mode: "enforce", MX: append([]string(nil), a.MX...), MaxAge: 1}
	if a.ID() != b.ID() {
		t.Errorf("equal policies, ids %s and %s", a.ID(), b.ID())
	}
	ids := map[string]STS{}
	for _, s := range []STS{
		{Mode: "none", MaxAge: 1},
		{Mode: "none", MaxAge: 10},
		{Mode: "testing", MX: []string{"a.example.org"}, MaxAge: 1},
		{Mode: "testing", MX: []string{"a.example.org", "a.example.org"}, MaxAge: 1},
		{Mode: "testing", MX: []string{"*.example.org"}, MaxAge: 1},
	} {
		if other, dup := ids[s.ID()]; dup {
			t.Errorf("%+v and %+v share id %s", s, other, s.ID())
		}
		ids[s.ID()] = s
	}
}

func TestValidateAcceptsTheBoundsOfRFC8461(t *testing.T) {
	for _, s := range []STS{
		{Mode: "none", MaxAge: 0},
		{Mode: "none", MaxAge: MaxAge},
		{Mode: "testing", MX: []string{"*.example.net"}},
		{Mode: "enforce", MX: []string{"mail.example.org", "mx-1.mail.example.org", "*.example.net"}, MaxAge: 604800},
	} {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	if MaxAge != 31557600 {
		t.Errorf("MaxAge %d, want 31557600 (RFC 8461 3.2)", MaxAge)
	}
}

func TestValidateNamesWhatIsWrong(t *testing.T) {
	tests := []struct {
		name string
		sts  STS
		want string
	}{
		{"no mode", STS{MX: []string{"mail.example.org"}}, `mode: "" is not one of enforce, testing, none`},
		{"a mode of another draft", STS{Mode: "report", MX: []string{"mail.example.org"}}, `mode: "report" is not one of enforce, testing, none`},
		{"enforce without mx", STS{Mode: "enforce"}, "mx: list the MX hosts senders may deliver to (patterns such as mail.example.org or *.example.net); mode enforce needs at least one"},
		{"a bad pattern under mode none", STS{Mode: "none", MX: []string{"mail"}}, `mx: "mail" is not a host name pattern such as mail.example.org or *.example.net`},
		{"the mode is checked before the patterns", STS{Mode: "strict", MX: []string{"mail"}}, `mode: "strict" is not one of enforce, testing, none`},
		{"max_age over a year", STS{Mode: "testing", MX: []string{"mail.example.org"}, MaxAge: 1<<32 - 1}, "max_age: 4294967295 is over 31557600, the year RFC 8461 3.2 allows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.sts.Validate()
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestAnMXErrorSaysWhichPattern(t *testing.T) {
	s := STS{Mode: "enforce", MX: []string{"mail.example.org", "mx1.example.org", "mx 2.example.org", "*"}}
	err := s.Validate()
	var mxErr *MXError
	if !errors.As(err, &mxErr) {
		t.Fatalf("%v is not an *MXError", err)
	}
	if mxErr.Index != 2 {
		t.Errorf("index %d, want 2: the first bad pattern", mxErr.Index)
	}
	if want := CheckPattern("mx 2.example.org").Error(); mxErr.Err.Error() != want || err.Error() != "mx: "+want {
		t.Errorf("error %q wraps %q, want the pattern's own error %q", err, mxErr.Err, want)
	}
	if err := (STS{Mode: "banana"}).Validate(); errors.As(err, &mxErr) {
		t.Errorf("a bad mode is reported as an *MXError: %v", err)
	}
}

// RFC 8461 3.2: sts-policy-mx-value = ["*."] Domain, with Domain from RFC 5321 4.1.2: labels of
// letters, digits and hyphens that begin and end with a letter or digit.
func TestCheckPattern(t *testing.T) {
	notAPattern := func(p string) string {
		return strconv.Quote(p) + " is not a host name pattern such as mail.example.org or *.example.net"
	}
	wildcard := func(p string) string {
		return strconv.Quote(p) + `: a wildcard may only be the whole first label, as in "*.example.net"`
	}
	tests := []struct {
		pattern string
		want    string // "" for a valid pattern
	}{
		{"mail.example.org", ""},
		{"*.example.net", ""},
		{"*.mx.example.net", ""},
		{"mx-1.example.org", ""},
		{"1mx.example.org", ""},
		{"xn--mil-moa.example.org", ""}, // an A-label
		{strings.Repeat("a", 63) + ".example.org", ""},

		{"", notAPattern("")},
		{"mail", notAPattern("mail")},
		{"*.org", notAPattern("*.org")},
		{"mail..example.org", notAPattern("mail..example.org")},
		{".example.org", notAPattern(".example.org")},
		{"mail example.org", notAPattern("mail example.org")},
		{"mail.example.org:25", notAPattern("mail.example.org:25")},
		{"postmaster@example.org", notAPattern("postmaster@example.org")},
		{"https://mail.example.org", notAPattern("https://mail.example.org")},
		{"_mx.example.org", notAPattern("_mx.example.org")},
		{"-mx.example.org", notAPattern("-mx.example.org")},
		{"mx-.example.org", notAPattern("mx-.example.org")},
		{"mäil.example.org", notAPattern("mäil.example.org")},
		{`mail\.x.example.org`, notAPattern(`mail\.x.example.org`)},
		{`mail\046x.example.org`, notAPattern(`mail\046x.example.org`)},
		{strings.Repeat("a", 64) + ".example.org", notAPattern(strings.Repeat("a", 64) + ".example.org")},
		{"192.0.2.25", notAPattern("192.0.2.25")},

		{"*", wildcard("*")},
		{"*example.org", wildcard("*example.org")},
		{"mx*.example.org", wildcard("mx*.example.org")},
		{"mail.*.example.org", wildcard("mail.*.example.org")},
		{"*.*.example.org", wildcard("*.*.example.org")},

		{"mail.example.org.", `"mail.example.org.": write it without the trailing dot, as the policy file holds it`},
		{"*.example.net.", `"*.example.net.": write it without the trailing dot, as the policy file holds it`},
	}
	for _, tt := range tests {
		err := CheckPattern(tt.pattern)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckPattern(%q): %v, want it valid", tt.pattern, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("CheckPattern(%q): %v, want %q", tt.pattern, err, tt.want)
		}
	}
}

// RFC 8461 4.1: a pattern "*." matches exactly one label in its place, and any other pattern the
// host name itself.
func TestMatchesEdgeCases(t *testing.T) {
	tests := []struct {
		mx   []string
		host string
		want bool
	}{
		{nil, "mail.example.org", false},
		{[]string{"*.example.net"}, ".example.net", false}, // an empty label is no label
		{[]string{"*.example.net"}, "mx.example.net.evil.example", false},
		{[]string{"*.example.net"}, "mxexample.net", false},
		{[]string{"*.mail.example.net"}, "a.mail.example.net", true},
		{[]string{"*.mail.example.net"}, "mail.example.net", false},
		{[]string{"mail.example.org"}, "xmail.example.org", false},
		{[]string{"mail.example.org"}, "mail.example.org.", false}, // hosts come without the dot
		{[]string{"a.example.org", "*.example.net"}, "b.example.net", true},
		{[]string{"a.example.org", "*.example.net"}, "a.example.org", true},
	}
	for _, tt := range tests {
		if got := (STS{Mode: "enforce", MX: tt.mx}).Matches(tt.host); got != tt.want {
			t.Errorf("patterns %q, Matches(%q) = %v, want %v", tt.mx, tt.host, got, tt.want)
		}
	}
}
