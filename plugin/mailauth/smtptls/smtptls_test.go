package smtptls

import (
	"strings"
	"testing"
)

func TestTheIDChangesExactlyWhenThePolicyDoes(t *testing.T) {
	base := STS{Mode: "enforce", MX: []string{"mail.example.org", "*.example.net"}, MaxAge: 86400}
	same := STS{Mode: "enforce", MX: []string{"mail.example.org", "*.example.net"}, MaxAge: 86400}
	if base.ID() != same.ID() {
		t.Errorf("one policy, two ids: %s and %s", base.ID(), same.ID())
	}
	for name, other := range map[string]STS{
		"another mode":    {Mode: "testing", MX: base.MX, MaxAge: 86400},
		"another max_age": {Mode: "enforce", MX: base.MX, MaxAge: 86401},
		"one mx fewer":    {Mode: "enforce", MX: base.MX[:1], MaxAge: 86400},
		"mx reordered":    {Mode: "enforce", MX: []string{"*.example.net", "mail.example.org"}, MaxAge: 86400},
	} {
		if other.ID() == base.ID() {
			t.Errorf("%s: the id stays %s", name, base.ID())
		}
	}
	if id := base.ID(); len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("id %q is not 16 hex digits (RFC 8461 3.1 allows 1 to 32 alphanumerics)", id)
	}
	if want := "version: STSv1\nmode: enforce\nmx: mail.example.org\nmx: *.example.net\nmax_age: 86400\n"; base.Text() != want {
		t.Errorf("text %q, want %q", base.Text(), want)
	}
	if base.Record() != "v=STSv1; id="+base.ID() {
		t.Errorf("record %q", base.Record())
	}
}

func TestPatternsMatchAsSendersMatchThem(t *testing.T) {
	s := STS{Mode: "enforce", MX: []string{"mail.example.org", "*.example.net"}}
	for host, want := range map[string]bool{
		"mail.example.org":   true,
		"mx1.example.net":    true,
		"example.net":        false, // the wildcard needs a label in its place
		"a.mx1.example.net":  false, // and stands for exactly one
		"mail2.example.org":  false,
		"mail.example.org.x": false,
	} {
		if got := s.Matches(host); got != want {
			t.Errorf("Matches(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		sts  STS
		want string
	}{
		{STS{Mode: "enforce", MX: []string{"mail.example.org"}, MaxAge: 1}, ""},
		{STS{Mode: "none"}, ""},
		{STS{Mode: "Enforce", MX: []string{"mail.example.org"}}, `mode: "Enforce" is not one of enforce, testing, none`},
		{STS{Mode: "testing"}, "mx: list the MX hosts senders may deliver to (patterns such as mail.example.org or *.example.net); mode testing needs at least one"},
		{STS{Mode: "testing", MX: []string{"mail"}}, `mx: "mail" is not a host name pattern such as mail.example.org or *.example.net`},
		{STS{Mode: "testing", MX: []string{"mail.example.org."}}, `mx: "mail.example.org.": write it without the trailing dot, as the policy file holds it`},
		{STS{Mode: "none", MaxAge: MaxAge + 1}, "max_age: 31557601 is over 31557600, the year RFC 8461 3.2 allows"},
	} {
		err := tc.sts.Validate()
		if got := ""; err != nil {
			got = err.Error()
			if got != tc.want {
				t.Errorf("%+v: %q, want %q", tc.sts, got, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("%+v: valid, want %q", tc.sts, tc.want)
		}
	}
}

func TestTLSRPT(t *testing.T) {
	for _, tc := range []struct {
		rua  []string
		want string
	}{
		{[]string{"mailto:tls@example.org", "https://reports.example.org/v1/tlsrpt"}, ""},
		{[]string{"mailto:tls@example.org?subject=tls"}, ""},
		{nil, `rua: list at least one URI to send reports to, as in "mailto:tlsrpt@example.org"`},
		{[]string{"tls@example.org"}, `rua: "tls@example.org" is not a URI (did you mean "mailto:tls@example.org"?)`},
		{[]string{"mailto:a@example.org,b@example.org"}, `rua: "mailto:a@example.org,b@example.org" contains ","; write it as %2C because a comma separates URIs`},
		{[]string{"mailto:tls@localhost"}, `rua: "mailto:tls@localhost" is not a mailto: URI with one address, as in mailto:tlsrpt@example.org`},
		{[]string{"https://192.0.2.1/r"}, `rua: "https://192.0.2.1/r" is not an https: URL with a host name, as in https://reports.example.org/tlsrpt`},
		{[]string{"http://reports.example.org/r"}, `rua: "http://reports.example.org/r" is neither a mailto: nor an https: URI (RFC 8460 3)`},
	} {
		r := TLSRPT{RUA: tc.rua}
		got := ""
		if err := r.Validate(); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.rua, got, tc.want)
		}
	}
	if got := (TLSRPT{RUA: []string{"mailto:a@example.org", "https://r.example.org/x"}}).Record(); got != "v=TLSRPTv1; rua=mailto:a@example.org,https://r.example.org/x" {
		t.Errorf("record %q", got)
	}
}
