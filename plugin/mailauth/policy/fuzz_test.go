package policy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// FuzzParse reads arbitrary bytes as a policy. Parse must never panic (a panic on a reload ends
// CoreDNS), must return a policy or
// an error but not both, and must place every problem inside the file it read. Key files named
// keys/example.org/*.pem and keys/example.net/mail.pub exist, so that seeds reach the key checks.
// The seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	dir := f.TempDir()
	for _, k := range []string{"example.org/mail2026.pem", "example.org/big2026.pem", "example.org/ed2026.pem", "example.net/mail.pub"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "zones", "keys", k))
		if err != nil {
			f.Fatal(err)
		}
		path := filepath.Join(dir, "keys", k)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A key path may name any file: devices (/dev/zero, a terminal) would only test the fuzzer's
		// patience, so paths into them, plain or escaped in YAML, are left out.
		for _, special := range []string{"/dev", "/proc", "/sys", `\x`, `\u`, `\U`, `\/`} {
			if bytes.Contains(data, []byte(special)) {
				t.Skip()
			}
		}
		// A panic is reported as a failure, so that every crashing seed is listed, not the first.
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Parse panicked on %q: %v\n%s", data, r, debug.Stack())
			}
		}()
		p, err := Parse("fuzz.yaml", data, dir)
		if (p == nil) == (err == nil) {
			t.Fatalf("policy %v and error %v: want exactly one", p != nil, err)
		}
		if err == nil {
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error %T %q is not a list of policy problems", err, err)
		}
		// YAML breaks lines at LF, CR LF and a lone CR.
		lines := bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n")) + bytes.Count(data, []byte("\r")) -
			bytes.Count(data, []byte("\r\n")) + 1
		for _, e := range errs {
			if e.Msg == "" || e.Line < 0 || e.Line > lines || e.Col < 0 {
				t.Errorf("problem %q placed at line %d column %d of a %d-line file", e.Msg, e.Line, e.Col, lines)
			}
		}
	})
}
