package spf

import (
	"reflect"
	"strings"
	"testing"
)

func TestScanMacroStringSplitsLiteralsFromMacros(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []piece
	}{
		{"an empty string has no pieces", "", nil},
		{"plain text is one literal", "example.net", []piece{{text: "example.net"}}},
		{"a macro between literals stands alone", "a.%{d2}.b", []piece{{text: "a."}, {macro: true, text: "%{d2}"}, {text: ".b"}}},
		{"escape macros are macros", "%%%_%-", []piece{{macro: true, text: "%%"}, {macro: true, text: "%_"}, {macro: true, text: "%-"}}},
		{"every delimiter is accepted", "%{lr.-+,/_=}", []piece{{macro: true, text: "%{lr.-+,/_=}"}}},
		{"a long digit count is accepted", "%{d128}", []piece{{macro: true, text: "%{d128}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanMacroString(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("scanMacroString(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestScanMacroStringRejectsBadMacros(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"an empty macro is rejected", "%{}", `macro "%{}" has no macro letter`},
		{"a zero label count is rejected even with leading zeros", "%{d00}", `macro "%{d00}" keeps 0 labels...`},
		{"the time macro is rejected outside explanations", "%{t}", `macro letter "t" is only allowed...`},
		{"a second transformer letter is rejected", "%{irr}", `macro "%{irr}": "r" is not a delimiter...`},
		{"a control byte is rejected", "a\x01b", `byte 0x01 is not allowed...`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanMacroString(tt.in)
			if err == nil {
				t.Fatalf("scanMacroString(%q) succeeded, want %q", tt.in, tt.want)
			}
			checkError(t, err.Error(), tt.want)
		})
	}
}

func TestCheckDomainSpecAppliesDomainEndAndLabelRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"a two-label name is accepted", "example.net", true},
		{"a trailing dot is accepted", "example.net.", true},
		{"two trailing dots are rejected", "example.net..", false},
		{"a name ending in a macro is accepted", "_spf.%{d}", true},
		{"a name ending in an escape macro is accepted", "foo%-", true},
		{"a long label that holds a macro is left to the receiver", strings.Repeat("x", 70) + "%{l}.example.net", true},
		{"a literal label of exactly 63 bytes is accepted", strings.Repeat("x", 63) + ".example.net", true},
		{"a literal top-level label over 63 bytes is rejected", "example." + strings.Repeat("x", 64), false},
		{"a dot right after a macro is accepted", "%{d}.example.net", true},
		{"a top-level label starting with a hyphen is rejected", "example.-net", false},
		{"a top-level label ending with a hyphen is rejected", "example.net-", false},
		{"a top-level label with an underscore is rejected", "example.n_t", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDomainSpec(tt.in)
			if tt.ok && err != nil {
				t.Errorf("checkDomainSpec(%q) failed: %v", tt.in, err)
			}
			if !tt.ok && err == nil {
				t.Errorf("checkDomainSpec(%q) succeeded, want an error", tt.in)
			}
		})
	}
}

func TestCheckPrefixLenFollowsTheCIDRGrammar(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		limit  int
		want   int
		err    string
	}{
		{"zero is accepted", "0", 32, 0, ""},
		{"the maximum is accepted", "128", 128, 128, ""},
		{"one over the maximum is rejected", "129", 128, 0, "ip6 prefix length 129 is over 128"},
		{"a huge number is rejected without overflowing", "99999999999999999999999", 32, 0, "ip6 prefix length 99999999999999999999999 is over 32"},
		{"a leading zero is rejected", "08", 32, 0, `ip6 prefix length "08" has a leading zero`},
		{"a missing number is rejected", "", 32, 0, "ip6 prefix length is missing after the slash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkPrefixLen(tt.digits, tt.limit, "ip6")
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("checkPrefixLen(%q) error = %v, want %q", tt.digits, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("checkPrefixLen(%q) = %d, %v, want %d", tt.digits, got, err, tt.want)
			}
		})
	}
}
