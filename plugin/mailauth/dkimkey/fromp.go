package dkimkey

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// FromP parses a base64 p= value as handed out by a provider.
//
// k is "", "rsa" or "ed25519"; "" means detect: 32 decoded bytes is Ed25519,
// otherwise RSA as SPKI or, failing that, PKCS#1 RSAPublicKey. An RSA key in
// PKCS#1 form is re-encoded as SPKI in Public. A k that does not match the
// bytes is an error.
//
// The value is not cleaned up first: a stray quote, space or line break
// usually means the value was copied with zone-file syntax around it, and
// silently dropping it could hide a truncated key, so it is reported with
// its offset instead.
func FromP(p, k string) (Key, error) {
	k = strings.ToLower(k)
	if k != "" && k != RSA && k != Ed25519 {
		return Key{}, fmt.Errorf("unknown key type k=%s (expected %q or %q)", k, RSA, Ed25519)
	}
	if p == "" {
		// An empty p= is legal in a record but means "revoked" (RFC 6376
		// section 3.6.1), so it can never be a key to publish.
		return Key{}, errors.New("p= is empty (an empty p= revokes the key)")
	}
	for i, r := range p {
		if !isBase64(r) {
			return Key{}, fmt.Errorf("p= is not valid base64: illegal character %q at offset %d", r, i)
		}
	}
	if len(p)%4 != 0 {
		return Key{}, fmt.Errorf("p= is not valid base64: length %d is not a multiple of 4 (truncated, or '=' padding missing)", len(p))
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		// Only misplaced '=' gets here, as every character was checked above.
		return Key{}, fmt.Errorf("p= is not valid base64: %v", err)
	}

	if len(der) == ed25519.PublicKeySize {
		if k == RSA {
			return Key{}, fmt.Errorf("k=rsa but p= is %d bytes, the size of an Ed25519 key", len(der))
		}
		return Key{Algorithm: Ed25519, Bits: 256, Public: der}, nil
	}

	key, err := rsaFromDER(der)
	if err != nil {
		return Key{}, err
	}
	if k == Ed25519 {
		if key.Algorithm == Ed25519 {
			return Key{}, fmt.Errorf("k=ed25519 but p= is an SPKI structure: RFC 8463 publishes the raw %d-byte key", ed25519.PublicKeySize)
		}
		return Key{}, fmt.Errorf("k=ed25519 but p= holds a %d-bit RSA key", key.Bits)
	}
	if key.Algorithm == Ed25519 {
		// A wrapped Ed25519 key would be published wrongly, so ask for k=
		// and the raw form rather than guess.
		return Key{}, fmt.Errorf("p= is an Ed25519 key in SPKI form: RFC 8463 publishes the raw %d-byte key", ed25519.PublicKeySize)
	}
	return key, nil
}

// rsaFromDER reads SPKI or, failing that, PKCS#1; an SPKI Ed25519 key is
// returned too so that FromP can explain the mistake.
func rsaFromDER(der []byte) (Key, error) {
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		if rsaPub, ok := pub.(*rsa.PublicKey); ok {
			// Keep the provider's bytes: they already are the SPKI to publish.
			return Key{Algorithm: RSA, Bits: rsaPub.N.BitLen(), Public: der}, nil
		}
		if edPub, ok := pub.(ed25519.PublicKey); ok {
			return Key{Algorithm: Ed25519, Bits: 256, Public: edPub}, nil
		}
		return fromPublic(pub)
	}
	if pub, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return fromPublic(pub)
	}
	return Key{}, fmt.Errorf("p= is neither an RSA public key (SPKI or PKCS#1) nor a %d-byte Ed25519 key (it decodes to %d bytes)", ed25519.PublicKeySize, len(der))
}

// isBase64 reports whether r belongs to the standard base64 alphabet,
// including the '=' pad.
func isBase64(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '+' || r == '/' || r == '='
}
