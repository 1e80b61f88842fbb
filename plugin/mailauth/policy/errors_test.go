package policy

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorTextLeavesOutAnUnknownPosition(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"a line and column", &Error{File: "mail.yaml", Line: 14, Col: 7, Msg: "m"}, "mail.yaml:14:7: m"},
		{"a line without a column", &Error{File: "mail.yaml", Line: 14, Msg: "m"}, "mail.yaml:14: m"},
		{"no position at all", &Error{File: "mail.yaml", Msg: "cannot read policy: x"}, "mail.yaml: cannot read policy: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorsPutOneProblemOnEachLine(t *testing.T) {
	errs := Errors{{File: "p.yaml", Line: 1, Col: 1, Msg: "a"}, {File: "p.yaml", Line: 2, Col: 3, Msg: "b"}}
	if got, want := errs.Error(), "p.yaml:1:1: a\np.yaml:2:3: b"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var target Errors
	if !errors.As(error(errs), &target) || len(target) != 2 {
		t.Errorf("errors.As does not find Errors")
	}
}

func TestLocatorPointsAtValuesKeysAndAncestors(t *testing.T) {
	const doc = `ttl: 60
domains:
  "example.org":
    spf: [mx, -all]
    dkim:
      s1:
  'example.net':
    ttl: 7
networks:
  - prefix: 198.51.100.0/24
  -
`
	body, _, err := parseDocuments([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	l := &locator{file: "p.yaml", root: body}
	tests := []struct {
		name      string
		path      []any
		line, col int
	}{
		{"a scalar is located at its value", []any{"ttl"}, 1, 6},
		{"a mapping is located at the key that introduces it", []any{"domains", "example.org"}, 3, 3},
		{"a list is located at its key", []any{"domains", "example.org", "spf"}, 4, 5},
		{"a list entry is located at the entry", []any{"domains", "example.org", "spf", 1}, 4, 15},
		{"an empty value is located at its key", []any{"domains", "example.org", "dkim", "s1"}, 6, 7},
		{"a single-quoted key is found by its value", []any{"domains", "example.net", "ttl"}, 8, 10},
		{"a block list entry that is a mapping is located at its first key", []any{"networks", 0}, 10, 5},
		{"an empty block list entry is located after its dash", []any{"networks", 1}, 11, 4},
		{"a missing key falls back to the nearest ancestor", []any{"domains", "example.org", "dmarc", "p"}, 3, 3},
		{"an index past the end falls back to the list", []any{"networks", 5}, 9, 1},
		{"a key looked up in a scalar falls back to the scalar", []any{"ttl", "x"}, 1, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col := l.at(tt.path...)
			if line != tt.line || col != tt.col {
				t.Errorf("at %v = %d:%d, want %d:%d", tt.path, line, col, tt.line, tt.col)
			}
		})
	}
}

func TestLocatorWithoutADocumentHasNoPosition(t *testing.T) {
	for _, doc := range []string{"", "# a comment\n", "---\n"} {
		body, _, err := parseDocuments([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		l := &locator{file: "p.yaml", root: body}
		if line, col := l.at("ttl"); line != 0 || col != 0 {
			t.Errorf("at ttl = %d:%d, want 0:0", line, col)
		}
		if n := l.node("ttl"); n != nil {
			t.Errorf("node ttl = %v, want nil", n)
		}
	}
}

func TestBreakingLineIsTheFirstLineThatFailsAsTheWholeFileDoes(t *testing.T) {
	var doc strings.Builder
	doc.WriteString("domains:\n")
	for i := range 50 {
		fmt.Fprintf(&doc, "  d%d.example:\n    spf: [mx,\n      \"-all\"]\n", i) // each prefix inside a list fails otherwise
	}
	doc.WriteString("   bad: indent\n")
	data := []byte(doc.String())
	_, _, err := parseDocuments(data)
	if err == nil {
		t.Fatal("the policy parsed")
	}
	if got, want := breakingLine(data, err), 152; got != want {
		t.Errorf("breakingLine = %d, want %d", got, want)
	}
	// Past maxBreakSearch the search would parse a large file some twenty times: it is not made.
	big := append(bytes.Repeat([]byte("# filler\n"), maxBreakSearch/9+1), data...)
	_, _, err = parseDocuments(big)
	if got := breakingLine(big, err); got != 0 {
		t.Errorf("breakingLine of a %d-byte file = %d, want 0 (not searched)", len(big), got)
	}
}
