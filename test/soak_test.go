package test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The soak runs only when MAILAUTH_SOAK holds a duration (make soak: 3m; CI: 10s). For that long,
// dnsperf sends a DKIM-heavy query mix while the policy is rewritten every 100ms, alternating
// valid and invalid versions, and the key files rotate under it. It requires that dnsperf loses
// no query and gets only NOERROR, that every answer a Go client samples meanwhile is one of a
// valid version's records, and that goroutines and memory are where they were once the load ends.

// soakVersion is one valid policy: the SPF record it publishes at example.org.
type soakVersion struct{ spf string }

var soakVersions = []soakVersion{{"v=spf1 ip4:192.0.2.0/24 -all"}, {"v=spf1 ip4:198.51.100.0/24 ~all"}}

// soakPolicy is the policy of version v. Selector rot names a key file that rotates between two
// RSA-2048 keys, ed one that rotates between two Ed25519 keys; big is a fixed RSA-4096 key.
func soakPolicy(v soakVersion) string {
	terms := strings.Fields(strings.TrimPrefix(v.spf, "v=spf1 "))
	return fmt.Sprintf(`ttl: 300
domains:
  example.org:
    spf: ["%s"]
    dkim:
      rot: {key: keys/rot.pem}
      ed: {key: keys/ed.pem}
      big: {key: keys/big.pem}
      old: {revoked: true}
    dmarc: {p: reject}
hosts:
  mail.example.org: [192.0.2.10]
`, strings.Join(terms, `", "`))
}

// soakInvalid are the invalid versions the writer alternates with the valid ones.
var soakInvalid = []string{
	"domains: {example.org: {spf: [\"ip4:192.0.2.300\", \"-all\"]}}\n",
	"domains:\n  example.org: {spf: [-all]\n",
	"domains: {example.org: {spf: [-all], dkim: {rot: {key: keys/missing.pem}}}}\n",
	"ttl: 300\ndomanis: {}\n",
}

func TestSoakUnderLoadWhileThePolicyAndKeysChange(t *testing.T) {
	duration, err := time.ParseDuration(os.Getenv("MAILAUTH_SOAK"))
	if err != nil {
		t.Skip("set MAILAUTH_SOAK to a duration, such as 10s or 3m, to run the soak (make soak)")
	}
	dnsperf := requireTool(t, "dnsperf")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	rotKeys := [][]byte{readKey(t, "example.org/mail2026.pem"), soakRSAKey(t)}
	edKeys := [][]byte{readKey(t, "example.org/ed2026.pem"), soakEd25519Key(t)}
	writeKey := func(name string, data []byte) { saveByRename(t, filepath.Join(dir, "keys", name), string(data)) }
	writeKey("rot.pem", rotKeys[0])
	writeKey("ed.pem", edKeys[0])
	writeKey("big.pem", readKey(t, "example.org/big2026.pem"))
	path := filepath.Join(dir, "mail.yaml")
	writeText(t, path, soakPolicy(soakVersions[0]))

	// What a valid version may answer at each name: one of these records.
	valid := map[string][]string{
		"example.org.":                    {soakVersions[0].spf, soakVersions[1].spf},
		"rot._domainkey.example.org.":     {soakKeyRecord(t, rotKeys[0]), soakKeyRecord(t, rotKeys[1])},
		"ed._domainkey.example.org.":      {soakKeyRecord(t, edKeys[0]), soakKeyRecord(t, edKeys[1])},
		"big._domainkey.example.org.":     {soakKeyRecord(t, readKey(t, "example.org/big2026.pem"))},
		"old._domainkey.example.org.":     {"v=DKIM1; p="},
		"_dmarc.example.org.":             {"v=DMARC1; p=reject"},
		"mail.example.org.":               {"192.0.2.10"},
		"10.2.0.192.in-addr.arpa.":        {"mail.example.org."},
		"nothing._domainkey.example.org.": nil,
	}
	corefile := fmt.Sprintf(`example.org 2.0.192.in-addr.arpa {
    bind 127.0.0.1
    mailauth %s {
        reload 50ms
    }
}
`, path)
	s, logs := startReloadingCorefile(t, corefile)

	// DKIM-heavy: 7 in 10 queries ask for a key record, 4096-bit ones among them.
	queries := filepath.Join(dir, "queries")
	writeText(t, queries, strings.Repeat("rot._domainkey.example.org TXT\nbig._domainkey.example.org TXT\ned._domainkey.example.org TXT\n"+
		"rot._domainkey.example.org TXT\nbig._domainkey.example.org TXT\nold._domainkey.example.org TXT\nrot._domainkey.example.org TXT\n"+
		"example.org TXT\n_dmarc.example.org TXT\n10.2.0.192.in-addr.arpa PTR\n", 10))

	time.Sleep(time.Second) // warm up before the baseline
	baseGoroutines, baseRSS := runtime.NumGoroutine(), rssKiB(t)

	var stop atomic.Bool
	var wg sync.WaitGroup

	// The writer: every 100ms the next of valid A, invalid, valid B, invalid; key files rotate
	// every third step, by rename or in place.
	var steps atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			switch i % 4 {
			case 0, 2:
				saveByRename(t, path, soakPolicy(soakVersions[i%4/2]))
			default:
				saveByRename(t, path, soakInvalid[(i/2)%len(soakInvalid)])
			}
			if i%3 == 0 {
				k := (i / 3) % 2
				if i%2 == 0 {
					writeKey("rot.pem", rotKeys[k])
				} else {
					writeInPlace(t, filepath.Join(dir, "keys", "rot.pem"), string(rotKeys[k]))
				}
				writeKey("ed.pem", edKeys[k])
			}
			steps.Add(1)
			time.Sleep(100 * time.Millisecond)
		}
	}()

	// The sampler: a Go client asks every name over UDP and TCP and checks each answer.
	type tally struct {
		answers  int
		seen     map[string]int
		problems []string
	}
	samples := map[string]*tally{"udp": {seen: map[string]int{}}, "tcp": {seen: map[string]int{}}}
	for network, tl := range samples {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: network, Timeout: 5 * time.Second, UDPSize: 4096}
			addr := s.udp
			if network == "tcp" {
				addr = s.tcp
			}
			for !stop.Load() {
				for name, want := range valid {
					qtype := dns.TypeTXT
					switch {
					case strings.HasSuffix(name, ".in-addr.arpa."):
						qtype = dns.TypePTR
					case strings.HasPrefix(name, "mail."):
						qtype = dns.TypeA
					}
					q := new(dns.Msg)
					q.SetQuestion(name, qtype)
					q.SetEdns0(4096, false)
					r, _, err := c.Exchange(q, addr)
					tl.answers++
					got, problem := soakAnswer(r, err, want)
					if problem != "" {
						tl.problems = append(tl.problems, fmt.Sprintf("%s %s: %s", name, dns.TypeToString[qtype], problem))
					}
					tl.seen[got]++
				}
			}
		}()
	}

	out, perfErr := exec.Command(dnsperf, "-s", "127.0.0.1", "-p", port(t, s.udp), "-d", queries, "-e",
		"-l", strconv.Itoa(int(duration.Seconds())), "-c", "4", "-q", "50", "-Q", "2000", "-t", "5").CombinedOutput()
	stop.Store(true)
	wg.Wait()
	t.Logf("dnsperf:\n%s", out)
	if perfErr != nil {
		t.Fatalf("dnsperf: %v", perfErr)
	}
	checkDNSPerf(t, string(out))

	t.Logf("the writer made %d steps (%d of them valid policies)", steps.Load(), (steps.Load()+1)/2)
	for network, tl := range samples {
		t.Logf("%s: %d sampled answers", network, tl.answers)
		if len(tl.problems) > 0 {
			t.Errorf("%s: %d of %d sampled answers are of no valid version; the first: %s", network, len(tl.problems), tl.answers, tl.problems[0])
		}
		for _, v := range soakVersions {
			if tl.seen[v.spf] == 0 {
				t.Errorf("%s: version %q was never served: the policy did not reload under load", network, v.spf)
			}
		}
	}
	if !strings.Contains(logs.String(), "192.0.2.300") {
		t.Error("the invalid versions were never logged")
	}

	// Once the load is over, the server's goroutines and the process's memory are back where they
	// were (a reload leaking a goroutine or a table would show here, over thousands of reloads).
	var goroutines int
	settled := pollUntil(5*time.Second, func() bool {
		runtime.GC()
		goroutines = runtime.NumGoroutine()
		return goroutines <= baseGoroutines+2
	})
	rss := rssKiB(t)
	t.Logf("goroutines %d -> %d, RSS %d -> %d KiB", baseGoroutines, goroutines, baseRSS, rss)
	if !settled {
		t.Errorf("%d goroutines after the load, %d before", goroutines, baseGoroutines)
	}
	if rss > baseRSS*3/2+64<<10 {
		t.Errorf("RSS grew from %d KiB to %d KiB", baseRSS, rss)
	}
	s.stillAnswersDKIM(t)
}

// soakAnswer checks a sampled reply against the records valid versions publish at its name
// (none: NXDOMAIN), and returns what it held.
func soakAnswer(r *dns.Msg, err error, want []string) (string, string) {
	if err != nil {
		return "", err.Error()
	}
	if want == nil {
		if r.Rcode != dns.RcodeNameError {
			return "", fmt.Sprintf("rcode %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
		}
		return "NXDOMAIN", ""
	}
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative || r.Truncated || len(r.Answer) != 1 {
		return "", fmt.Sprintf("rcode %s AA %v TC %v with %d answers", dns.RcodeToString[r.Rcode], r.Authoritative, r.Truncated, len(r.Answer))
	}
	var got string
	switch rr := r.Answer[0].(type) {
	case *dns.TXT:
		got = strings.Join(rr.Txt, "")
	case *dns.A:
		got = rr.A.String()
	case *dns.PTR:
		got = rr.Ptr
	}
	for _, w := range want {
		if got == w {
			return got, ""
		}
	}
	return got, fmt.Sprintf("%q is no valid version's record", got)
}

// checkDNSPerf requires that dnsperf lost no query (it counts timeouts as lost) and that every
// reply was NOERROR.
func checkDNSPerf(t *testing.T, out string) {
	t.Helper()
	sent := regexp.MustCompile(`Queries sent:\s+(\d+)`).FindStringSubmatch(out)
	lost := regexp.MustCompile(`Queries lost:\s+(\d+)`).FindStringSubmatch(out)
	codes := regexp.MustCompile(`Response codes:\s+(.*)`).FindStringSubmatch(out)
	if sent == nil || lost == nil || codes == nil {
		t.Fatal("dnsperf's summary lacks the sent, lost or response code lines")
	}
	if n, _ := strconv.Atoi(sent[1]); n == 0 {
		t.Error("dnsperf sent no queries")
	}
	if lost[1] != "0" {
		t.Errorf("dnsperf lost %s queries", lost[1])
	}
	if !regexp.MustCompile(`^NOERROR \d+ \(100\.00%\)$`).MatchString(strings.TrimSpace(codes[1])) {
		t.Errorf("response codes %s, want NOERROR alone", codes[1])
	}
}

// startReloadingCorefile is startReloading for a whole Corefile.
func startReloadingCorefile(t *testing.T, corefile string) (server, *logBuffer) {
	t.Helper()
	logs := captureLog(t)
	s, stop := startStoppable(t, corefile)
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("log:\n%s", logs)
		}
	})
	return s, logs
}

func (s server) stillAnswersDKIM(t *testing.T) {
	t.Helper()
	if r := s.query(t, "tcp", "big._domainkey.example.org.", dns.TypeTXT, 0); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("the server no longer answers: %s", r)
	}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rssKiB is the resident set size of this process, where the server runs.
func rssKiB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status: cannot measure memory")
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		t.Fatal("no VmRSS in /proc/self/status")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// soakKeyRecord is the key record mailauth publishes for the PEM private key data.
func soakKeyRecord(t *testing.T, data []byte) string {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	var key any
	var err error
	if block.Type == "RSA PRIVATE KEY" {
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	} else {
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		t.Fatal(err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return dkimRecord(t, k.Public())
	case ed25519.PrivateKey:
		return dkimRecord(t, k.Public())
	}
	t.Fatalf("key type %T", key)
	return ""
}

func soakRSAKey(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func soakEd25519Key(t *testing.T) []byte {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
