package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// A reload reads every key file again; those whose content did not change are not parsed again,
// and a key file that changes is.
func TestKeyFilesAreParsedOncePerContent(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"mail2026.pem", "ed2026.pem"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "zones", "keys", "example.org", k))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, k), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "mail.yaml")
	body := "domains:\n  example.org: {dkim: {a: {key: mail2026.pem}, b: {key: ed2026.pem}}}\n  example.net: {dkim: {a: {key: mail2026.pem}}}\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	parses := func() int {
		parsedKeyFiles.mu.Lock()
		defer parsedKeyFiles.mu.Unlock()
		return parsedKeyFiles.parses
	}
	load := func() *Policy {
		p, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := parses()
	first := load()
	if n := parses() - before; n > 2 {
		t.Errorf("first load parsed %d key files, want at most 2 (one per content)", n)
	}
	before = parses()
	second := load()
	if n := parses() - before; n != 0 {
		t.Errorf("reload of unchanged key files parsed %d", n)
	}
	if first.Domains[1].Selectors[0].Record != second.Domains[1].Selectors[0].Record {
		t.Error("the cached key publishes another record")
	}
	// Rotating a key: the file now holds the other key.
	data, _ := os.ReadFile(filepath.Join(dir, "ed2026.pem"))
	if err := os.WriteFile(filepath.Join(dir, "mail2026.pem"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	before = parses()
	third := load()
	if got := third.Domains[0].Selectors[0].Record; got == first.Domains[0].Selectors[0].Record {
		t.Errorf("after the rotation example.net still publishes %q", got)
	}
	if n := parses() - before; n != 0 {
		t.Errorf("rotation to a key already parsed parsed %d key files", n)
	}
}
