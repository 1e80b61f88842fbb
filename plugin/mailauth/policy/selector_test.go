package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// dkimFiles copies key files made by the tools themselves (../dkimkey/testdata, testdata) into
// dir under the names the tests use, with mode 0600 unless a test changes it.
func dkimFiles(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"opendkim.private": "../dkimkey/testdata/opendkim/rsa2048.private",
		"opendkim.txt":     "../dkimkey/testdata/opendkim/rsa2048.txt",
		"other.txt":        "../dkimkey/testdata/opendkim/rsa1024.txt",
		"testmode.txt":     "../dkimkey/testdata/opendkim/testmode.txt",
		"rspamd.stdout":    "../dkimkey/testdata/rspamd/rsa2048.stdout",
		"rspamd-ed.stdout": "../dkimkey/testdata/rspamd/ed25519.stdout",
		"key.b64":          "../dkimkey/testdata/base64/rsa2048.b64",
		"big.pub":          "testdata/rsa4608.pub",
	}
	for name, from := range files {
		data, err := os.ReadFile(filepath.FromSlash(from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A private key followed by another key's record, as if rspamadm's output were pasted over.
	mixed := append(readFile(t, filepath.Join(dir, "opendkim.private")), readFile(t, filepath.Join(dir, "other.txt"))...)
	if err := os.WriteFile(filepath.Join(dir, "mixed.txt"), mixed, 0o600); err != nil {
		t.Fatal(err)
	}
	// A record whose tag values are not DKIM's, as a hand-edited SELECTOR.txt might have.
	bad := strings.Replace(string(readFile(t, filepath.Join(dir, "opendkim.txt"))), "h=sha256", "h=md5", 1)
	if err := os.WriteFile(filepath.Join(dir, "bad.txt"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// loadDKIM loads a policy whose example.org has the one selector s1 given in flow style.
func loadDKIM(t *testing.T, selector string, prepare func(dir string)) (string, *policy.Policy, error) {
	t.Helper()
	dir := policyDir(t)
	dkimFiles(t, dir)
	if prepare != nil {
		prepare(dir)
	}
	path := writePolicy(t, dir, "domains:\n  example.org:\n    dkim:\n      s1: "+selector+"\n")
	p, err := policy.Load(path)
	return path, p, err
}

func chmod(name string, mode os.FileMode) func(string) {
	return func(dir string) {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			panic(err)
		}
	}
}

func TestDKIMWarnings(t *testing.T) {
	tests := []struct {
		name     string
		selector string
		prepare  func(dir string)
		want     []string
	}{
		{
			name:     "a 1024-bit RSA key is legal but weak",
			selector: "{key: rsa.pem}",
			want:     []string{`4:17: dkim selector "s1": key file rsa.pem: RSA key is 1024 bits: RFC 8301 requires verifiers to accept it but 2048 is recommended`},
		},
		{
			name:     "a 1024-bit RSA key given as p is legal but weak",
			selector: "{p: MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwU73zQM7QyyF/L19hLYBl0TdAfdsr1bSobdIRitYQd+NI1dEE/ompXCMFtTRC6Bkbd/EwMgh9mgmPQ2c+MvW/GN41MA5k5eSxsgIa8oe6Dfc/QQ0EXPFB8+rRe3DvqzsvMUl+a0RwEu9rJTwq9CJHzd0EDdvyVlQwE3fmVFoOqQIDAQAB}",
			want:     []string{`4:15: dkim selector "s1": RSA key is 1024 bits: RFC 8301 requires verifiers to accept it but 2048 is recommended`},
		},
		{
			name:     "an RSA key over 4096 bits may be refused by verifiers",
			selector: "{key: big.pub}",
			want:     []string{`4:17: dkim selector "s1": key file big.pub: RSA key is 4608 bits: verifiers need not accept keys over 4096 bits (RFC 8301 section 3.2), use 2048`},
		},
		{
			name:     "h=sha1 alone leaves no algorithm verifiers accept",
			selector: "{key: ed.pem, h: [sha1]}",
			want:     []string{`4:25: dkim selector "s1": h=sha1 alone: RFC 8301 forbids sha1 for signing and verifying, so no signature made with this key verifies; add sha256 or remove h`},
		},
		{
			name:     "a private key file others can read",
			selector: "{key: ed.pem}",
			prepare:  chmod("ed.pem", 0o644),
			want:     []string{`4:17: dkim selector "s1": key file ed.pem is readable by group or others (mode 0644): chmod 600 it`},
		},
		{
			name:     "a private key file its group can read",
			selector: "{key: ed.pem}",
			prepare:  chmod("ed.pem", 0o640),
			want:     []string{`4:17: dkim selector "s1": key file ed.pem is readable by group or others (mode 0640): chmod 600 it`},
		},
		{
			name:     "a readable public key file is fine",
			selector: "{key: big.pub}",
			prepare:  chmod("opendkim.txt", 0o644),
			want:     []string{`4:17: dkim selector "s1": key file big.pub: RSA key is 4608 bits: verifiers need not accept keys over 4096 bits (RFC 8301 section 3.2), use 2048`},
		},
		{
			name:     "a readable record file is fine",
			selector: "{key: opendkim.txt}",
			prepare:  chmod("opendkim.txt", 0o644),
		},
		{
			name:     "both sha1 and sha256 are fine",
			selector: "{key: ed.pem, h: [sha1, sha256]}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadDKIM(t, tt.selector, tt.prepare)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			var got []string
			for _, w := range p.Warnings {
				got = append(got, strings.TrimPrefix(w.Error(), path+":"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("warnings:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestDKIMErrors(t *testing.T) {
	tests := []struct {
		name     string
		selector string
		want     string
	}{
		{"a private key and a p that is another key", `{key: opendkim.private, p: "` + edP + `"}`,
			`4:38: dkim selector "s1": key file opendkim.private and p are different keys (2048-bit RSA and ed25519)`},
		{"a private key followed by another key's record", "{key: mixed.txt}",
			`4:17: dkim selector "s1": key file mixed.txt: the private key and the record's p= are different keys (2048-bit RSA and 1024-bit RSA)`},
		{"a record in the key file with a tag value DKIM does not have", "{key: bad.txt}",
			`4:17: dkim selector "s1": key file bad.txt: h="md5" is not one of sha1, sha256`},
		{"a record in the key file and a k that says otherwise", "{key: opendkim.txt, k: ed25519}",
			`4:34: dkim selector "s1": k is ed25519 but the key is rsa`},
		{"a selector that is not a label", `{"key": ed.pem}` + "\n      \"-x..y\": {revoked: true}",
			`5:7: dkim selector "-x..y" is not a valid DNS label sequence`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadDKIM(t, tt.selector, nil)
			assertErrors(t, path, p, err, tt.want)
		})
	}
}

func TestDKIMKeyFilesFromTheTools(t *testing.T) {
	// The p= of opendkim-genkey's 2048-bit key, from openssl's base64 of it.
	p2048 := strings.Join(strings.Fields(string(readFile(t, "../dkimkey/testdata/base64/rsa2048.b64"))), "")
	tests := []struct {
		name       string
		selector   string
		wantPrefix string // the record up to p=
		wantP      string // "" when any key will do
	}{
		{"opendkim-genkey's private key", "{key: opendkim.private}", "v=DKIM1; k=rsa; p=", p2048},
		{"opendkim-genkey's SELECTOR.txt keeps its h=", "{key: opendkim.txt}", "v=DKIM1; k=rsa; h=sha256; p=", p2048},
		{"the policy's tags win over the file's", "{key: opendkim.txt, h: [sha1, sha256]}", "v=DKIM1; k=rsa; h=sha1:sha256; p=", p2048},
		{"a key made for testing stays in testing mode", "{key: testmode.txt}", "v=DKIM1; k=rsa; h=sha256; s=email; t=y; p=", ""},
		{"a private key and the same key's p", "{key: opendkim.private, p: " + p2048 + "}", "v=DKIM1; k=rsa; p=", p2048},
		{"a SELECTOR.txt and the same key's p", "{key: opendkim.txt, p: " + p2048 + "}", "v=DKIM1; k=rsa; h=sha256; p=", p2048},
		{"rspamadm's whole RSA output", "{key: rspamd.stdout}", "v=DKIM1; k=rsa; p=", ""},
		{"rspamadm's whole Ed25519 output", "{key: rspamd-ed.stdout}", "v=DKIM1; k=ed25519; p=", ""},
		{"a base64 key alone", "{key: key.b64}", "v=DKIM1; k=rsa; p=", p2048},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadDKIM(t, tt.selector, nil)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			rec := p.Domains[0].Selectors[0].Record
			prefix, key, _ := strings.Cut(rec, "p=")
			if prefix+"p=" != tt.wantPrefix || tt.wantP != "" && key != tt.wantP {
				t.Errorf("record %q, want %q followed by %q", rec, tt.wantPrefix, tt.wantP)
			}
			if len(p.Warnings) > 0 {
				t.Errorf("unexpected warnings: %v", p.Warnings)
			}
		})
	}
}
