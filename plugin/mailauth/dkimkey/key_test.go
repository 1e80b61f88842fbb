// Receivers reject RSA keys under 1024 bits, and so does crypto/rsa by
// default; the tests need one such key to show that Parse still reads it.
//go:debug rsa1024min=0

package dkimkey

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// fixtures are generated once per test binary because RSA generation is
// slow, especially under -race.
type fixtures struct {
	rsa1024 *rsa.PrivateKey
	rsa512  *rsa.PrivateKey
	ed      ed25519.PrivateKey
	ec      *ecdsa.PrivateKey
	x25519  *ecdh.PrivateKey
}

var loadFixtures = sync.OnceValues(func() (fixtures, error) {
	var f fixtures
	var err error
	if f.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
		return f, err
	}
	if f.rsa512, err = rsa.GenerateKey(rand.Reader, 512); err != nil {
		return f, err
	}
	f.ed = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	if f.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return f, err
	}
	if f.x25519, err = ecdh.X25519().GenerateKey(rand.Reader); err != nil {
		return f, err
	}
	return f, nil
})

func testKeys(t *testing.T) fixtures {
	t.Helper()
	f, err := loadFixtures()
	if err != nil {
		t.Fatalf("generating test keys: %v", err)
	}
	return f
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// must unwraps the result of a marshal call that only fails on a test bug.
func must(der []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return der
}

// checkPublic verifies that k publishes exactly want, in the form the
// package documents for its algorithm.
func checkPublic(t *testing.T, k Key, want crypto.PublicKey) {
	t.Helper()
	switch want := want.(type) {
	case *rsa.PublicKey:
		pub, err := x509.ParsePKIXPublicKey(k.Public)
		if err != nil {
			t.Fatalf("RSA Public is not SPKI: %v", err)
		}
		got, ok := pub.(*rsa.PublicKey)
		if !ok || got.N.Cmp(want.N) != 0 || got.E != want.E {
			t.Fatalf("RSA Public does not hold the expected key")
		}
	case ed25519.PublicKey:
		if !bytes.Equal(k.Public, want) {
			t.Fatalf("Ed25519 Public = %x, want the raw key %x", k.Public, []byte(want))
		}
	default:
		t.Fatalf("test bug: unexpected key type %T", want)
	}
}

func TestParseReadsEveryPEMForm(t *testing.T) {
	f := testKeys(t)
	rsaPub := &f.rsa1024.PublicKey
	edPub := f.ed.Public().(ed25519.PublicKey)
	ecParams := pemOf("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})
	pkcs8RSA := must(x509.MarshalPKCS8PrivateKey(f.rsa1024))

	tests := []struct {
		name        string
		data        []byte
		wantAlg     string
		wantBits    int
		wantPrivate bool
		wantPub     crypto.PublicKey
	}{
		{"an RSA private key in PKCS#1 form is read", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(f.rsa1024)), RSA, 1024, true, rsaPub},
		{"an RSA private key in PKCS#8 form is read", pemOf("PRIVATE KEY", pkcs8RSA), RSA, 1024, true, rsaPub},
		{"an RSA public key in SPKI form is read", pemOf("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(rsaPub))), RSA, 1024, false, rsaPub},
		{"an RSA public key in PKCS#1 form is read as SPKI", pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(rsaPub)), RSA, 1024, false, rsaPub},
		{"a PKCS#8 key mislabelled as RSA PRIVATE KEY is still read", pemOf("RSA PRIVATE KEY", pkcs8RSA), RSA, 1024, true, rsaPub},
		{"a 512-bit RSA key parses because only Check enforces the minimum", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(f.rsa512)), RSA, 512, true, &f.rsa512.PublicKey},
		{"an Ed25519 private key in PKCS#8 form gives the raw public key", pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(f.ed))), Ed25519, 256, true, edPub},
		{"an Ed25519 public key in SPKI form gives the raw public key", pemOf("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(edPub))), Ed25519, 256, false, edPub},
		{"text before the PEM block is skipped", append([]byte("Bag Attributes\n    localKeyID: 01\n"), pemOf("PRIVATE KEY", pkcs8RSA)...), RSA, 1024, true, rsaPub},
		{"an EC PARAMETERS block before the key is skipped", append(ecParams, pemOf("PRIVATE KEY", pkcs8RSA)...), RSA, 1024, true, rsaPub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if k.Algorithm != tt.wantAlg || k.Bits != tt.wantBits || k.Private != tt.wantPrivate {
				t.Errorf("got %s/%d private=%v, want %s/%d private=%v", k.Algorithm, k.Bits, k.Private, tt.wantAlg, tt.wantBits, tt.wantPrivate)
			}
			checkPublic(t, k, tt.wantPub)
		})
	}
}

func TestParseRejectsFilesWithoutAUsableKey(t *testing.T) {
	f := testKeys(t)
	legacyEncrypted := pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   bytes.Repeat([]byte{0x42}, 64),
	})

	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"an empty file has no key", nil, "no key found"},
		{"garbage has no key", []byte("not a key at all\n\x00\x01"), "no key found"},
		{"a file with only EC PARAMETERS has no key", pemOf("EC PARAMETERS", []byte{0x06, 0x01, 0x00}), "no key found"},
		{"a certificate alone has no key", pemOf("CERTIFICATE", []byte{0x30, 0x00}), "no key found"},
		{"a legacy encrypted PEM key must be decrypted first", legacyEncrypted, "must be unencrypted"},
		{"an encrypted PKCS#8 key must be decrypted first", pemOf("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x00}), "must be unencrypted"},
		{"an EC private key is refused because DKIM has no ECDSA", pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(f.ec))), "DKIM has no ECDSA"},
		{"an EC key in PKCS#8 form is refused because DKIM has no ECDSA", pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(f.ec))), "DKIM has no ECDSA"},
		{"an EC public key is refused because DKIM has no ECDSA", pemOf("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&f.ec.PublicKey))), "DKIM has no ECDSA"},
		{"an X25519 key is refused because it cannot sign", pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(f.x25519))), "cannot sign"},
		{"a DSA key is refused", pemOf("DSA PRIVATE KEY", []byte{0x30, 0x00}), "DSA keys cannot be used"},
		{"an OpenSSH key asks for PEM", pemOf("OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00")), "OpenSSH format"},
		{"a corrupt private key block says which block", pemOf("PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x00}), "bad PRIVATE KEY block"},
		{"a corrupt public key block says which block", pemOf("PUBLIC KEY", []byte{0x30, 0x00}), "bad PUBLIC KEY block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.data)
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want error containing %q", k, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckRejectsKeysReceiversRefuse(t *testing.T) {
	ed := bytes.Repeat([]byte{1}, ed25519.PublicKeySize)
	tests := []struct {
		name    string
		key     Key
		wantErr string
	}{
		{"a 1024-bit RSA key is accepted", Key{Algorithm: RSA, Bits: 1024}, ""},
		{"a 2048-bit RSA key is accepted", Key{Algorithm: RSA, Bits: 2048}, ""},
		{"a 512-bit RSA key is refused", Key{Algorithm: RSA, Bits: 512}, "RSA key is 512 bits, at least 1024 required"},
		{"an Ed25519 key is accepted", Key{Algorithm: Ed25519, Bits: 256, Public: ed}, ""},
		{"a truncated Ed25519 key is refused", Key{Algorithm: Ed25519, Bits: 256, Public: ed[:31]}, "31 bytes"},
		{"a key without an algorithm is refused", Key{}, "unknown key algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.key.Check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckRejectsAParsed512BitKey(t *testing.T) {
	k, err := Parse(pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(testKeys(t).rsa512)))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := k.Check(); err == nil || err.Error() != "RSA key is 512 bits, at least 1024 required" {
		t.Errorf("Check = %v", err)
	}
}

func TestPIsPaddedStandardBase64OnOneLine(t *testing.T) {
	tests := []struct {
		name   string
		public []byte
		want   string
	}{
		{"bytes that need padding get '=' padding", []byte{0xfb, 0xff}, "+/8="},
		{"the standard alphabet is used, not the URL one", []byte{0xfb, 0xef, 0xbe}, "++++"},
		{"no bytes give an empty value", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Key{Public: tt.public}).P(); got != tt.want {
				t.Errorf("P() = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a long key is not wrapped", func(t *testing.T) {
		k := Key{Public: bytes.Repeat([]byte{0xaa}, 600)}
		if strings.ContainsAny(k.P(), "\r\n ") {
			t.Errorf("P() contains line breaks or spaces")
		}
	})
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "ed.pem")
	if err := os.WriteFile(good, pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(testKeys(t).ed))), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")

	t.Run("an existing key file is parsed", func(t *testing.T) {
		k, err := ReadFile(good)
		if err != nil || k.Algorithm != Ed25519 || !k.Private {
			t.Fatalf("ReadFile = %+v, %v", k, err)
		}
	})
	t.Run("a missing file errors without naming the path", func(t *testing.T) {
		_, err := ReadFile(missing)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("ReadFile error %v is not fs.ErrNotExist", err)
		}
		if strings.Contains(err.Error(), missing) {
			t.Errorf("error %q names the path, which the caller adds", err)
		}
	})
}

func TestWarningsNameKeysSomeReceiversRefuse(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want []string
	}{
		{"a 1024-bit RSA key is legal but weak", Key{Algorithm: RSA, Bits: 1024}, []string{"RSA key is 1024 bits: RFC 8301 requires verifiers to accept it but 2048 is recommended"}},
		{"a 1536-bit RSA key is still under the recommended size", Key{Algorithm: RSA, Bits: 1536}, []string{"RSA key is 1536 bits: RFC 8301 requires verifiers to accept it but 2048 is recommended"}},
		{"a 2048-bit RSA key is fine", Key{Algorithm: RSA, Bits: 2048}, nil},
		{"a 4096-bit RSA key is fine", Key{Algorithm: RSA, Bits: 4096}, nil},
		{"an 8192-bit RSA key may be refused", Key{Algorithm: RSA, Bits: 8192}, []string{"RSA key is 8192 bits: verifiers need not accept keys over 4096 bits (RFC 8301 section 3.2), use 2048"}},
		{"an Ed25519 key is fine", Key{Algorithm: Ed25519, Bits: 256}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.key.Warnings(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Warnings = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEqualComparesKeysNotEncodings(t *testing.T) {
	f := testKeys(t)
	spki := must(x509.MarshalPKIXPublicKey(&f.rsa1024.PublicKey))
	fromPKCS1, err := FromP(base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(&f.rsa1024.PublicKey)), "")
	if err != nil {
		t.Fatal(err)
	}
	a := Key{Algorithm: RSA, Bits: 1024, Public: spki}
	if !a.Equal(fromPKCS1) {
		t.Error("an RSA key given as PKCS#1 differs from the same key as SPKI")
	}
	other := Key{Algorithm: RSA, Bits: 512, Public: must(x509.MarshalPKIXPublicKey(&f.rsa512.PublicKey))}
	if a.Equal(other) {
		t.Error("two RSA keys are equal")
	}
	ed := Key{Algorithm: Ed25519, Public: f.ed.Public().(ed25519.PublicKey)}
	if a.Equal(ed) || !ed.Equal(ed) {
		t.Error("Ed25519 comparison is wrong")
	}
}
