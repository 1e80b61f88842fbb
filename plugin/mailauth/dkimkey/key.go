// Package dkimkey reads the DKIM key a mail signer already uses and turns it
// into the k= and p= tags of a DKIM key record (RFC 6376 section 3.6.1).
//
// Only the public half is ever published: a private key is read solely to
// derive its public key. RSA keys are published as DER SubjectPublicKeyInfo,
// as opendkim-genkey does; Ed25519 keys are published as the raw 32-byte key
// that RFC 8463 section 3 requires, not as SubjectPublicKeyInfo.
package dkimkey

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Algorithm names as used in the k= tag.
const (
	RSA     = "rsa"
	Ed25519 = "ed25519"
)

// RSA key sizes from RFC 8301 section 3.2: verifiers must accept keys from MinRSABits to
// MaxRSABits and may refuse others; signers should use at least GoodRSABits.
const (
	MinRSABits  = 1024
	GoodRSABits = 2048
	MaxRSABits  = 4096
)

// Key is the public half of a DKIM key, ready for a key record.
type Key struct {
	Algorithm string // RSA or Ed25519
	Bits      int    // RSA modulus size; 256 for Ed25519
	// Public holds the p= bytes before base64: DER SubjectPublicKeyInfo for
	// RSA, the raw 32-byte key for Ed25519 (RFC 8463 section 3, not SPKI).
	Public  []byte
	Private bool // true when it was read from a private key
}

// P returns the base64 (standard, padded, no line breaks) value of the p= tag.
func (k Key) P() string {
	return base64.StdEncoding.EncodeToString(k.Public)
}

// Check returns an error for a key that receivers reject.
func (k Key) Check() error {
	switch k.Algorithm {
	case RSA:
		if k.Bits < MinRSABits {
			return fmt.Errorf("RSA key is %d bits, at least %d required", k.Bits, MinRSABits)
		}
	case Ed25519:
		if len(k.Public) != ed25519.PublicKeySize {
			return fmt.Errorf("public key is %d bytes, Ed25519 needs %d", len(k.Public), ed25519.PublicKeySize)
		}
	default:
		return fmt.Errorf("unknown key algorithm %q (expected %q or %q)", k.Algorithm, RSA, Ed25519)
	}
	return nil
}

// Warnings returns what may make receivers fail a key that Check accepts, one sentence each.
func (k Key) Warnings() []string {
	switch {
	case k.Algorithm != RSA:
		return nil
	case k.Bits >= MinRSABits && k.Bits < GoodRSABits:
		return []string{fmt.Sprintf("RSA key is %d bits: RFC 8301 requires verifiers to accept it but %d is recommended", k.Bits, GoodRSABits)}
	case k.Bits > MaxRSABits:
		return []string{fmt.Sprintf("RSA key is %d bits: verifiers need not accept keys over %d bits (RFC 8301 section 3.2), use %d", k.Bits, MaxRSABits, GoodRSABits)}
	}
	return nil
}

// Equal reports whether k and o are the same public key, however each was encoded.
func (k Key) Equal(o Key) bool {
	if k.Algorithm != o.Algorithm {
		return false
	}
	if k.Algorithm == RSA {
		a, errA := x509.ParsePKIXPublicKey(k.Public)
		b, errB := x509.ParsePKIXPublicKey(o.Public)
		if errA == nil && errB == nil {
			ra, okA := a.(*rsa.PublicKey)
			rb, okB := b.(*rsa.PublicKey)
			return okA && okB && ra.Equal(rb)
		}
	}
	return bytes.Equal(k.Public, o.Public)
}

// Describe names the kind of key, as in "2048-bit RSA", for messages.
func (k Key) Describe() string {
	if k.Algorithm == RSA {
		return fmt.Sprintf("%d-bit RSA", k.Bits)
	}
	return k.Algorithm
}

// Kinds describes two keys that are not Equal, for a message saying so: "2048-bit RSA and
// ed25519", or "both 2048-bit RSA".
func Kinds(a, b Key) string {
	if da, db := a.Describe(), b.Describe(); da != db {
		return da + " and " + db
	}
	return "both " + a.Describe()
}

// Errors shared by Parse and FromP; kept as values so both say the same thing.
var (
	errNoKey  = errors.New(`no key found (expected a PEM "PRIVATE KEY", "RSA PRIVATE KEY", "PUBLIC KEY" or "RSA PUBLIC KEY" block, a key record with p=, or a base64 key)`)
	errEC     = errors.New("EC keys cannot be used: DKIM has no ECDSA, use an RSA or Ed25519 key")
	errDSA    = errors.New("DSA keys cannot be used: DKIM signs with RSA or Ed25519 only")
	errX25519 = errors.New("X25519 is a key-agreement key and cannot sign: use an Ed25519 key")
	errCrypt  = errors.New("private key is encrypted; the key must be unencrypted (decrypt it with: openssl pkey -in key.pem -out plain.pem)")
)

// Parse reads a key from file contents in any of the formats ParseFile reads.
//
// In PEM it accepts the blocks "RSA PRIVATE KEY" (PKCS#1), "PRIVATE KEY"
// (PKCS#8), "PUBLIC KEY" (SPKI) and "RSA PUBLIC KEY" (PKCS#1), and uses the
// first one found. Text around the blocks and blocks that hold no key, such
// as "EC PARAMETERS" written by openssl ecparam, are skipped. Parse does not
// enforce MinRSABits; call Check for that.
func Parse(data []byte) (Key, error) {
	f, err := ParseFile(data)
	return f.Key, err
}

// parsePEM reads the first PEM block holding a key, and returns the text after it.
func parsePEM(data []byte) (Key, []byte, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return Key{}, nil, errNoKey
		}
		if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			return Key{}, nil, errCrypt
		}
		var k Key
		var err error
		switch block.Type {
		case "RSA PRIVATE KEY", "PRIVATE KEY":
			k, err = parsePrivate(block)
		case "PUBLIC KEY":
			pub, perr := x509.ParsePKIXPublicKey(block.Bytes)
			if perr != nil {
				return Key{}, nil, fmt.Errorf("bad PUBLIC KEY block: %w", perr)
			}
			k, err = fromPublic(pub)
		case "RSA PUBLIC KEY":
			pub, perr := x509.ParsePKCS1PublicKey(block.Bytes)
			if perr != nil {
				return Key{}, nil, fmt.Errorf("bad RSA PUBLIC KEY block: %w", perr)
			}
			k, err = fromPublic(pub)
		case "ENCRYPTED PRIVATE KEY":
			err = errCrypt
		case "EC PRIVATE KEY":
			err = errEC
		case "DSA PRIVATE KEY":
			err = errDSA
		case "OPENSSH PRIVATE KEY":
			err = errors.New(`keys in OpenSSH format are not supported: convert to a PEM "PRIVATE KEY" block`)
		default:
			continue
		}
		return k, rest, err
	}
}

// ReadFile reads and parses path.
//
// Errors do not name the path because callers already add it; a read error
// still matches fs.ErrNotExist and friends through errors.Is.
func ReadFile(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return Key{}, fmt.Errorf("cannot %s: %w", pe.Op, pe.Err)
		}
		return Key{}, err
	}
	return Parse(data)
}

// parsePrivate decodes a private key block. Each label falls back to the
// other encoding because mislabelled files are common (some tools write
// PKCS#8 under "RSA PRIVATE KEY"); the error reported is the label's own.
func parsePrivate(block *pem.Block) (Key, error) {
	if pub, ok := rsaPublicOfPrivate(block.Bytes); ok {
		return parsedPrivate(&rsa.PrivateKey{PublicKey: *pub})
	}
	var priv any
	var err error
	if block.Type == "RSA PRIVATE KEY" {
		if priv, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			if p8, err8 := x509.ParsePKCS8PrivateKey(block.Bytes); err8 == nil {
				priv, err = p8, nil
			}
		}
	} else {
		if priv, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
			if p1, err1 := x509.ParsePKCS1PrivateKey(block.Bytes); err1 == nil {
				priv, err = p1, nil
			}
		}
	}
	if err != nil {
		return Key{}, fmt.Errorf("bad %s block: %w", block.Type, err)
	}
	return parsedPrivate(priv)
}

// parsedPrivate builds a Key from a decoded private key.
func parsedPrivate(priv any) (Key, error) {
	var k Key
	var err error
	switch priv := priv.(type) {
	case *rsa.PrivateKey:
		k, err = fromPublic(&priv.PublicKey)
	case ed25519.PrivateKey:
		k, err = fromPublic(priv.Public())
	default:
		k, err = fromPublic(priv)
	}
	k.Private = err == nil
	return k, err
}

// fromPublic builds a Key from a parsed public key; it also receives private
// keys of unsupported types so that they get the same error as their public
// halves.
func fromPublic(pub any) (Key, error) {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return Key{}, fmt.Errorf("cannot encode RSA public key: %w", err)
		}
		return Key{Algorithm: RSA, Bits: pub.N.BitLen(), Public: der}, nil
	case ed25519.PublicKey:
		if len(pub) != ed25519.PublicKeySize {
			return Key{}, fmt.Errorf("public key is %d bytes, Ed25519 needs %d", len(pub), ed25519.PublicKeySize)
		}
		// Copy so the Key does not alias the caller's private key buffer.
		return Key{Algorithm: Ed25519, Bits: 256, Public: append([]byte(nil), pub...)}, nil
	case *ecdsa.PublicKey, *ecdsa.PrivateKey:
		return Key{}, errEC
	case *ecdh.PublicKey:
		return Key{}, ecdhError(pub.Curve())
	case *ecdh.PrivateKey:
		return Key{}, ecdhError(pub.Curve())
	default:
		return Key{}, fmt.Errorf("unsupported key type %T: DKIM uses RSA or Ed25519", pub)
	}
}

// ecdhError explains why an ECDH key, which is what Go returns for X25519
// and for some EC encodings, cannot be published.
func ecdhError(c ecdh.Curve) error {
	if c == ecdh.X25519() {
		return errX25519
	}
	return errEC
}
