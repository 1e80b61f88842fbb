package mailauth

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSerialIsThePinnedOneOrTheNewestFileTime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	writeFile(t, path, "domains:\n  example.org:\n    spf: [-all]\n")
	when := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, when, when); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := nextSerial(nil, p); got != uint32(when.Unix()) {
		t.Errorf("derived serial %d, want %d", got, when.Unix())
	}
	writeFile(t, path, "soa: {serial: 2026112301}\ndomains:\n  example.org:\n    spf: [-all]\n")
	if p, err = policy.Load(path); err != nil {
		t.Fatal(err)
	}
	if got := nextSerial(nil, p); got != 2026112301 {
		t.Errorf("pinned serial %d", got)
	}
}

func TestAFailedLoadKeepsTheTableInService(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	writeFile(t, path, "domains:\n  example.org:\n    spf: [-all]\n")
	m := &MailAuth{Policy: path, Zones: []string{"example.org."}}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	good := m.table.Load()
	writeFile(t, path, "domains:\n  example.org:\n    spf: [bogus]\n")
	if _, err := m.load(); err == nil {
		t.Fatal("a bad policy loaded")
	}
	if m.table.Load() != good {
		t.Fatal("a failed load replaced the table")
	}
}

func TestSerialGrowsEvenWhenFileTimesDoNot(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	writeFile(t, path, "domains:\n  example.org:\n    spf: [-all]\n")
	when := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	os.Chtimes(path, when, when)
	m := &MailAuth{Policy: path, Zones: []string{"example.org."}}
	if _, err := m.load(); err != nil {
		t.Fatal(err)
	}
	first := m.table.Load().Serial
	// Same second, new content: a restored backup or two quick edits.
	writeFile(t, path, "domains:\n  example.org:\n    spf: [~all]\n")
	os.Chtimes(path, when, when)
	changed, err := m.load()
	if err != nil || !changed {
		t.Fatalf("changed %v, err %v", changed, err)
	}
	if got := m.table.Load().Serial; got != first+1 {
		t.Errorf("serial %d after a change within the same second, want %d", got, first+1)
	}
	// Unchanged content: nothing is swapped and the serial stays.
	if changed, _ := m.load(); changed {
		t.Error("an unchanged policy counted as a change")
	}
	if got := m.table.Load().Serial; got != first+1 {
		t.Errorf("serial moved to %d without a change", got)
	}
}

func TestSerialArithmeticFollowsRFC1982(t *testing.T) {
	for _, tc := range []struct {
		a, b uint32
		want bool
	}{{2, 1, true}, {1, 2, false}, {1, 1, false}, {0, 0xffffffff, true}, {0x7fffffff, 0, true}} {
		if got := serialAfter(tc.a, tc.b); got != tc.want {
			t.Errorf("serialAfter(%d, %d) = %v", tc.a, tc.b, got)
		}
	}
}

// Server blocks that name the same policy (a forward zone, its reverse zones) parse it once, and
// each takes an edit when it comes.
func TestBlocksNamingOnePolicyShareOneLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.yaml")
	writeFile(t, path, "soa: {serial: 2026010101}\ndomains:\n  example.org: {spf: [-all]}\nhosts:\n  mail.example.org: [192.0.2.1]\n")
	forward := &MailAuth{Policy: path, Zones: []string{"example.org."}}
	reverse := &MailAuth{Policy: path, Zones: []string{"2.0.192.in-addr.arpa."}}
	for _, m := range []*MailAuth{forward, reverse} {
		if _, err := m.load(); err != nil {
			t.Fatal(err)
		}
	}
	if forward.table.Load().Policy != reverse.table.Load().Policy {
		t.Error("each block loaded the policy itself")
	}
	if forward.table.Load().Zones()[0] == reverse.table.Load().Zones()[0] {
		t.Error("the blocks share a table, not just the policy")
	}

	writeFile(t, path, "soa: {serial: 2026010102}\ndomains:\n  example.org: {spf: [~all]}\nhosts:\n  mail.example.org: [192.0.2.1]\n")
	forward.reload()
	reverse.reload()
	p := forward.table.Load().Policy
	if p.SOA.Serial != 2026010102 || reverse.table.Load().Policy != p {
		t.Errorf("after the edit: serials %d and %d, shared %v", p.SOA.Serial, reverse.table.Load().Policy.SOA.Serial,
			reverse.table.Load().Policy == p)
	}
}
