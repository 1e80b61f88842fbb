package mailauth

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func writeFile(t *testing.T, path, content string) {
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
	if got := serial(p); got != uint32(when.Unix()) {
		t.Errorf("derived serial %d, want %d", got, when.Unix())
	}
	writeFile(t, path, "soa: {serial: 2026112301}\ndomains:\n  example.org:\n    spf: [-all]\n")
	if p, err = policy.Load(path); err != nil {
		t.Fatal(err)
	}
	if got := serial(p); got != 2026112301 {
		t.Errorf("pinned serial %d", got)
	}
}

func TestAFailedLoadKeepsTheTableInService(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	writeFile(t, path, "domains:\n  example.org:\n    spf: [-all]\n")
	m := &MailAuth{Policy: path, Zones: []string{"example.org."}}
	if err := m.load(); err != nil {
		t.Fatal(err)
	}
	good := m.table.Load()
	writeFile(t, path, "domains:\n  example.org:\n    spf: [bogus]\n")
	if err := m.load(); err == nil {
		t.Fatal("a bad policy loaded")
	}
	if m.table.Load() != good {
		t.Fatal("a failed load replaced the table")
	}
}
