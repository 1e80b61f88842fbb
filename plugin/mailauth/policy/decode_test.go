package policy

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// decodeText parses and decodes body into a document, returning the problems as "line:col: msg".
func decodeText(t *testing.T, body string) (*document, []string) {
	t.Helper()
	root, _, err := parseDocuments([]byte(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var doc document
	var got []string
	for _, e := range sortByPosition(decodeDocument("p.yaml", []byte(body), root, &doc)) {
		got = append(got, fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg))
	}
	return &doc, got
}

func TestDecoderFillsEveryShapeOfValue(t *testing.T) {
	doc, errs := decodeText(t, `ttl: 0x10
ns: [ns1.example.org]
domains:
  example.org:
    spf: [mx, -all]
    senderid: [pra]
    mx:
    dkim:
      s1: {p: abc, revoked: false, t: [y]}
    dmarc: {p: none, pct: 50, fo: 1}
hosts:
  a.example.org: [192.0.2.1]
  b.example.org: {addrs: [192.0.2.2], helo: false}
networks:
  - {prefix: 198.51.100.0/24, ptr: "h-{ip}.example.org"}
`)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	d := doc.Domains["example.org"]
	switch {
	case *doc.TTL != 16 || len(doc.NS) != 1:
		t.Errorf("ttl %d ns %v", *doc.TTL, doc.NS)
	case strings.Join(d.SPF, " ") != "mx -all" || d.MX != nil || d.DKIM["s1"].P == nil || *d.DKIM["s1"].P != "abc":
		t.Errorf("domain %+v", d)
	case fmt.Sprint(d.SenderID) != "[pra]" || d.DMARC.FO != "1" || *d.DMARC.PCT != 50:
		t.Errorf("senderid %v, dmarc %+v", d.SenderID, d.DMARC)
	case !doc.Hosts["a.example.org"].short || doc.Hosts["b.example.org"].short || *doc.Hosts["b.example.org"].HELO:
		t.Errorf("hosts %+v %+v", doc.Hosts["a.example.org"], doc.Hosts["b.example.org"])
	case len(doc.Networks) != 1 || doc.Networks[0].PTR != "h-{ip}.example.org":
		t.Errorf("networks %+v", doc.Networks)
	}
}

func TestDecoderReportsEachProblemAndGoesOn(t *testing.T) {
	_, errs := decodeText(t, `ttl: 1.5
soa: {serial: 99999999999999999999, mname: [a]}
domains:
  example.org:
    dkim:
      s1: {revoked: "yes"}
    dkim: {}
hosts:
  a.example.org: [192.0.2.1, {x: 1}]
`)
	want := []string{
		`1:6: ttl: wrong type: a whole number expected, found a decimal number`,
		`2:15: serial: 99999999999999999999 is out of range`,
		`2:37: mname: wrong type: a string expected, found a list`,
		`6:21: revoked: wrong type: true or false expected, found a string`,
		`7:5: duplicate key "dkim" (first at line 5)`,
		`9:30: a.example.org: wrong type: a string expected, found a mapping`,
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

// A file may repeat a value through aliases, but not expand to more values than it is long: a list
// of n strings named by n domains is n² values from a file of a few times n bytes.
func TestDecoderBoundsWhatAliasesExpandTo(t *testing.T) {
	const n = 400
	var b strings.Builder
	b.WriteString("domains:\n  d0.example.org:\n    spf: &terms [")
	for i := range n {
		fmt.Fprintf(&b, "\"ip4:192.0.2.%d\", ", i%256)
	}
	b.WriteString("-all]\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  d%d.example.org: {spf: *terms}\n", i)
	}
	_, errs := decodeText(t, b.String())
	if len(errs) != 1 || !strings.Contains(errs[0], "the aliases of this file expand to more values than the file is long") {
		t.Fatalf("errors: %v", errs)
	}

	// The same aliases a few times are fine.
	few := strings.Join(strings.SplitAfter(b.String(), "\n")[:12], "")
	if _, errs := decodeText(t, few); len(errs) > 0 {
		t.Errorf("errors for 10 aliases: %v", errs)
	}
}

func TestAKeyWrittenAsAnAliasIsTheNameItNames(t *testing.T) {
	doc, errs := decodeText(t, "ttl: &t 60\ndomains:\n  &d example.org: {spf: [-all]}\n  *d : {adsp: all}\n")
	if len(errs) != 1 || !strings.Contains(errs[0], `duplicate key "example.org"`) {
		t.Errorf("errors %v, want the aliased key reported as a duplicate", errs)
	}
	if doc.Domains["example.org"] == nil {
		t.Error("the domain is missing")
	}
}

func TestAnUndefinedAliasIsPlacedAtTheAliasNotAtLookalikes(t *testing.T) {
	body := "# like *t in a comment\nttl: &tt 60\nsoa: {minimum: *tt}\ndomains: {example.org: {spf: *t}}\n"
	_, err := Parse("p.yaml", []byte(body), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "p.yaml:4:30: alias *t refers to no anchor") {
		t.Errorf("error %v, want it at 4:30", err)
	}
}

// Review findings: merges that chain through anchors, merge cycles, merges as a way around the
// alias budget, tags on keys, documents after an empty one.
func TestMergesChainCycleAndCount(t *testing.T) {
	doc, errs := decodeText(t, `domains:
  base.example: &base {spf: [-all], adsp: all}
  mid.example: &mid {<<: *base, dmarc: {p: reject}}
  leaf.example: {<<: *mid}
`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if leaf := doc.Domains["leaf.example"]; leaf == nil || leaf.ADSP != "all" || len(leaf.SPF) != 1 || leaf.DMARC == nil {
		t.Errorf("leaf.example %+v: want spf, adsp and dmarc through the chain of merges", leaf)
	}

	_, errs = decodeText(t, "domains: {example.org: {senderid: &a {b: {<<: *a}}}}\n"+strings.Repeat("# padding\n", 100000))
	if len(errs) != 1 || !strings.Contains(errs[0], "the mapping merged here is the one it is merged into") {
		t.Errorf("merge cycle: %v", errs)
	}

	// Each level merges the one below twice: 2^12 copies of a 4,500-string list from a 10 KB file.
	var b strings.Builder
	b.WriteString("domains:\n  example.org:\n    senderid:\n      l0: &l0 {k: [" + strings.Repeat("a, ", 4500) + "a]}\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "      l%d: &l%d {a: {<<: *l%d}, b: {<<: *l%d}}\n", i, i, i-1, i-1)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, errs = decodeText(t, b.String())
	runtime.ReadMemStats(&after)
	if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "expand to more values than the file is long") {
		t.Errorf("merge bomb: %v", errs)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("merge bomb of %d bytes allocated %d MiB", b.Len(), grew>>20)
	}

	_, errs = decodeText(t, "!foo ttl: 60\n")
	if len(errs) != 1 || !strings.Contains(errs[0], "tag !foo is not plain YAML") {
		t.Errorf("tagged key: %v", errs)
	}
}

func TestEveryDocumentIsParsed(t *testing.T) {
	for _, body := range []string{
		"ttl: 60\n---\n---\nttl: 70\n",
		"ttl: 60\n---\n# x\n---\nttl: [\n",
	} {
		if _, err := Parse("p.yaml", []byte(body), t.TempDir()); err == nil {
			t.Errorf("%q loaded", body)
		}
	}
}

func TestTheQuoteHintCountsColumnsInCharacters(t *testing.T) {
	_, errs := decodeText(t, "domains:\n  exämple.org: {spf: [é, ?all]}\n")
	if len(errs) != 1 || !strings.Contains(errs[0], `quote the value, as in ["?all"]`) {
		t.Errorf("errors %v, want the hint to quote ?all", errs)
	}
}
