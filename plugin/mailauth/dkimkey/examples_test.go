package dkimkey

import (
	"path/filepath"
	"testing"
)

// The example keys under zones/keys are used by the docs, so they must keep
// parsing as what their names promise.
func TestExampleKeysInTheTreeParse(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "zones", "keys")
	tests := []struct {
		name        string
		path        string
		wantAlg     string
		wantBits    int
		wantPrivate bool
	}{
		{"the PKCS#8 RSA 2048 example is read", "example.org/mail2026.pem", RSA, 2048, true},
		{"the PKCS#1 RSA 4096 example is read", "example.org/big2026.pem", RSA, 4096, true},
		{"the PKCS#8 Ed25519 example is read", "example.org/ed2026.pem", Ed25519, 256, true},
		{"the SPKI RSA 2048 public example is read", "example.net/mail.pub", RSA, 2048, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ReadFile(filepath.Join(dir, filepath.FromSlash(tt.path)))
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if k.Algorithm != tt.wantAlg || k.Bits != tt.wantBits || k.Private != tt.wantPrivate {
				t.Errorf("got %s/%d private=%v, want %s/%d private=%v", k.Algorithm, k.Bits, k.Private, tt.wantAlg, tt.wantBits, tt.wantPrivate)
			}
			if err := k.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}
