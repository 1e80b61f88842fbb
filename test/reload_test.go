package test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// reloadTick is the reload interval of these tests; quietWindow is "several ticks".
const (
	reloadTick  = 50 * time.Millisecond
	quietWindow = 10 * reloadTick
)

// spfPolicy is a minimal policy: one SPF record at example.org, naming ip. Every ip of the same
// length gives a policy of the same size.
func spfPolicy(ip string) string {
	return fmt.Sprintf("domains: {example.org: {spf: [\"ip4:%s\", \"-all\"]}}\n", ip)
}

func spfRecord(ip string) string { return "v=spf1 ip4:" + ip + " -all" }

// startReloading serves example.org alone from the policy at path, checked every reload, and
// returns the server and its log, which is shown if the test fails. Unlike start, it stops the
// reloader when the test ends, before the test's temporary directories are removed.
func startReloading(t *testing.T, path string, reload time.Duration) (server, *logBuffer) {
	t.Helper()
	logs := captureLog(t)
	dnsserver.Port = "0"
	corefile := fmt.Sprintf("example.org {\n    mailauth %s {\n        reload %s\n    }\n}\n", path, reload)
	inst, err := caddy.Start(input(corefile))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		inst.ShutdownCallbacks()
		inst.Stop()
		if t.Failed() {
			t.Logf("log:\n%s", logs)
		}
	})
	srv := inst.Servers()[0]
	return server{udp: srv.LocalAddr().String(), tcp: srv.Addr().String()}, logs
}

// pollUntil checks cond every 20ms until it holds or timeout has passed, and says whether it held.
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor fails the test unless cond comes to hold within timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !pollUntil(timeout, cond) {
		t.Fatalf("after %v: %s", timeout, what)
	}
}

// holdsFor fails the test unless cond holds at every check, every 20ms, for d.
func holdsFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if pollUntil(d, func() bool { return !cond() }) {
		t.Fatalf("within %v: %s no longer holds", d, what)
	}
}

// txt returns the TXT records at name, each one's character-strings joined, and checks that the
// answer is an authoritative NOERROR.
func (s server) txt(t *testing.T, name string) []string {
	t.Helper()
	r := s.query(t, "udp", name, dns.TypeTXT, 4096)
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
		t.Fatalf("%s TXT: rcode %s AA %v", name, dns.RcodeToString[r.Rcode], r.Authoritative)
	}
	var out []string
	for _, rr := range r.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(txt.Txt, ""))
		}
	}
	return out
}

// spfIs reports whether example.org has exactly the SPF record want.
func (s server) spfIs(t *testing.T, want string) func() bool {
	return func() bool {
		got := s.txt(t, "example.org.")
		return len(got) == 1 && got[0] == want
	}
}

// dkimKey returns the p= tag of the key record of selector at example.org.
func (s server) dkimKey(t *testing.T, selector string) string {
	t.Helper()
	recs := s.txt(t, selector+"._domainkey.example.org.")
	if len(recs) != 1 {
		t.Fatalf("selector %s: %d key records, want 1", selector, len(recs))
	}
	for _, tag := range strings.Split(recs[0], ";") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(tag), "p="); ok {
			return p
		}
	}
	t.Fatalf("selector %s: no p= in %q", selector, recs[0])
	return ""
}

// serial returns the serial of the SOA at the apex of example.org.
func (s server) serial(t *testing.T) uint32 {
	t.Helper()
	r := s.query(t, "udp", "example.org.", dns.TypeSOA, 0)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("SOA: rcode %s, %d answers", dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	return r.Answer[0].(*dns.SOA).Serial
}

// serialIsAfter compares serials in RFC 1982 arithmetic.
func serialIsAfter(a, b uint32) bool { return a != b && int32(a-b) > 0 }

// writeFile writes data at path as os.WriteFile does: in place, truncating first.
func writeInPlace(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// saveByRename writes data to a temporary file beside path and renames it over path, as most
// editors and configuration management tools save.
func saveByRename(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.CreateTemp(filepath.Dir(path), ".save-*")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// configMap lays a policy out as Kubernetes mounts a ConfigMap: dir/mail.yaml is a symlink to
// ..data/mail.yaml, and ..data a symlink to a timestamped directory holding the real file.
type configMap struct {
	dir     string
	version int
}

func newConfigMap(t *testing.T, data string) *configMap {
	t.Helper()
	c := &configMap{dir: t.TempDir()}
	c.update(t, data)
	if err := os.Symlink(filepath.Join("..data", "mail.yaml"), filepath.Join(c.dir, "mail.yaml")); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *configMap) path() string { return filepath.Join(c.dir, "mail.yaml") }

// update writes data into a new timestamped directory and swaps ..data to it atomically, through
// a ..data_tmp symlink renamed over ..data, then removes the old directory, as the kubelet does.
func (c *configMap) update(t *testing.T, data string) {
	t.Helper()
	c.version++
	ts := fmt.Sprintf("..2026_01_01_00_00_00.%09d", c.version)
	if err := os.Mkdir(filepath.Join(c.dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	writeInPlace(t, filepath.Join(c.dir, ts, "mail.yaml"), data)
	old, _ := os.Readlink(filepath.Join(c.dir, "..data"))
	if err := os.Symlink(ts, filepath.Join(c.dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(c.dir, "..data_tmp"), filepath.Join(c.dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(c.dir, old)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReloadPicksUpEveryWayOfSavingThePolicy(t *testing.T) {
	// An old modification time, restored after an edit of the same size: only the content changed.
	oldTime := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// setup writes the first policy and returns its path and a function that saves an edit.
		setup func(t *testing.T, data string) (string, func(data string))
	}{
		{"a save by rename over the policy", func(t *testing.T, data string) (string, func(string)) {
			path := writePolicy(t, data)
			return path, func(data string) { saveByRename(t, path, data) }
		}},
		{"a write in place", func(t *testing.T, data string) (string, func(string)) {
			path := writePolicy(t, data)
			return path, func(data string) { writeInPlace(t, path, data) }
		}},
		{"a write in place of the same size with the modification time restored", func(t *testing.T, data string) (string, func(string)) {
			path := writePolicy(t, data)
			if err := os.Chtimes(path, oldTime, oldTime); err != nil {
				t.Fatal(err)
			}
			return path, func(data string) {
				writeInPlace(t, path, data)
				if err := os.Chtimes(path, oldTime, oldTime); err != nil {
					t.Fatal(err)
				}
				fi, err := os.Stat(path)
				if err != nil || !fi.ModTime().Equal(oldTime) || fi.Size() != int64(len(data)) {
					t.Fatalf("after the edit: %v, %v", fi, err)
				}
			}
		}},
		{"a ConfigMap-style swap of the ..data symlink", func(t *testing.T, data string) (string, func(string)) {
			c := newConfigMap(t, data)
			return c.path(), func(data string) { c.update(t, data) }
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, save := tc.setup(t, spfPolicy("192.0.2.1"))
			s, _ := startReloading(t, path, reloadTick)
			if !s.spfIs(t, spfRecord("192.0.2.1"))() {
				t.Fatalf("at start: SPF %q", s.txt(t, "example.org."))
			}
			save(spfPolicy("192.0.2.2"))
			waitFor(t, 3*time.Second, "the edited SPF record is served", s.spfIs(t, spfRecord("192.0.2.2")))
			save(spfPolicy("192.0.2.3"))
			waitFor(t, 3*time.Second, "the second edit is served", s.spfIs(t, spfRecord("192.0.2.3")))
		})
	}
}

// pemSPKI returns the base64 SubjectPublicKeyInfo of the key in a PKCS#8 PEM file, as DKIM
// publishes it.
func pemSPKI(t *testing.T, data []byte) string {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(key.(crypto.Signer).Public())
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(spki)
}

// newRSAKey returns a fresh RSA-2048 private key as a PKCS#8 PEM file.
func newRSAKey(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// readKey returns a key file of the repository's zones/keys.
func readKey(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("zones", "keys", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// copyKey copies a key file from the repository's zones/keys to dir/keys/name.
func copyKey(t *testing.T, from, dir, name string) []byte {
	t.Helper()
	data := readKey(t, from)
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeInPlace(t, filepath.Join(dir, "keys", name), string(data))
	return data
}

func TestARotatedKeyFileIsPublishedWithoutTouchingThePolicy(t *testing.T) {
	path := writePolicy(t, "domains: {example.org: {spf: [\"-all\"], dkim: {k: {key: keys/k.pem}}}}\n")
	old := copyKey(t, "example.org/mail2026.pem", filepath.Dir(path), "k.pem")
	s, _ := startReloading(t, path, reloadTick)
	if got, want := s.dkimKey(t, "k"), pemSPKI(t, old); got != want {
		t.Fatalf("at start: p=%s, want %s", got, want)
	}
	rotated := newRSAKey(t)
	saveByRename(t, filepath.Join(filepath.Dir(path), "keys", "k.pem"), string(rotated))
	want := pemSPKI(t, rotated)
	waitFor(t, 3*time.Second, "the rotated key is published", func() bool { return s.dkimKey(t, "k") == want })
}

func TestTheSerialGrowsWithEachLoadedChangeAndOnlyThen(t *testing.T) {
	path := writePolicy(t, spfPolicy("192.0.2.1"))
	s, _ := startReloading(t, path, reloadTick)
	serial := s.serial(t)
	// The last edit restores the first policy: content seen before is still a change to serve.
	for _, ip := range []string{"192.0.2.2", "192.0.2.3", "192.0.2.1"} {
		holdsFor(t, quietWindow, fmt.Sprintf("serial %d while nothing changes", serial), func() bool { return s.serial(t) == serial })
		saveByRename(t, path, spfPolicy(ip))
		waitFor(t, 3*time.Second, "the edit is served", s.spfIs(t, spfRecord(ip)))
		next := s.serial(t)
		if !serialIsAfter(next, serial) {
			t.Fatalf("after loading the edit for %s: serial %d, not after %d", ip, next, serial)
		}
		serial = next
	}
}

// logBuffer collects what the standard library logger, and so CoreDNS's plugin/pkg/log, writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func captureLog(t *testing.T) *logBuffer {
	b := &logBuffer{}
	prev := log.Writer()
	log.SetOutput(b)
	t.Cleanup(func() { log.SetOutput(prev) })
	return b
}

func TestABadEditKeepsTheRecordsServedAndIsLoggedOnceWithItsPlace(t *testing.T) {
	path := writePolicy(t, spfPolicy("192.0.2.1"))
	s, logs := startReloading(t, path, reloadTick)
	saveByRename(t, path, spfPolicy("192.0.2.300"))
	errorLine := regexp.MustCompile(`\[ERROR\] plugin/mailauth: ` + regexp.QuoteMeta(path) + `:1:\d+: [^\n]*192\.0\.2\.300`)
	waitFor(t, 3*time.Second, "the bad edit is logged", func() bool { return errorLine.MatchString(logs.String()) })
	holdsFor(t, quietWindow, "the last good SPF record is served", s.spfIs(t, spfRecord("192.0.2.1")))
	if n := len(errorLine.FindAllString(logs.String(), -1)); n != 1 {
		t.Fatalf("the error is logged %d times over %v, want once:\n%s", n, quietWindow, logs)
	}
	saveByRename(t, path, spfPolicy("192.0.2.2"))
	waitFor(t, 3*time.Second, "the fixed policy is served", s.spfIs(t, spfRecord("192.0.2.2")))
}

func TestADeletedPolicyKeepsTheRecordsServedUntilItIsCreatedAgain(t *testing.T) {
	path := writePolicy(t, spfPolicy("192.0.2.1"))
	s, _ := startReloading(t, path, reloadTick)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	holdsFor(t, quietWindow, "the SPF record of the deleted policy is served", s.spfIs(t, spfRecord("192.0.2.1")))
	writeInPlace(t, path, spfPolicy("192.0.2.2"))
	waitFor(t, 3*time.Second, "the re-created policy is served", s.spfIs(t, spfRecord("192.0.2.2")))
}

func TestAPolicyNamingAMissingKeyFileLoadsOnceTheKeyFileAppears(t *testing.T) {
	path := writePolicy(t, spfPolicy("192.0.2.1"))
	dir := filepath.Dir(path)
	s, _ := startReloading(t, path, reloadTick)
	saveByRename(t, path, "domains: {example.org: {spf: [\"ip4:192.0.2.2\", \"-all\"], dkim: {k: {key: keys/k.pem}}}}\n")
	holdsFor(t, quietWindow, "the last good SPF record is served", s.spfIs(t, spfRecord("192.0.2.1")))
	// The policy is not touched again: only the key file appears.
	key := readKey(t, "example.org/mail2026.pem")
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	saveByRename(t, filepath.Join(dir, "keys", "k.pem"), string(key))
	waitFor(t, 3*time.Second, "the policy is served once its key file exists", s.spfIs(t, spfRecord("192.0.2.2")))
	if got, want := s.dkimKey(t, "k"), pemSPKI(t, key); got != want {
		t.Fatalf("p=%s, want %s", got, want)
	}
}

func TestReloadZeroNeverReloads(t *testing.T) {
	path := writePolicy(t, spfPolicy("192.0.2.1"))
	s, _ := startReloading(t, path, 0)
	saveByRename(t, path, spfPolicy("192.0.2.2"))
	holdsFor(t, quietWindow, "the SPF record the server started with is served", s.spfIs(t, spfRecord("192.0.2.1")))
}

// bigPolicy is spfPolicy with n hosts, so that loading it takes a while.
func bigPolicy(ip string, n int) string {
	var b strings.Builder
	b.WriteString(spfPolicy(ip))
	b.WriteString("hosts:\n")
	for i := range n {
		fmt.Fprintf(&b, "  h%d.example.org: [\"10.%d.%d.%d\"]\n", i, i>>16&255, i>>8&255, i&255)
	}
	return b.String()
}

func TestAnEditSavedWhileThePreviousOneIsLoadingIsServed(t *testing.T) {
	// The policy grows until loading it takes long enough for a second save to land during a load.
	const fast, slow = 5 * time.Millisecond, 50 * time.Millisecond
	path := writePolicy(t, "")
	hosts, loading := 500, time.Duration(0)
	for ; hosts <= 64000 && loading < slow; hosts *= 2 {
		writeInPlace(t, path, bigPolicy("192.0.2.1", hosts))
		begin := time.Now()
		if _, err := policy.Load(path); err != nil {
			t.Fatal(err)
		}
		loading = time.Since(begin)
	}
	if loading < slow {
		t.Skipf("a policy of %d hosts loads in %v, too fast to save during a load", hosts/2, loading)
	}
	hosts /= 2
	s, _ := startReloading(t, path, fast)
	// Two saves: the second lands while the reloader, which checks every 5ms, loads the first.
	saveByRename(t, path, bigPolicy("192.0.2.2", hosts))
	time.Sleep(loading / 2)
	saveByRename(t, path, bigPolicy("192.0.2.3", hosts))
	if !pollUntil(2*time.Second+4*loading, s.spfIs(t, spfRecord("192.0.2.3"))) {
		t.Fatalf("the second save is not served; SPF %q", s.txt(t, "example.org."))
	}
}

func TestSwapsUnderLoadAlwaysShowOneWholePolicy(t *testing.T) {
	versions := []string{spfRecord("192.0.2.1"), spfRecord("198.51.100.0/24")}
	policies := []string{spfPolicy("192.0.2.1"), spfPolicy("198.51.100.0/24")}
	path := writePolicy(t, policies[0])
	s, _ := startReloading(t, path, 10*time.Millisecond)

	var stop atomic.Bool
	var wg sync.WaitGroup
	type tally struct {
		answers  int
		versions [2]int
		failures []string
	}
	tallies := map[string]*tally{"udp": {}, "tcp": {}}
	for network, tl := range tallies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: network, Timeout: 2 * time.Second}
			addr := s.udp
			if network == "tcp" {
				addr = s.tcp
			}
			for !stop.Load() {
				q := new(dns.Msg)
				q.SetQuestion("example.org.", dns.TypeTXT)
				r, _, err := c.Exchange(q, addr)
				tl.answers++
				if problem := checkSwapAnswer(r, err, versions, &tl.versions); problem != "" {
					tl.failures = append(tl.failures, problem)
				}
			}
		}()
	}

	const swaps = 200
	for i := 1; i <= swaps && !t.Failed(); i++ {
		saveByRename(t, path, policies[i%2])
		if !pollUntil(3*time.Second, s.spfIs(t, versions[i%2])) {
			t.Errorf("swap %d: %q not served within 3s", i, versions[i%2])
		}
	}
	stop.Store(true)
	wg.Wait()
	for network, tl := range tallies {
		t.Logf("%s: %d answers, %d of the first version, %d of the second", network, tl.answers, tl.versions[0], tl.versions[1])
		if len(tl.failures) > 0 {
			t.Errorf("%s: %d of %d queries failed, the first: %s", network, len(tl.failures), tl.answers, tl.failures[0])
		}
		if tl.versions[0] == 0 || tl.versions[1] == 0 {
			t.Errorf("%s: did not see both versions", network)
		}
	}
}

// checkSwapAnswer says what is wrong with a reply during the swaps, or "" when it is an
// authoritative NOERROR holding exactly one of versions, which it then counts.
func checkSwapAnswer(r *dns.Msg, err error, versions []string, seen *[2]int) string {
	if err != nil {
		return err.Error()
	}
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative || r.Truncated {
		return fmt.Sprintf("rcode %s AA %v TC %v", dns.RcodeToString[r.Rcode], r.Authoritative, r.Truncated)
	}
	if len(r.Answer) != 1 {
		return fmt.Sprintf("%d answers: %v", len(r.Answer), r.Answer)
	}
	txt, ok := r.Answer[0].(*dns.TXT)
	if !ok {
		return fmt.Sprintf("not a TXT: %v", r.Answer[0])
	}
	got := strings.Join(txt.Txt, "")
	for i, v := range versions {
		if got == v {
			seen[i]++
			return ""
		}
	}
	return fmt.Sprintf("unexpected SPF %q", got)
}
