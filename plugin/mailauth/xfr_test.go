package mailauth

import (
	"bytes"
	"errors"
	golog "log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
)

// transferred collects every record m.Transfer sends for zone to a secondary at serial.
func transferred(t *testing.T, m *MailAuth, zone string, serial uint32) []string {
	t.Helper()
	ch, err := m.Transfer(zone, serial)
	if err != nil {
		t.Fatalf("transfer of %s: %v", zone, err)
	}
	var lines []string
	for batch := range ch {
		for _, rr := range batch {
			lines = append(lines, strings.ReplaceAll(rr.String(), "\t", " "))
		}
	}
	return lines
}

// captureLog sends what the plugin logs to a buffer for the rest of the test.
func captureLog(t *testing.T) *bytes.Buffer {
	var out bytes.Buffer
	golog.SetOutput(&out)
	flags := golog.Flags()
	golog.SetFlags(0)
	t.Cleanup(func() { golog.SetOutput(os.Stderr); golog.SetFlags(flags) })
	return &out
}

const (
	netSOA = "example.net. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600"
	netNS  = "example.net. 3600 IN NS ns1.example.net."
	netSPF = `example.net. 3600 IN TXT "v=spf1 -all"`
	// orgSOA is the zone file's SOA with the policy's serial 7 added to its own 1.
	orgSOA = "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 8 7200 1800 1209600 300"
)

func TestAZoneServedAloneIsTransferredBetweenTwoCopiesOfItsSOA(t *testing.T) {
	m := newTestPlugin(t, false)
	for zone, want := range map[string][]string{
		"example.net.": {netSOA, netNS, netSPF, netSOA},
		"2.0.192.in-addr.arpa.": {
			"2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600",
			"2.0.192.in-addr.arpa. 3600 IN NS ns1.example.net.",
			"10.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.org.",
			"2.0.192.in-addr.arpa. 3600 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 1800 1209600 3600",
		},
	} {
		if got := transferred(t, m, zone, 0); !slices.Equal(got, want) {
			t.Errorf("transfer of %s:\n%s\nwant:\n%s", zone, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// RFC 1995 section 2: a secondary whose serial is the primary's, or newer, gets the SOA alone;
// one that is behind (in RFC 1982 arithmetic) gets the whole zone, as does an AXFR (serial 0).
func TestIXFRGetsTheSOAAloneUnlessTheSecondaryIsBehind(t *testing.T) {
	m := newTestPlugin(t, false)
	m.transferers = []transfer.Transferer{m.Next.(file.File)}
	whole := []string{netSOA, netNS, netSPF, netSOA}
	tests := []struct {
		name   string
		zone   string
		serial uint32
		want   int // records sent; 0 for as many as an AXFR
	}{
		{"AXFR gets the whole zone", "example.net.", 0, len(whole)},
		{"a secondary at the current serial gets the SOA alone", "example.net.", 7, 1},
		{"a secondary one behind gets the whole zone", "example.net.", 6, len(whole)},
		{"a secondary behind across the wrap of the serial gets the whole zone", "example.net.", 0xfffffff0, len(whole)},
		{"a secondary ahead of the primary gets the SOA alone", "example.net.", 8, 1},
		{"beside file, a secondary at the merged serial gets the SOA alone", "example.org.", 8, 1},
		{"beside file, a secondary at the zone file's own serial is behind", "example.org.", 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := transferred(t, m, tc.zone, tc.serial)
			want := tc.want
			if want == 0 {
				want = len(transferred(t, m, tc.zone, 0))
			}
			if len(got) != want {
				t.Fatalf("IXFR from %d: %d records, want %d:\n%s", tc.serial, len(got), want, strings.Join(got, "\n"))
			}
			if !strings.Contains(got[0], " SOA ") || (len(got) > 1 && got[len(got)-1] != got[0]) {
				t.Errorf("the transfer does not open (and close) with the SOA:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

func TestOnlyTheZonesServedAreTransferredWhateverTheirCase(t *testing.T) {
	m := newTestPlugin(t, false)
	for _, zone := range []string{"sub.example.net.", "net.", "example.com.", "."} {
		if ch, err := m.Transfer(zone, 0); err != transfer.ErrNotAuthoritative || ch != nil {
			t.Errorf("transfer of %s: error %v, want %v", zone, err, transfer.ErrNotAuthoritative)
		}
	}
	if got, want := transferred(t, m, "Example.NET.", 0), transferred(t, m, "example.net.", 0); !slices.Equal(got, want) {
		t.Errorf("transfer of Example.NET.:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAZoneTooLargeToListIsRefusedWithAnErrorAndLogged(t *testing.T) {
	logs := captureLog(t)
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, "soa: {serial: 1}\nnetworks:\n  - {prefix: \"2001:db8:100::/48\", ptr: \"v6-{ip}.pool.example.org\"}\n")
	m := &MailAuth{Policy: path, Zones: []string{"0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "example.org."}}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	for _, zone := range m.Zones {
		ch, err := m.Transfer(zone, 0)
		want := "refusing transfer of " + zone + ": network 2001:db8:100::/48 puts 2^80 addresses in the zone, more than the 65536 a transfer may list"
		if ch != nil || err == nil || err.Error() != want {
			t.Errorf("transfer of %s: channel %v, error %v\nwant no channel and %q", zone, ch != nil, err, want)
		}
		if !strings.Contains(logs.String(), "[ERROR] plugin/mailauth: "+want+"\n") {
			t.Errorf("the refusal of %s is not logged:\n%s", zone, logs)
		}
	}
}

// fakeTransferer transfers one zone as rrs, or fails with err.
type fakeTransferer struct {
	rrs []dns.RR
	err error
}

func (f fakeTransferer) Transfer(zone string, serial uint32) (<-chan []dns.RR, error) {
	if f.err != nil {
		return nil, f.err
	}
	ch := make(chan []dns.RR)
	go func() {
		defer close(ch)
		for _, rr := range f.rrs {
			ch <- []dns.RR{rr}
		}
	}()
	return ch, nil
}

func TestTheTransferOfAZoneBesideFileMergesBothUnderTheMergedSOA(t *testing.T) {
	m := newTestPlugin(t, false)
	next := m.Next.(file.File)
	// The first plugin that is authoritative for the zone gives the other half.
	m.transferers = []transfer.Transferer{fakeTransferer{err: transfer.ErrNotAuthoritative}, next}
	got := transferred(t, m, "example.org.", 0)
	if len(got) < 2 || got[0] != orgSOA || got[len(got)-1] != orgSOA {
		t.Fatalf("the transfer does not open and close with %s:\n%s", orgSOA, strings.Join(got, "\n"))
	}
	middle := slices.Sorted(slices.Values(got[1 : len(got)-1]))
	want := []string{
		`_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=reject"`,
		"example.org. 3600 IN MX 10 mail.example.org.",
		"example.org. 3600 IN NS ns1.example.org.",
		`example.org. 3600 IN TXT "site-verification=abc"`,
		`example.org. 3600 IN TXT "v=spf1 mx -all"`, // the policy's replaces the zone file's "v=spf1 a -all"
		"mail.example.org. 3600 IN A 192.0.2.10",
		`mail.example.org. 3600 IN TXT "v=spf1 a -all"`,
		"ns1.example.org. 3600 IN A 192.0.2.53",
	}
	if !slices.Equal(middle, want) {
		t.Errorf("between the SOAs:\n%s\nwant:\n%s", strings.Join(middle, "\n"), strings.Join(want, "\n"))
	}

	// The zone file's own data keeps its serial: the merged SOA is a copy.
	ch, err := next.Transfer("example.org.", 0)
	if err != nil {
		t.Fatal(err)
	}
	var theirs []dns.RR
	for batch := range ch {
		theirs = append(theirs, batch...)
	}
	if soa, ok := theirs[0].(*dns.SOA); !ok || soa.Serial != 1 {
		t.Errorf("after the transfer the zone file's SOA is %v, want serial 1", theirs[0])
	}
}

func TestATransferBesideAnotherPluginIsRefusedWhenThatPluginGivesNoWholeZone(t *testing.T) {
	soa, _ := dns.NewRR("example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 1800 1209600 300")
	ns, _ := dns.NewRR("example.org. 300 IN NS ns1.example.org.")
	tests := []struct {
		name        string
		transferers []transfer.Transferer
		err         string
	}{
		{"no plugin after mailauth transfers zones", nil, "no plugin after mailauth transfers it"},
		{"no plugin after mailauth is authoritative", []transfer.Transferer{fakeTransferer{err: transfer.ErrNotAuthoritative}},
			"no plugin after mailauth transfers it"},
		{"the plugin fails the transfer", []transfer.Transferer{fakeTransferer{err: errors.New("zone expired")}}, "zone expired"},
		{"the plugin's zone does not start with its SOA", []transfer.Transferer{fakeTransferer{rrs: []dns.RR{ns, soa, soa}}},
			"the zone from mailauth.fakeTransferer does not start with its SOA"},
		{"the plugin sends a lone SOA", []transfer.Transferer{fakeTransferer{rrs: []dns.RR{soa}}},
			"the zone from mailauth.fakeTransferer does not start with its SOA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := captureLog(t)
			m := newTestPlugin(t, false)
			m.transferers = tc.transferers
			ch, err := m.Transfer("example.org.", 0)
			want := "refusing transfer of example.org.: " + tc.err
			if ch != nil || err == nil || err.Error() != want {
				t.Fatalf("channel %v, error %v\nwant no channel and %q", ch != nil, err, want)
			}
			if logs.String() != "[ERROR] plugin/mailauth: "+want+"\n" {
				t.Errorf("logged %q", logs)
			}
		})
	}
}

// A transfer lists the zone as it was when it began, whatever reloads happen while it is sent.
func TestATransferUnderWayIsNotChangedByAReload(t *testing.T) {
	m := newTestPlugin(t, false)
	ch, err := m.Transfer("example.net.", 0)
	if err != nil {
		t.Fatal(err)
	}
	first := <-ch
	writeFile(t, m.Policy, strings.NewReplacer("serial: 7", "serial: 9", "spf: [-all]", "spf: [~all]").Replace(testPolicy))
	captureLog(t)
	m.reload()
	if s := m.table.Load().Serial; s != 9 {
		t.Fatalf("serial %d after the reload, want 9", s)
	}
	var got []string
	for _, batch := range append([][]dns.RR{first}, drain(ch)...) {
		for _, rr := range batch {
			got = append(got, strings.ReplaceAll(rr.String(), "\t", " "))
		}
	}
	if want := []string{netSOA, netNS, netSPF, netSOA}; !slices.Equal(got, want) {
		t.Errorf("transfer:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func drain(ch <-chan []dns.RR) [][]dns.RR {
	var out [][]dns.RR
	for batch := range ch {
		out = append(out, batch)
	}
	return out
}

// A zone larger than one batch arrives whole: every record once, the SOA first and last only.
func TestALargeZoneIsTransferredWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, "soa: {serial: 3}\nns: [ns1.example.net.]\nnetworks:\n  - {prefix: 198.51.100.0/23, ptr: \"h-{ip}.example.net\"}\n")
	m := &MailAuth{Policy: path, Zones: []string{"51.198.in-addr.arpa."}}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	got := transferred(t, m, "51.198.in-addr.arpa.", 0)
	if len(got) != 2+1+512 {
		t.Fatalf("%d records, want the SOA twice, the NS and 512 PTRs", len(got))
	}
	seen := map[string]bool{}
	for i, line := range got {
		if isSOA := strings.Contains(line, " SOA "); isSOA != (i == 0 || i == len(got)-1) {
			t.Errorf("record %d: %s", i, line)
		}
		if seen[line] && i != len(got)-1 {
			t.Errorf("record %d is sent twice: %s", i, line)
		}
		seen[line] = true
	}
	for _, want := range []string{
		"0.100.51.198.in-addr.arpa. 3600 IN PTR h-198-51-100-0.example.net.",
		"255.101.51.198.in-addr.arpa. 3600 IN PTR h-198-51-101-255.example.net.",
	} {
		if !seen[want] {
			t.Errorf("%s is not sent", want)
		}
	}
}

func TestMergeZoneKeepsTheOtherPluginsRecordsExceptThoseThePolicyReplaces(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ours := []dns.RR{
		rr(`example.org. 300 IN TXT "v=spf1 mx -all"`),
		rr(`_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject"`),
		rr(`example.org. 300 IN MX 10 mail.example.org.`),
		rr(`mail.example.org. 300 IN A 192.0.2.10`),
	}
	tests := []struct {
		name   string
		theirs string
		kept   bool
	}{
		{"an old SPF record at the domain is replaced", `example.org. 300 IN TXT "v=spf1 a -all"`, false},
		{"an SPF record is replaced whatever the case of its owner", `EXAMPLE.Org. 300 IN TXT "V=SPF1 a -all"`, false},
		{"another kind of TXT record at the domain stays", `example.org. 300 IN TXT "site-verification=abc"`, true},
		{"an SPF record at a name the policy has no SPF for stays", `www.example.org. 300 IN TXT "v=spf1 -all"`, true},
		{"a DMARC record at the policy's _dmarc is replaced", `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=none"`, false},
		{"an MX at the domain is replaced by the policy's", `example.org. 300 IN MX 5 old.example.org.`, false},
		{"an MX at another name stays", `sub.example.org. 300 IN MX 5 old.example.org.`, true},
		{"a record the policy has too is sent once", `mail.example.org. 300 IN A 192.0.2.10`, false},
		{"another address at a host of the policy stays", `mail.example.org. 300 IN A 192.0.2.11`, true},
		{"a record at a name of the policy of a type it lacks stays", `mail.example.org. 300 IN AAAA 2001:db8::10`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			theirs := rr(tc.theirs)
			got := mergeZone([]dns.RR{theirs}, ours)
			if kept := len(got) == 1 && got[0] == theirs; kept != tc.kept || len(got) > 1 {
				t.Errorf("mergeZone kept %v, want kept %v", got, tc.kept)
			}
		})
	}
}
