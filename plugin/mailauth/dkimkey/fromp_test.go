package dkimkey

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
)

func TestFromPRoundTrips(t *testing.T) {
	f := testKeys(t)
	rsaPub := &f.rsa1024.PublicKey
	edPub := f.ed.Public().(ed25519.PublicKey)
	spki := base64.StdEncoding.EncodeToString(must(x509.MarshalPKIXPublicKey(rsaPub)))
	pkcs1 := base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(rsaPub))
	raw := base64.StdEncoding.EncodeToString(edPub)

	tests := []struct {
		name     string
		p, k     string
		wantAlg  string
		wantBits int
		wantPub  any
	}{
		{"an SPKI RSA key with k=rsa is read", spki, "rsa", RSA, 1024, rsaPub},
		{"an SPKI RSA key without k is detected", spki, "", RSA, 1024, rsaPub},
		{"a PKCS#1 RSA key is re-encoded as SPKI", pkcs1, "", RSA, 1024, rsaPub},
		{"a PKCS#1 RSA key with k=rsa is re-encoded as SPKI", pkcs1, "rsa", RSA, 1024, rsaPub},
		{"a raw Ed25519 key with k=ed25519 is read", raw, "ed25519", Ed25519, 256, edPub},
		{"a raw Ed25519 key without k is detected by its 32 bytes", raw, "", Ed25519, 256, edPub},
		{"k is compared without regard to case", raw, "Ed25519", Ed25519, 256, edPub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := FromP(tt.p, tt.k)
			if err != nil {
				t.Fatalf("FromP: %v", err)
			}
			if k.Algorithm != tt.wantAlg || k.Bits != tt.wantBits || k.Private {
				t.Errorf("got %s/%d private=%v, want %s/%d public", k.Algorithm, k.Bits, k.Private, tt.wantAlg, tt.wantBits)
			}
			checkPublic(t, k, tt.wantPub)
		})
	}
}

func TestFromPGivesBackWhatParsePublishes(t *testing.T) {
	f := testKeys(t)
	files := map[string][]byte{
		"an RSA private key": pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(f.rsa1024)),
		"an Ed25519 key":     pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(f.ed))),
	}
	for name, data := range files {
		t.Run(name+" survives P and FromP unchanged", func(t *testing.T) {
			parsed, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			back, err := FromP(parsed.P(), parsed.Algorithm)
			if err != nil {
				t.Fatalf("FromP: %v", err)
			}
			if back.Algorithm != parsed.Algorithm || back.Bits != parsed.Bits || !bytes.Equal(back.Public, parsed.Public) {
				t.Errorf("FromP(P()) = %+v, want %+v", back, parsed)
			}
		})
	}
}

func TestFromPRejectsBadValues(t *testing.T) {
	f := testKeys(t)
	rsaPub := &f.rsa1024.PublicKey
	edPub := f.ed.Public().(ed25519.PublicKey)
	spki := base64.StdEncoding.EncodeToString(must(x509.MarshalPKIXPublicKey(rsaPub)))
	edSPKI := base64.StdEncoding.EncodeToString(must(x509.MarshalPKIXPublicKey(edPub)))
	raw := base64.StdEncoding.EncodeToString(edPub)
	ecSPKI := base64.StdEncoding.EncodeToString(must(x509.MarshalPKIXPublicKey(&f.ec.PublicKey)))

	tests := []struct {
		name    string
		p, k    string
		wantErr string
	}{
		{"a stray quote is named with its offset", spki[:12] + `"` + spki[12:], "", `p= is not valid base64: illegal character '"' at offset 12`},
		{"a space from a split TXT string is named with its offset", spki[:4] + " " + spki[4:], "", `illegal character ' ' at offset 4`},
		{"a line break is named with its offset", spki[:8] + "\n" + spki[8:], "", `illegal character '\n' at offset 8`},
		{"URL-safe base64 is refused", "-_" + raw[2:], "", `illegal character '-' at offset 0`},
		{"an empty value is refused because it means revoked", "", "", "p= is empty"},
		{"a truncated value is refused", spki[:len(spki)-3], "", "not a multiple of 4"},
		{"misplaced padding is refused", "AA==AAAA", "", "not valid base64"},
		{"bytes that are no key are refused", base64.StdEncoding.EncodeToString([]byte("hello, world")), "", "neither an RSA public key"},
		{"an Ed25519 key with k=rsa is a mismatch", raw, "rsa", "k=rsa but p= is 32 bytes"},
		{"an RSA key with k=ed25519 is a mismatch", spki, "ed25519", "k=ed25519 but p= holds a 1024-bit RSA key"},
		{"an SPKI Ed25519 key with k=ed25519 asks for the raw key", edSPKI, "ed25519", "raw 32-byte key"},
		{"an SPKI Ed25519 key without k asks for the raw key", edSPKI, "", "raw 32-byte key"},
		{"an EC key is refused because DKIM has no ECDSA", ecSPKI, "", "DKIM has no ECDSA"},
		{"an unknown k is refused", spki, "dsa", "unknown key type k=dsa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := FromP(tt.p, tt.k)
			if err == nil {
				t.Fatalf("FromP succeeded with %+v, want error containing %q", k, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}
