package test

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The zones of test/testdata/bind/mail.yaml: example.org beside zones/db.example.org, the rest alone,
// among them the child zone of an RFC 2317 delegation from 2.0.192.in-addr.arpa.
var bindZones = []string{"example.org.", "example.net.", "2.0.192.in-addr.arpa.", "64-26.2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."}

const bindCorefile = `example.org:%[3]d {
    bind 127.0.0.1
    mailauth %[1]s {
        fallthrough
        reload 100ms
    }
    file zones/db.example.org
    transfer {
        to 127.0.0.1:%[2]d
    }
}
example.net:%[3]d 192.0.2.0/24:%[3]d 64-26.2.0.192.in-addr.arpa:%[3]d 198.51.100.0/24:%[3]d 2001:db8::/32:%[3]d {
    bind 127.0.0.1
    mailauth %[1]s {
        reload 100ms
    }
    transfer {
        to 127.0.0.1:%[2]d
    }
}
`

// TestBINDSecondaryTransfersEveryZoneFollowsNotifyAndAnswersAlike runs a real BIND 9 as a
// secondary of mailauth: it must accept every zone by AXFR, come back after the NOTIFY that
// follows a policy edit, and then answer a fixed query set exactly as mailauth does.
func TestBINDSecondaryTransfersEveryZoneFollowsNotifyAndAnswersAlike(t *testing.T) {
	named := requireTool(t, "named")
	dir := t.TempDir()
	policy := filepath.Join(dir, "mail.yaml")
	keys, _ := filepath.Abs("zones/keys")
	original := strings.ReplaceAll(readFile(t, "test/testdata/bind/mail.yaml"), "../../../zones/keys", keys)
	writeText(t, policy, original)

	// BIND refreshes over UDP and transfers over TCP from one address, so the primary needs the
	// same port for both, not two random ones.
	bindPort, primaryPort := freePort(t), freePort(t)
	s := start(t, fmt.Sprintf(bindCorefile, policy, bindPort, primaryPort))
	b := startNamed(t, named, dir, bindPort, primaryPort, bindZones)

	for _, z := range bindZones {
		waitSerial(t, b, z, soaSerial(t, s, z))
	}
	compareServers(t, s, b, append(queriesFor(t, s, bindZones), mailKeyQuestions...))

	// An edit reaches BIND through NOTIFY alone: its refresh timer is hours away.
	edited := strings.Replace(original, `"ip4:198.51.100.0/24", "-all"`, `"ip4:198.51.100.0/24", "ip4:203.0.113.9", "-all"`, 1)
	edited = strings.Replace(edited, `"include:example.net", "~all"`, `"include:example.net", "-all"`, 1)
	changed := []string{"example.net.", "example.org."}
	before := map[string]uint32{}
	for _, z := range changed {
		before[z] = soaSerial(t, s, z)
	}
	writeText(t, policy, edited)
	for _, z := range changed {
		eventually(t, 10*time.Second, func() bool { return soaSerial(t, s, z) != before[z] })
		if now := soaSerial(t, s, z); !serialAfter(now, before[z]) {
			t.Errorf("%s: serial went from %d to %d, not up", z, before[z], now)
		}
		waitSerial(t, b, z, soaSerial(t, s, z))
	}
	r := b.query(t, "udp", "example.net.", dns.TypeTXT, 1232)
	if len(r.Answer) != 1 || !strings.Contains(r.Answer[0].String(), "ip4:203.0.113.9") {
		t.Fatalf("BIND did not pick up the edit: %v", r.Answer)
	}
	compareServers(t, s, b, queriesFor(t, s, bindZones))
}

// startNamed runs named as a secondary of primaryPort for zones, on 127.0.0.1:port, until the
// test ends.
func startNamed(t *testing.T, named, dir string, port, primaryPort int, zones []string) server {
	t.Helper()
	var conf strings.Builder
	conf.WriteString(namedOptions(dir, "named", port, "allow-notify { 127.0.0.1; };"))
	for _, z := range zones {
		fmt.Fprintf(&conf, "zone %q { type secondary; primaries { 127.0.0.1 port %d; }; file %q; };\n",
			z, primaryPort, filepath.Join(dir, strings.ReplaceAll(strings.TrimSuffix(z, "."), "/", "_")+".db"))
	}
	confPath := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b := runNamed(t, named, confPath, port)
	eventually(t, 10*time.Second, func() bool {
		m := new(dns.Msg)
		m.SetQuestion("version.bind.", dns.TypeTXT)
		m.Question[0].Qclass = dns.ClassCHAOS
		_, _, err := (&dns.Client{Timeout: 200 * time.Millisecond}).Exchange(m, b.udp)
		return err == nil
	})
	return b
}

// namedOptions is the configuration every named of the tests shares: loopback only on port, no
// recursion, minimal responses (mailauth's), files in dir named after name; extra is added to
// the options.
func namedOptions(dir, name string, port int, extra string) string {
	return fmt.Sprintf(`options {
	directory "%[1]s";
	pid-file "%[1]s/%[2]s.pid";
	listen-on port %[3]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	notify no;
	minimal-responses yes;
	dnssec-validation no;
	session-keyfile "%[1]s/%[2]s-session.key";
	%[4]s
};
controls { };
`, dir, name, port, extra)
}

// runNamed starts named in the foreground with the configuration at confPath, listening on
// 127.0.0.1:port, stops it when the test ends, and shows its log if the test failed.
func runNamed(t *testing.T, named, confPath string, port int) server {
	t.Helper()
	cmd := exec.Command(named, "-g", "-c", confPath, "-n", "1")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("named output:\n%s", out.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	return server{udp: addr, tcp: addr}
}

func serialAfter(a, b uint32) bool { return a != b && int32(a-b) > 0 }

func waitSerial(t *testing.T, b server, zone string, serial uint32) {
	t.Helper()
	eventually(t, 15*time.Second, func() bool { return soaSerial(t, b, zone) == serial })
}

// soaSerial returns the serial a server answers for zone, 0 when it has none yet.
func soaSerial(t *testing.T, s server, zone string) uint32 {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeSOA)
	r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, s.udp)
	if err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
		return 0
	}
	if soa, ok := r.Answer[0].(*dns.SOA); ok {
		return soa.Serial
	}
	return 0
}

// queriesFor builds the query set from what mailauth transfers: every owner name (up to 40 a
// zone), each with the types mail receivers and admins ask for, a name below it that does not
// exist, its parent (often an empty non-terminal), and a mixed-case spelling.
func queriesFor(t *testing.T, s server, zones []string) []dns.Question {
	t.Helper()
	var qs []dns.Question
	types := []uint16{dns.TypeTXT, dns.TypeA, dns.TypeAAAA, dns.TypePTR, dns.TypeMX, dns.TypeSOA, dns.TypeNS}
	for _, z := range zones {
		names := map[string]bool{}
		for _, rr := range axfr(t, s, z) {
			n := strings.ToLower(rr.Header().Name)
			names[n] = true
			if p, ok := parent(n); ok && dns.IsSubDomain(z, p) {
				names[p] = true
			}
		}
		sorted := make([]string, 0, len(names))
		for n := range names {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		if len(sorted) > 40 {
			sorted = sorted[:40]
		}
		for _, n := range sorted {
			for _, qt := range types {
				qs = append(qs, dns.Question{Name: n, Qtype: qt, Qclass: dns.ClassINET})
			}
			qs = append(qs, dns.Question{Name: "nx-" + n, Qtype: dns.TypeTXT, Qclass: dns.ClassINET},
				dns.Question{Name: mixCase(n), Qtype: dns.TypeTXT, Qclass: dns.ClassINET})
		}
	}
	return qs
}

// mailKeyQuestions are asked besides those of queriesFor: the answers of the mail keys that the
// transferred names alone do not reach, such as wildcard matches spelt in mixed case, names below
// a delegation, and the CNAMEs of a delegated network for every type.
var mailKeyQuestions = func() []dns.Question {
	var qs []dns.Question
	for _, q := range []struct {
		name  string
		types []uint16
	}{
		{"S1._DomainKey.Parked.Example.NET.", []uint16{dns.TypeTXT, dns.TypeA, dns.TypeANY}},
		{"a.b._domainkey.parked.example.net.", []uint16{dns.TypeTXT}},
		{"x.*._domainkey.parked.example.net.", []uint16{dns.TypeTXT}},
		{"s1._domainkey.parked.example.org.", []uint16{dns.TypeTXT, dns.TypeMX}},
		{"parked.example.org.", []uint16{dns.TypeTXT, dns.TypeMX}},
		{"nomail.example.net.", []uint16{dns.TypeMX}},
		{"example.org.", []uint16{dns.TypeMX, dns.TypeTXT}},
		{"_mta-sts.example.org.", []uint16{dns.TypeTXT}},
		{"_smtp._tls.example.org.", []uint16{dns.TypeTXT}},
		{"default._bimi.example.org.", []uint16{dns.TypeTXT}},
		{"_domainkey.example.org.", []uint16{dns.TypeTXT}},
		{"legacy._domainkey.example.org.", []uint16{dns.TypeTXT}},
		{"relay.example.net.", []uint16{dns.TypeTXT, dns.TypeA}},
		{"mx.example.net.", []uint16{dns.TypeTXT}},
		{"70.2.0.192.in-addr.arpa.", []uint16{dns.TypePTR, dns.TypeCNAME, dns.TypeANY, dns.TypeTXT}},
		{"130.2.0.192.in-addr.arpa.", []uint16{dns.TypePTR, dns.TypeCNAME, dns.TypeANY, dns.TypeSOA}},
		{"70.64-26.2.0.192.in-addr.arpa.", []uint16{dns.TypePTR, dns.TypeTXT}},
		{"10.64-26.2.0.192.in-addr.arpa.", []uint16{dns.TypePTR}},
		{"64-26.2.0.192.in-addr.arpa.", []uint16{dns.TypeNS, dns.TypeSOA, dns.TypeDS}},
		{"130.128/27.2.0.192.in-addr.arpa.", []uint16{dns.TypePTR, dns.TypeNS}},
		{"128/27.2.0.192.in-addr.arpa.", []uint16{dns.TypeNS, dns.TypeSOA, dns.TypeDS, dns.TypeANY}},
		{"x.y.128/27.2.0.192.in-addr.arpa.", []uint16{dns.TypeTXT}},
		{"cust-192-0-2-70.example.net.", []uint16{dns.TypeA}},
	} {
		for _, qt := range q.types {
			qs = append(qs, dns.Question{Name: q.name, Qtype: qt, Qclass: dns.ClassINET})
		}
	}
	return qs
}()

func parent(name string) (string, bool) {
	i, end := dns.NextLabel(name, 0)
	if end {
		return "", false
	}
	return name[i:], true
}

func mixCase(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i += 2 {
		if b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

func axfr(t *testing.T, s server, zone string) []dns.RR {
	t.Helper()
	m := new(dns.Msg)
	m.SetAxfr(zone)
	env, err := new(dns.Transfer).In(m, s.tcp)
	if err != nil {
		t.Fatalf("AXFR %s: %v", zone, err)
	}
	var rrs []dns.RR
	for e := range env {
		if e.Error != nil {
			t.Fatalf("AXFR %s: %v", zone, e.Error)
		}
		rrs = append(rrs, e.RR...)
	}
	return rrs
}

// compareServers asks both servers every question over UDP with and without EDNS and over TCP,
// and requires the same rcode, flags and sections.
func compareServers(t *testing.T, a, b server, qs []dns.Question) {
	t.Helper()
	mismatches := 0
	for _, q := range qs {
		for _, v := range variants {
			m := asked(q, v.rd, v.bufsize)
			ra, rb := a.exchange(t, v.net, m), b.exchange(t, v.net, m)
			if da, db := describe(ra), describe(rb); da != db {
				mismatches++
				if mismatches <= 10 {
					t.Errorf("%s %s over %s (EDNS %d, RD %v) differs:\nmailauth:\n%s\nBIND:\n%s", q.Name, dns.TypeToString[q.Qtype], v.net, v.bufsize, v.rd, da, db)
				}
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%d of %d answers differ from BIND's", mismatches, len(variants)*len(qs))
	}
	t.Logf("%d queries compared with BIND", len(variants)*len(qs))
}

// variants are the ways each question is asked: dig's defaults (RD set) and a resolver's (RD
// clear), over UDP without EDNS (512 bytes), with EDNS, and over TCP.
var variants = []struct {
	net     string
	bufsize uint16
	rd      bool
}{{"udp", 0, true}, {"udp", 1232, true}, {"tcp", 1232, true}, {"udp", 0, false}, {"udp", 1232, false}}

// asked returns the query for q as variant v asks it: its RD flag, and EDNS with v's buffer size.
func asked(q dns.Question, rd bool, bufsize uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(q.Name, q.Qtype)
	m.Question[0].Qclass = cmp.Or(q.Qclass, dns.ClassINET)
	m.RecursionDesired = rd
	if bufsize > 0 {
		m.SetEdns0(bufsize, false)
	}
	return m
}

// describe renders what must be equal: rcode, the AA and TC flags and every section (the OPT record
// left out, each section sorted since RRset order is not significant).
func describe(r *dns.Msg) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "rcode %s aa %v tc %v\n", dns.RcodeToString[r.Rcode], r.Authoritative, r.Truncated)
	for _, sec := range []struct {
		name string
		rrs  []dns.RR
	}{{"answer", r.Answer}, {"authority", r.Ns}, {"additional", r.Extra}} {
		var lines []string
		for _, rr := range sec.rrs {
			if rr.Header().Rrtype != dns.TypeOPT {
				lines = append(lines, rr.String())
			}
		}
		sort.Strings(lines)
		fmt.Fprintf(&sb, "%s:\n%s\n", sec.name, strings.Join(lines, "\n"))
	}
	return sb.String()
}
