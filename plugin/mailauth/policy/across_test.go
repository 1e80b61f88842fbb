package policy_test

import (
	"strings"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// loadWarnings loads body, which must load, and returns its path and policy.
func loadWarnings(t *testing.T, body string) (string, *policy.Policy) {
	t.Helper()
	path, p, err := loadBody(t, body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return path, p
}

// assertMessages checks that got is exactly want, each line prefixed with "path:".
func assertMessages(t *testing.T, path string, got policy.Errors, want ...string) {
	t.Helper()
	lines := make([]string, len(want))
	for i, w := range want {
		lines[i] = path + ":" + w
	}
	if g, w := got.Error(), strings.Join(lines, "\n"); g != w {
		t.Errorf("wrong messages\n got: %s\nwant: %s", strings.ReplaceAll(g, "\n", "\n      "), strings.ReplaceAll(w, "\n", "\n      "))
	}
	if len(got) != len(want) {
		t.Errorf("%d messages, want %d", len(got), len(want))
	}
}

func TestWarningsComeInFileOrderAndDoNotStopTheLoad(t *testing.T) {
	// The checker looks at domains in name order; the file lists them the other way round.
	body := `domains:
  b.example.org:
    spf: [ptr, "+all"]
  a.example.org:
    spf: [all]
`
	path, p := loadWarnings(t, body)
	if len(p.Domains) != 2 || p.Domains[0].SPF != "v=spf1 all" {
		t.Errorf("domains %+v, want both loaded", p.Domains)
	}
	assertMessages(t, path, p.Warnings,
		`3:11: SPF term "ptr": do not use ptr (RFC 7208 5.5): it is slow, unreliable and ignored by some receivers; list the addresses with ip4:, ip6: or a: instead`,
		`3:16: SPF term "+all" lets every address on the Internet send mail as b.example.org; end the record with "~all" or "-all"`,
		`5:11: SPF term "all" lets every address on the Internet send mail as a.example.org; end the record with "~all" or "-all"`,
	)
}

func TestAPolicyWithErrorsReportsThemAlone(t *testing.T) {
	path, p, err := loadBody(t, "domains:\n  example.org:\n    spf: [ptr, bogus]\n")
	assertErrors(t, path, p, err, `3:16: SPF term "bogus": unknown mechanism "bogus"`)
}
