package table

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// loadTable writes body as a policy, loads it and builds its table for zones.
func loadTable(t *testing.T, body string, zones ...string) *Table {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return Build(p, zones, 1)
}

func TestLargeAnswersListsTheSetsWhoseReplyIsOverTheLimit(t *testing.T) {
	// "v=spf1", 72 terms of 18 bytes and "-all", space-separated, make a 1379-byte record: six
	// character-strings, 1385 bytes of rdata. The reply adds a 12-byte header, the question
	// (13 + 4) and the record's compressed owner, type, class, TTL and length (2 + 10): 1426 bytes.
	var terms []string
	for i := range 72 {
		terms = append(terms, fmt.Sprintf("ip4:198.51.100.%d", 100+i))
	}
	tb := loadTable(t, "domains:\n  example.org:\n    spf: ["+strings.Join(terms, ", ")+", -all]\n    dmarc: {p: none}\n", "example.org.")
	spf := tb.Lookup("example.org.", dns.TypeTXT, true).RRs[0].String()
	want := []LargeAnswer{{Name: "example.org.", Type: dns.TypeTXT, Size: 1426, Records: []string{spf}}}
	tests := []struct {
		name  string
		limit int
		want  []LargeAnswer
	}{
		{"the SPF answer is over 1232 bytes, and the small DMARC, SOA and NS answers are not", 1232, want},
		{"one byte under its size it is listed", 1425, want},
		{"at exactly its size it fits", 1426, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tb.LargeAnswers(tt.limit); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LargeAnswers(%d) = %+v\nwant %+v", tt.limit, got, tt.want)
			}
		})
	}
}

func TestLargeAnswersMeasuresTheWholeSet(t *testing.T) {
	// Each A answer alone is small; 80 records of one name are not: 12 + (18 + 4) + 80 * 16 = 1314 bytes.
	tb := Build(&policy.Policy{}, []string{"example.org."}, 1)
	for i := range 80 {
		tb.add(&dns.A{Hdr: dns.RR_Header{Name: "many.example.org.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: []byte{192, 0, 2, byte(i)}}, false)
	}
	got := tb.LargeAnswers(1232)
	if len(got) != 1 || got[0].Name != "many.example.org." || got[0].Type != dns.TypeA || got[0].Size != 1314 || len(got[0].Records) != 80 {
		t.Errorf("LargeAnswers(1232) = %+v, want the 80 A records of many.example.org., 1314 bytes", got)
	}
}

func TestBuildPublishesDMARCReportAuthorizations(t *testing.T) {
	tb := loadTable(t, "domains:\n  example.org:\n    dmarc: {p: none, rua: [\"mailto:d@example.net\"]}\n  example.net:\n    ttl: 600\n",
		"example.org.", "example.net.")
	res := tb.Lookup("example.org._report._dmarc.example.net.", dns.TypeTXT, false)
	if len(res.RRs) != 1 || res.RRs[0].String() != "example.org._report._dmarc.example.net.\t600\tIN\tTXT\t\"v=DMARC1\"" {
		t.Errorf("authorization record %v", res.RRs)
	}
	if res := tb.Lookup("_report._dmarc.example.net.", dns.TypeTXT, false); !res.Exists || len(res.RRs) != 0 {
		t.Errorf("the name above it is %+v, want an empty non-terminal", res)
	}
}
