package mailauth

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// reloadPolicy publishes one SPF record at example.org, under a pinned serial.
func reloadPolicy(serial uint32, spf string) string {
	return fmt.Sprintf("soa: {serial: %d}\ndomains:\n  example.org: {spf: [%q, -all]}\n", serial, spf)
}

// startedAt stands for when the policy in service was loaded, as setup records it.
var startedAt = time.Date(2026, 11, 23, 14, 40, 53, 0, time.UTC)

// newReloading loads policy for example.org and example.net as setup would.
func newReloading(t *testing.T, content string) *MailAuth {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, content)
	m := &MailAuth{Policy: path, Zones: []string{"example.org.", "example.net."}}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	m.loadedAt = startedAt
	return m
}

// loadsTried counts the loads of m's policy that ran, whatever their result.
func loadsTried(m *MailAuth) float64 {
	return testutil.ToFloat64(reloadCount.WithLabelValues(m.Policy, "success")) +
		testutil.ToFloat64(reloadCount.WithLabelValues(m.Policy, "failure"))
}

// servedSPF is the SPF record m answers at example.org.
func servedSPF(m *MailAuth) string {
	rrs := m.table.Load().Lookup("example.org.", dns.TypeTXT, true).RRs
	if len(rrs) != 1 {
		return fmt.Sprint(rrs)
	}
	return strings.Join(rrs[0].(*dns.TXT).Txt, "")
}

// refusal is what reload logs when the policy at path does not load: each line of the error
// policy.Load gives, then what is kept.
func refusal(t *testing.T, path string, since time.Time, serial uint32) string {
	t.Helper()
	_, err := policy.Load(path)
	if err == nil {
		t.Fatalf("%s loads", path)
	}
	var b strings.Builder
	for line := range strings.SplitSeq(err.Error(), "\n") {
		b.WriteString("[ERROR] plugin/mailauth: " + line + "\n")
	}
	fmt.Fprintf(&b, "[ERROR] plugin/mailauth: keeping the policy loaded at %s (serial %d)\n", since.Format(time.RFC3339), serial)
	return b.String()
}

func TestAChangedPolicyIsSwappedInWholeAndLogged(t *testing.T) {
	logs := captureLog(t)
	m := newReloading(t, reloadPolicy(2026010101, "ip4:192.0.2.1"))
	old := m.table.Load()

	m.reload()
	if m.table.Load() != old || logs.Len() != 0 {
		t.Fatalf("a check of the unchanged policy swapped the table or logged:\n%s", logs)
	}

	writeFile(t, m.Policy, reloadPolicy(2026010102, "ip4:192.0.2.2"))
	before := time.Now()
	m.reload()
	after := time.Now()
	now := m.table.Load()
	if now == old || now.Serial != 2026010102 || servedSPF(m) != "v=spf1 ip4:192.0.2.2 -all" {
		t.Fatalf("after the edit: serial %d, SPF %q", now.Serial, servedSPF(m))
	}
	// Two names, the zone apexes, each with its SOA and NS, and the SPF record.
	want := fmt.Sprintf("[INFO] plugin/mailauth: loaded %s: serial 2026010102, 2 names, 5 records\n", m.Policy)
	if logs.String() != want {
		t.Errorf("logged\n%s\nwant\n%s", logs, want)
	}
	if m.loadedAt.Before(before.Truncate(time.Second)) || m.loadedAt.After(after) {
		t.Errorf("loaded at %v, want between %v and %v", m.loadedAt, before, after)
	}
	// A query that took the old table before the swap reads the old policy to its end.
	if rrs := old.Lookup("example.org.", dns.TypeTXT, true).RRs; old.Serial != 2026010101 || len(rrs) != 1 ||
		rrs[0].(*dns.TXT).Txt[0] != "v=spf1 ip4:192.0.2.1 -all" {
		t.Errorf("the old table changed: serial %d, SPF %v", old.Serial, rrs)
	}
}

func TestABadEditIsLoggedOnceAndTriedAgainOnlyWhenItsFilesChange(t *testing.T) {
	logs := captureLog(t)
	m := newReloading(t, reloadPolicy(2026010101, "ip4:192.0.2.1"))
	const twoMistakes = "soa: {serial: 2026010102}\ndomains:\n  example.org:\n    spf: [bogus]\n    dmarc: {p: maybe}\n"
	const otherMistake = "soa: {serial: 2026010102}\ndomains:\n  example.org: {spf: [\"ip4:192.0.2.300\"]}\n"
	loadedAt := startedAt
	steps := []struct {
		name    string
		write   string // the policy's new content; "" leaves it as it is
		tried   bool   // the policy is read again
		serial  uint32 // in service after the step
		refused bool   // the step logs the refusal of the policy
		loaded  bool   // the step logs the load of the policy
	}{
		{"a bad edit is logged line by line with what is kept", twoMistakes, true, 2026010101, true, false},
		{"left as it is, it is neither read nor logged again", "", false, 2026010101, false, false},
		{"rewritten with the same mistakes, it is read again but not logged again", twoMistakes + "# still broken\n", true, 2026010101, false, false},
		{"another mistake is logged", otherMistake, true, 2026010101, true, false},
		{"the fix is loaded", reloadPolicy(2026010103, "ip4:192.0.2.3"), true, 2026010103, false, true},
		{"the first mistake made again is logged again", twoMistakes, true, 2026010103, true, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			logs.Reset()
			if s.write != "" {
				writeFile(t, m.Policy, s.write)
			}
			tried := loadsTried(m)
			m.reload()
			if got := loadsTried(m) - tried; got != map[bool]float64{false: 0, true: 1}[s.tried] {
				t.Errorf("%v loads tried, want %v", got, s.tried)
			}
			if got := m.table.Load().Serial; got != s.serial {
				t.Errorf("serial %d in service, want %d", got, s.serial)
			}
			want := ""
			switch {
			case s.refused:
				want = refusal(t, m.Policy, loadedAt, s.serial)
				if n := strings.Count(want, "\n"); s.write == twoMistakes && n != 3 {
					t.Fatalf("the policy has %d lines of errors, want 2: %s", n-1, want)
				}
			case s.loaded:
				loadedAt = m.loadedAt
				want = fmt.Sprintf("[INFO] plugin/mailauth: loaded %s: serial %d, 2 names, 5 records\n", m.Policy, s.serial)
			}
			if logs.String() != want {
				t.Errorf("logged\n%s\nwant\n%s", logs, want)
			}
		})
	}
}

// Putting back the policy in service after a bad edit is no change: nothing is loaded or logged,
// and the same bad edit made again is a new problem, logged again.
func TestRevertingABadEditRecoversWithoutALoad(t *testing.T) {
	logs := captureLog(t)
	good := reloadPolicy(2026010101, "ip4:192.0.2.1")
	bad := reloadPolicy(2026010102, "ip4:192.0.2.300")
	m := newReloading(t, good)
	old := m.table.Load()
	writeFile(t, m.Policy, bad)
	m.reload()
	if !strings.Contains(logs.String(), "[ERROR]") {
		t.Fatalf("the bad edit is not logged: %q", logs)
	}

	logs.Reset()
	writeFile(t, m.Policy, good)
	m.reload()
	if m.table.Load() != old || logs.Len() != 0 {
		t.Errorf("putting the policy back swapped the table or logged:\n%s", logs)
	}
	writeFile(t, m.Policy, bad)
	m.reload()
	if want := refusal(t, m.Policy, startedAt, 2026010101); logs.String() != want {
		t.Errorf("the bad edit made again logged\n%s\nwant\n%s", logs, want)
	}
}

// After a failed load the watch is on the files that attempt read, not on those of the policy in
// service: the fix may be a key file only the new policy names, and a key file only the old
// policy names cannot fix the new one.
func TestAfterAFailedLoadTheFilesOfThatAttemptAreWatched(t *testing.T) {
	captureLog(t)
	pub, err := os.ReadFile(filepath.Join("..", "..", "zones", "keys", "example.net", "mail.pub"))
	if err != nil {
		t.Fatal(err)
	}
	ed, err := os.ReadFile(filepath.Join("..", "..", "zones", "keys", "example.org", "ed2026.pem"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	old, next := filepath.Join(dir, "old.pub"), filepath.Join(dir, "next.pem")
	writeFile(t, old, string(pub))
	path := filepath.Join(dir, "mail.yaml")
	writeFile(t, path, "soa: {serial: 1}\ndomains:\n  example.org: {dkim: {old: {key: old.pub}}}\n")
	m := &MailAuth{Policy: path, Zones: []string{"example.org."}}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "soa: {serial: 2}\ndomains:\n  example.org: {dkim: {next: {key: next.pem}}}\n")
	m.reload()
	if m.failed == nil || m.table.Load().Serial != 1 {
		t.Fatalf("a policy naming a missing key file loaded")
	}

	tried := loadsTried(m)
	writeFile(t, old, string(ed)) // the old policy's key file, rotated
	m.reload()
	if loadsTried(m) != tried {
		t.Error("a change to a key file only the policy in service names was taken for a fix")
	}
	writeFile(t, next, string(ed))
	m.reload()
	if m.failed != nil || m.table.Load().Serial != 2 {
		t.Fatalf("the key file the new policy names appeared and the policy is not served: serial %d", m.table.Load().Serial)
	}
	if res := m.table.Load().Lookup("next._domainkey.example.org.", dns.TypeTXT, true); len(res.RRs) != 1 {
		t.Errorf("the new selector has %v", res.RRs)
	}
}

func TestADeletedPolicyIsTriedAgainOnlyOnceItIsBack(t *testing.T) {
	logs := captureLog(t)
	m := newReloading(t, reloadPolicy(2026010101, "ip4:192.0.2.1"))
	if err := os.Remove(m.Policy); err != nil {
		t.Fatal(err)
	}
	m.reload()
	if !strings.Contains(logs.String(), "[ERROR] plugin/mailauth: "+m.Policy+": ") {
		t.Fatalf("the missing policy is not logged with its path:\n%s", logs)
	}
	tried := loadsTried(m)
	logs.Reset()
	m.reload()
	if loadsTried(m) != tried || logs.Len() != 0 {
		t.Errorf("the policy still missing was read again or logged:\n%s", logs)
	}
	writeFile(t, m.Policy, reloadPolicy(2026010102, "ip4:192.0.2.2"))
	m.reload()
	if servedSPF(m) != "v=spf1 ip4:192.0.2.2 -all" {
		t.Errorf("the policy is back and SPF is %q", servedSPF(m))
	}
}

// secondary is a name server that takes NOTIFYs, answering them with rcode.
type secondary struct {
	addr     string
	mu       sync.Mutex
	notified []string
}

func startSecondary(t *testing.T, rcode int) *secondary {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &secondary{addr: pc.LocalAddr().String()}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			if r.Opcode == dns.OpcodeNotify && len(r.Question) == 1 {
				s.mu.Lock()
				s.notified = append(s.notified, r.Question[0].Name)
				s.mu.Unlock()
			}
			reply := new(dns.Msg)
			reply.SetRcode(r, rcode)
			w.WriteMsg(reply)
		})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return s
}

// takeNotified returns the zones notified since the last call.
func (s *secondary) takeNotified() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.notified
	s.notified = nil
	return n
}

// transferTo sets up the transfer plugin, as a Corefile would, to send NOTIFYs for zones to addr.
func transferTo(t *testing.T, addr string, zones ...string) *transfer.Transfer {
	t.Helper()
	setup, err := caddy.DirectiveAction("dns", "transfer")
	if err != nil {
		t.Fatal(err)
	}
	c := caddy.NewTestController("dns", "transfer {\n    to "+addr+"\n}")
	c.ServerBlockKeys = zones
	if err := setup(c); err != nil {
		t.Fatal(err)
	}
	plugins := dnsserver.GetConfig(c).Plugin
	return plugins[len(plugins)-1](nil).(*transfer.Transfer)
}

func TestSecondariesAreNotifiedOfEveryZoneOnlyWhenWhatIsServedChanges(t *testing.T) {
	captureLog(t)
	sec := startSecondary(t, dns.RcodeSuccess)
	m := newReloading(t, reloadPolicy(2026010101, "ip4:192.0.2.1"))
	m.xfer = transferTo(t, sec.addr, m.Zones...)
	steps := []struct {
		name, write string
		notified    []string
	}{
		{"a check that finds nothing changed notifies nobody", "", nil},
		{"a bad edit notifies nobody", reloadPolicy(2026010102, "ip4:192.0.2.300"), nil},
		{"putting back the policy in service notifies nobody", reloadPolicy(2026010101, "ip4:192.0.2.1"), nil},
		{"an edit that loads notifies every zone", reloadPolicy(2026010102, "ip4:192.0.2.2"), []string{"example.org.", "example.net."}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.write != "" {
				writeFile(t, m.Policy, s.write)
			}
			m.reload()
			// A NOTIFY is answered before reload returns: what has arrived is all there is.
			if got := sec.takeNotified(); strings.Join(got, " ") != strings.Join(s.notified, " ") {
				t.Errorf("notified %v, want %v", got, s.notified)
			}
		})
	}
}

func TestANotifyTheSecondaryRefusesIsLoggedAndTheNewPolicyServed(t *testing.T) {
	logs := captureLog(t)
	sec := startSecondary(t, dns.RcodeRefused)
	m := newReloading(t, reloadPolicy(2026010101, "ip4:192.0.2.1"))
	m.xfer = transferTo(t, sec.addr, "example.org.")
	writeFile(t, m.Policy, reloadPolicy(2026010102, "ip4:192.0.2.2"))
	m.reload()
	if servedSPF(m) != "v=spf1 ip4:192.0.2.2 -all" {
		t.Errorf("SPF %q", servedSPF(m))
	}
	want := fmt.Sprintf("[WARNING] plugin/mailauth: notify example.org.: notify for zone %q was not accepted by %q: rcode was %q\n", "example.org.", sec.addr, "REFUSED")
	if !strings.Contains(logs.String(), want) {
		t.Errorf("logged\n%s\nwant a line\n%s", logs, want)
	}
	// example.net is not in the transfer block: nothing to notify, nothing to report.
	if strings.Contains(logs.String(), "example.net.") {
		t.Errorf("logged about example.net:\n%s", logs)
	}
	got := sec.takeNotified()
	for _, z := range got {
		if z != "example.org." {
			t.Errorf("notified %s", z)
		}
	}
	if len(got) == 0 {
		t.Error("example.org. is not notified")
	}
}

func TestTheWatchLoadsEditsUntilItIsStopped(t *testing.T) {
	captureLog(t)
	m := newReloading(t, reloadPolicy(2026010101, "ip4:192.0.2.1"))
	m.Reload = 10 * time.Millisecond
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		m.watch(stop)
		close(done)
	}()
	for i, spf := range []string{"ip4:192.0.2.2", "ip4:192.0.2.3"} {
		writeFile(t, m.Policy, reloadPolicy(uint32(2026010102+i), spf))
		if !pollFor(2*time.Second, func() bool { return servedSPF(m) == "v=spf1 "+spf+" -all" }) {
			t.Fatalf("edit %d is not served: SPF %q", i+1, servedSPF(m))
		}
	}
	close(stop)
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the watch goes on after it was stopped")
	}
}

// pollFor reports whether cond holds within d, checking it every millisecond.
func pollFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// Each table is one policy: a query reading the table in service while reloads swap it sees the
// serial and the records of one and the same policy, never a mix.
func TestQueriesDuringReloadsSeeOneWholePolicy(t *testing.T) {
	captureLog(t)
	m := newReloading(t, reloadPolicy(2026010100, "ip4:192.0.2.100"))
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	problems := make(chan string, 2)
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				tb := m.table.Load()
				want := fmt.Sprintf("v=spf1 ip4:192.0.2.%d -all", tb.Serial-2026010000)
				txt := tb.Lookup("example.org.", dns.TypeTXT, true).RRs
				soa := tb.Lookup("example.org.", dns.TypeSOA, true).RRs
				if len(txt) != 1 || txt[0].(*dns.TXT).Txt[0] != want || len(soa) != 1 || soa[0].(*dns.SOA).Serial != tb.Serial {
					select {
					case problems <- fmt.Sprintf("serial %d with %v and %v", tb.Serial, txt, soa):
					default:
					}
					return
				}
				reads.Add(1)
			}
		})
	}
	for i := 101; i <= 110; i++ {
		writeFile(t, m.Policy, reloadPolicy(uint32(2026010000+i), fmt.Sprintf("ip4:192.0.2.%d", i)))
		m.reload()
		if s := m.table.Load().Serial; s != uint32(2026010000+i) {
			t.Fatalf("reload %d: serial %d", i, s)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(problems)
	for p := range problems {
		t.Error(p)
	}
	if reads.Load() == 0 {
		t.Error("no query ran during the reloads")
	}
}

func TestAPanicBuildingTheTableKeepsThePolicyAndIsTriedAgainOnlyOnChange(t *testing.T) {
	logs := captureLog(t)
	m := newReloading(t, reloadPolicy(2026010101, "ip4:192.0.2.1"))
	build := buildTable
	t.Cleanup(func() { buildTable = build })
	buildTable = func(*policy.Policy, []string, uint32) *table.Table { panic("a bug") }

	writeFile(t, m.Policy, reloadPolicy(2026010102, "ip4:192.0.2.2"))
	for i := range 3 {
		tried := loadsTried(m)
		m.reload()
		if got, want := loadsTried(m)-tried, map[bool]float64{true: 1, false: 0}[i == 0]; got != want {
			t.Errorf("check %d: %v loads tried, want %v (the files did not change after the first)", i+1, got, want)
		}
	}
	if got := servedSPF(m); got != "v=spf1 ip4:192.0.2.1 -all" {
		t.Errorf("served %q, want the policy loaded before", got)
	}
	if n := strings.Count(logs.String(), "building the records failed: a bug"); n != 1 {
		t.Errorf("the failure is logged %d times, want once:\n%s", n, logs)
	}

	buildTable = build
	writeFile(t, m.Policy, reloadPolicy(2026010103, "ip4:192.0.2.3"))
	m.reload()
	if got := servedSPF(m); got != "v=spf1 ip4:192.0.2.3 -all" {
		t.Errorf("after the next edit served %q, want it loaded", got)
	}
}
