package dkimkey

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"testing"
)

// testRSAKey is generated once: key generation is slow.
var testRSAKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

// pkcs8Of wraps a PKCS#1 RSA private key in PKCS#8.
func pkcs8Of(t *testing.T, k *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// tampered returns k's PKCS#1 encoding with change applied to its fields.
func tampered(t *testing.T, k *rsa.PrivateKey, change func(*pkcs1RSAPrivateKey)) []byte {
	t.Helper()
	var raw pkcs1RSAPrivateKey
	if _, err := asn1.Unmarshal(x509.MarshalPKCS1PrivateKey(k), &raw); err != nil {
		t.Fatal(err)
	}
	change(&raw)
	der, err := asn1.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestTheRSAPublicKeyOfAPrivateKeyIsReadWithoutX509sChecks(t *testing.T) {
	for _, tt := range []struct {
		name string
		der  []byte
	}{
		{"PKCS#1", x509.MarshalPKCS1PrivateKey(testRSAKey)},
		{"PKCS#8", pkcs8Of(t, testRSAKey)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pub, ok := rsaPublicOfPrivate(tt.der)
			if !ok || !pub.Equal(&testRSAKey.PublicKey) {
				t.Fatalf("got %v, %v; want the key's public half", pub, ok)
			}
		})
	}
}

func TestAnRSAPrivateKeyThatIsNotPlainlyWholeIsLeftToX509(t *testing.T) {
	two := big.NewInt(2)
	ed, _, _ := ed25519.GenerateKey(rand.Reader)
	edDER, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(ed[:32]))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		der     []byte
		x509Err bool // x509 refuses it too
	}{
		{"a modulus that is not the product of the primes", tampered(t, testRSAKey, func(k *pkcs1RSAPrivateKey) { k.N.Add(k.N, two) }), true},
		{"a prime that does not divide the modulus", tampered(t, testRSAKey, func(k *pkcs1RSAPrivateKey) { k.P.Add(k.P, two) }), true},
		{"an even public exponent", tampered(t, testRSAKey, func(k *pkcs1RSAPrivateKey) { k.E.SetInt64(65536) }), true},
		{"a public exponent of 1", tampered(t, testRSAKey, func(k *pkcs1RSAPrivateKey) { k.E.SetInt64(1) }), true},
		{"a public exponent over 2^31", tampered(t, testRSAKey, func(k *pkcs1RSAPrivateKey) { k.E.Lsh(big.NewInt(1), 33).Add(k.E, big.NewInt(1)) }), true},
		{"a zero CRT value", tampered(t, testRSAKey, func(k *pkcs1RSAPrivateKey) { k.Qinv.SetInt64(0) }), true},
		{"a version other than two primes", tampered(t, testRSAKey, func(k *pkcs1RSAPrivateKey) { k.Version = 1 }), false},
		{"trailing bytes", append(x509.MarshalPKCS1PrivateKey(testRSAKey), 0), true},
		{"an Ed25519 key in PKCS#8", edDER, false},
		{"nothing", nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if pub, ok := rsaPublicOfPrivate(tt.der); ok {
				t.Fatalf("read as %v", pub)
			}
			_, err := parsePrivate(&pem.Block{Type: "PRIVATE KEY", Bytes: tt.der})
			if (err != nil) != tt.x509Err {
				t.Errorf("parsePrivate: %v, want an error: %v", err, tt.x509Err)
			}
		})
	}
}

// BenchmarkParseRSAPrivateKey is the cost of a key file per domain at each first load.
func BenchmarkParseRSAPrivateKey(b *testing.B) {
	block := &pem.Block{Type: "PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testRSAKey)}
	b.Run("public half", func(b *testing.B) {
		for b.Loop() {
			if _, err := parsePrivate(block); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("x509", func(b *testing.B) {
		for b.Loop() {
			if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
				b.Fatal(err)
			}
		}
	})
}
