package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A differential run: BIND 9 as a primary, loading the zones mailauth serves from files, and
// mailauth answer one fixed query set, which must get the same rcode, flags and sections from both.
// The zone files are what cmd/mailauth-check -export writes for the zones mailauth serves alone,
// when the checker is in the tree, and mailauth's own transfer otherwise and for example.org,
// which is merged with zones/db.example.org (the checker exports the policy's records only).

const diffPolicy = "test/testdata/bind/mail.yaml"

func TestBINDPrimaryLoadingTheZonesAnswersEveryQueryAsMailauthDoes(t *testing.T) {
	named := requireTool(t, "named")
	s := start(t, fmt.Sprintf(xfrCorefile, diffPolicy))
	dir := t.TempDir()
	files := zoneFiles(t, s, dir)
	b := startNamedPrimary(t, named, dir, freePort(t), files)

	qs := differentialQuestions(t, s)
	if len(qs) < 500 {
		t.Fatalf("only %d questions; the differential run asks at least 500", len(qs))
	}
	compareAll(t, s, b, qs, strict)
}

// Type ANY is compared where mailauth serves a name alone; beside file, file answers ANY with
// NODATA, so there BIND's answer (every RRset) is not one mailauth gives: the differences are
// logged, and TestAnANYAnswerHoldsWholeRRsets checks what such an answer must still be. Classes CH
// and ANY: BIND refuses them (class ANY with FORMERR) and rate-limits its REFUSED answers, dropping
// some; the differences are logged, and mailauth must answer every such query with REFUSED.
func TestBINDPrimaryAndMailauthAnswerTypeANYAndOtherClassesAlike(t *testing.T) {
	named := requireTool(t, "named")
	s := start(t, fmt.Sprintf(xfrCorefile, diffPolicy))
	dir := t.TempDir()
	b := startNamedPrimary(t, named, dir, freePort(t), zoneFiles(t, s, dir))

	var alone, beside []dns.Question
	for _, name := range []string{
		"example.net.", "_dmarc.example.net.", "mail._domainkey.example.net.", "_domainkey.example.net.", "nx.example.net.",
		"mx.example.net.", "10.2.0.192.in-addr.arpa.", "7.100.51.198.in-addr.arpa.", "host-198-51-100-7.pool.example.net.",
		"MaIl._DoMaInKeY.ExAmPlE.nEt.", "2.0.192.in-addr.arpa.",
	} {
		alone = append(alone, dns.Question{Name: name, Qtype: dns.TypeANY, Qclass: dns.ClassINET})
	}
	for _, name := range []string{"example.org.", "mail.example.org.", "_dmarc.example.org.", "ns1.example.org.", "www.example.org.", "nx.example.org."} {
		beside = append(beside, dns.Question{Name: name, Qtype: dns.TypeANY, Qclass: dns.ClassINET})
	}
	compareAll(t, s, b, alone, strict)
	compareAll(t, s, b, beside, notes)

	var other []dns.Question
	for _, class := range []uint16{dns.ClassCHAOS, dns.ClassANY} {
		for _, name := range []string{"example.org.", "mail2026._domainkey.example.org.", "nx.example.net.", "10.2.0.192.in-addr.arpa."} {
			other = append(other, dns.Question{Name: name, Qtype: dns.TypeTXT, Qclass: class})
		}
	}
	compareAll(t, s, b, other, notes)
	for _, q := range other {
		for _, v := range variants {
			m := asked(q, v.rd, v.bufsize)
			if r := s.exchange(t, v.net, m); r.Rcode != dns.RcodeRefused || len(r.Answer)+len(r.Ns) > 0 {
				t.Errorf("%s %s TXT over %s: rcode %s with %d answers, %d authority; want an empty REFUSED",
					q.Name, dns.ClassToString[q.Qclass], v.net, dns.RcodeToString[r.Rcode], len(r.Answer), len(r.Ns))
			}
		}
	}
}

// How compareAll treats a difference: as a failure, or as a note in the test log.
const (
	strict = iota
	notes
)

// compareAll asks both servers every question in every variant (UDP without and with EDNS, TCP,
// RD set and clear) and compares the header flags, EDNS, rcode and sections, as ednsAndFlags and
// describe render them.
func compareAll(t *testing.T, a, b server, qs []dns.Question, mode int) {
	t.Helper()
	mismatches, total := 0, 0
	for _, q := range qs {
		for _, v := range variants {
			m := asked(q, v.rd, v.bufsize)
			total++
			da, db := describeExchange(a, v.net, m), describeExchange(b, v.net, m)
			if da != db {
				mismatches++
				report := t.Errorf
				if mode == notes {
					report = t.Logf
				}
				if mismatches <= 10 {
					report("%s %s %s over %s (EDNS %d, RD %v) differs:\nmailauth:\n%s\nBIND:\n%s", q.Name,
						dns.ClassToString[q.Qclass], dns.TypeToString[q.Qtype], v.net, v.bufsize, v.rd, da, db)
				}
			}
		}
	}
	if mismatches > 0 && mode == strict {
		t.Errorf("%d of %d answers differ from BIND's", mismatches, total)
	} else if mismatches > 0 {
		t.Logf("note: %d of %d answers differ from BIND's", mismatches, total)
	}
	t.Logf("%d queries (%d questions) compared with BIND", total, len(qs))
}

// describeExchange asks s and renders its reply as ednsAndFlags and describe do, or says that no
// reply came.
func describeExchange(s server, network string, m *dns.Msg) string {
	c := &dns.Client{Net: network, Timeout: 2 * time.Second, UDPSize: 65535}
	addr := s.udp
	if network == "tcp" {
		addr = s.tcp
	}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return "no reply\n"
	}
	return ednsAndFlags(r) + describe(r)
}

// ednsAndFlags renders the header flags describe leaves out and the reply's EDNS version and DO
// bit (the advertised buffer size is each server's own setting and is left out).
func ednsAndFlags(r *dns.Msg) string {
	s := fmt.Sprintf("opcode %s qr %v rd %v ra %v ad %v cd %v", dns.OpcodeToString[r.Opcode], r.Response,
		r.RecursionDesired, r.RecursionAvailable, r.AuthenticatedData, r.CheckingDisabled)
	if opt := r.IsEdns0(); opt != nil {
		s += fmt.Sprintf(" edns %d do %v", opt.Version(), opt.Do())
	}
	return s + "\n"
}

// zoneFiles writes a zone file for each of bindZones into dir and returns their paths by zone.
func zoneFiles(t *testing.T, s server, dir string) map[string]string {
	t.Helper()
	exported := checkerExport(t, dir)
	files := map[string]string{}
	for _, z := range bindZones {
		if f, ok := exported[z]; ok && z != "example.org." {
			files[z] = f
			continue
		}
		rrs := axfr(t, s, z)
		var b strings.Builder
		for _, rr := range rrs[:len(rrs)-1] { // the closing SOA repeats the first
			fmt.Fprintln(&b, rr.String())
		}
		files[z] = filepath.Join(dir, strings.TrimSuffix(z, ".")+".axfr")
		writeText(t, files[z], b.String())
	}
	return files
}

// checkerExport runs cmd/mailauth-check -export for diffPolicy's zones, when the checker is in the
// tree, and returns the files it wrote by zone. The serials must then match mailauth's: both take
// the newest modification time of the policy and its key files.
func checkerExport(t *testing.T, dir string) map[string]string {
	t.Helper()
	if !fileExists("cmd/mailauth-check/main.go") {
		t.Log("cmd/mailauth-check is not in the tree: BIND loads mailauth's transfers")
		return nil
	}
	out := filepath.Join(dir, "export")
	args := []string{"run", "./cmd/mailauth-check", "-export", out}
	for _, z := range bindZones[1:] {
		args = append(args, "-zone", z)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goTool, append(args, diffPolicy)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mailauth-check -export: %v\n%s", err, msg)
	}
	files := map[string]string{}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		files[dns.Fqdn(strings.TrimSuffix(e.Name(), ".zone"))] = filepath.Join(out, e.Name())
	}
	t.Logf("BIND loads the checker's export of %d zones", len(files))
	return files
}

// startNamedPrimary runs named as the primary of the given zone files on 127.0.0.1:port until the
// test ends, with the options startNamed gives the secondary.
func startNamedPrimary(t *testing.T, named, dir string, port int, files map[string]string) server {
	t.Helper()
	zones := make([]string, 0, len(files))
	for z := range files {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	// The free port may be taken by another process before named binds it, and a loaded machine
	// may start it slowly: a named that serves no zone in time is left to the cleanup and another
	// is started on a new port.
	for attempt := 1; ; attempt++ {
		var conf strings.Builder
		// A primary refuses names that are not host names by default; mailauth synthesizes some
		// (see TestSynthesizedHostNamesAreValidHostNames). Secondaries only warn, and so does this.
		name := fmt.Sprintf("named-primary-%d", attempt)
		conf.WriteString(namedOptions(dir, name, port, "check-names primary warn;"))
		for _, z := range zones {
			fmt.Fprintf(&conf, "zone %q { type primary; file %q; };\n", z, files[z])
		}
		confPath := filepath.Join(dir, name+".conf")
		writeText(t, confPath, conf.String())
		b := runNamed(t, named, confPath, port)
		served := pollUntil(15*time.Second, func() bool {
			for _, z := range zones {
				if soaSerial(t, b, z) == 0 {
					return false
				}
			}
			return true
		})
		if served {
			return b
		}
		if attempt == 3 {
			t.Fatalf("named served not every zone within 15 s, three times")
		}
		t.Logf("named on port %d served not every zone within 15 s; starting another", port)
		port = freePort(t)
	}
}

// differentialQuestions is the fixed query set: every owner name of every zone (a sample of the
// large reverse zones), the empty non-terminals above them, a name below each that does not exist
// (RFC 8020), the apexes' neighbours, each with every record kind mailauth serves and kinds it
// never serves, and the TXT and A questions again in mixed and upper case.
func differentialQuestions(t *testing.T, s server) []dns.Question {
	t.Helper()
	types := []uint16{dns.TypeTXT, dns.TypeA, dns.TypeAAAA, dns.TypePTR, dns.TypeMX, dns.TypeSOA, dns.TypeNS,
		dns.TypeCNAME, dns.TypeSRV, dns.TypeCAA, dns.TypeDS, dns.TypeHINFO}
	var qs []dns.Question
	ask := func(name string, qtypes ...uint16) {
		for _, qt := range qtypes {
			qs = append(qs, dns.Question{Name: name, Qtype: qt, Qclass: dns.ClassINET})
		}
	}
	for _, z := range bindZones {
		names := map[string]bool{}
		for _, rr := range axfr(t, s, z) {
			for n := strings.ToLower(rr.Header().Name); dns.IsSubDomain(z, n); {
				names[n] = true
				p, ok := parent(n)
				if !ok {
					break
				}
				n = p
			}
		}
		sorted := make([]string, 0, len(names))
		for n := range names {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		step := max(1, len(sorted)/40)
		for i, n := range sorted {
			if i%step != 0 && !strings.HasPrefix(n, "_") {
				continue
			}
			ask(n, types...)
			ask("nx-"+n, dns.TypeTXT, dns.TypeA)
			ask("deeper.nx."+n, dns.TypeTXT)
			ask(mixCase(n), dns.TypeTXT, dns.TypeA, dns.TypePTR)
			ask(strings.ToUpper(n), dns.TypeTXT)
		}
	}
	// Outside every zone, and names the synthesized networks do not cover exactly.
	ask("example.com.", dns.TypeTXT)
	ask("org.", dns.TypeSOA)
	ask("host-198-51-100-300.pool.example.net.", dns.TypeA)
	ask("host-198-51-100-07.pool.example.net.", dns.TypeA)
	ask("v6-2001-db8-100-0-0-0-0-ff.pool.example.net.", dns.TypeAAAA)
	ask("v6-2001-db8-100-0-0-0-0-100.pool.example.net.", dns.TypeAAAA)
	ask("pool.example.net.", dns.TypeA, dns.TypeTXT)
	ask("*.example.org.", dns.TypeTXT)
	return qs
}

// TestSynthesizedHostNamesAreValidHostNames: the names mailauth gives hosts and network addresses
// are host names (RFC 952, RFC 1123 2.1: letters, digits and inner hyphens), as BIND's check-names
// requires of a primary's A, AAAA and PTR records and as mail servers check a client's PTR name
// (Postfix's valid_hostname). An IPv6 address whose RFC 5952 text ends in "::" must not make a
// label that ends in a hyphen.
func TestSynthesizedHostNamesAreValidHostNames(t *testing.T) {
	s := start(t, fmt.Sprintf(xfrCorefile, diffPolicy))
	var bad []string
	checked := 0
	for _, z := range bindZones {
		for _, rr := range axfr(t, s, z) {
			var host string
			switch rr := rr.(type) {
			case *dns.A, *dns.AAAA:
				host = rr.Header().Name
			case *dns.PTR:
				host = rr.Ptr
			default:
				continue
			}
			checked++
			if !isHostName(host) {
				bad = append(bad, strings.ReplaceAll(rr.String(), "\t", " "))
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d A, AAAA and PTR records name something that is not a host name, such as:\n%s",
			len(bad), checked, strings.Join(bad[:min(len(bad), 4)], "\n"))
	}
}

func isHostName(name string) bool {
	for _, l := range dns.SplitDomainName(name) {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(strings.ToLower(l)) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
