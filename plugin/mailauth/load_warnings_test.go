package mailauth

import (
	"bytes"
	"fmt"
	golog "log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestALoadLogsEachWarningOnceAndAnUnchangedPolicyNever(t *testing.T) {
	var out bytes.Buffer
	golog.SetOutput(&out)
	flags := golog.Flags()
	golog.SetFlags(0)
	t.Cleanup(func() { golog.SetOutput(os.Stderr); golog.SetFlags(flags) })

	// A ptr term, a record over 450 bytes whose answer is over 1232, and a domain outside the zones.
	terms := []string{"ptr"}
	for i := range 72 {
		terms = append(terms, fmt.Sprintf("ip4:198.51.100.%d", 100+i))
	}
	path := filepath.Join(t.TempDir(), "p.yaml")
	writeFile(t, path, "domains:\n  example.org:\n    spf: ["+strings.Join(terms, ", ")+", -all]\n  example.com:\n")
	m := &MailAuth{Policy: path, Zones: []string{"example.org."}}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	m.logWarnings()
	spf := m.table.Load().Lookup("example.org.", dns.TypeTXT, false).RRs[0].String()
	want := []string{
		path + `:3:5: SPF record of example.org is 1383 bytes, over the 450 that RFC 7208 3.4 advises to keep its answer in one UDP datagram; move terms behind an include:`,
		path + `:3:11: SPF term "ptr": do not use ptr (RFC 7208 5.5): it is slow, unreliable and ignored by some receivers; list the addresses with ip4:, ip6: or a: instead`,
		path + `:4:3: domains.example.com: example.com. is outside the zones this server block serves (example.org.); add a zone for example.com. to publish it`,
		path + `: the TXT answer at example.org. is 1430 bytes, over 1232: resolvers must retry it over TCP. It holds:`,
		"  " + spf,
	}
	for i := range want {
		want[i] = "[WARNING] plugin/mailauth: " + want[i] + "\n"
	}
	if got := out.String(); got != strings.Join(want, "") {
		t.Errorf("logged\n%s\nwant\n%s", got, strings.Join(want, ""))
	}
	out.Reset()
	m.reload()
	if out.Len() != 0 {
		t.Errorf("a check of the unchanged policy logged again:\n%s", out.String())
	}
}
