package dkimkey

import (
	"crypto/rsa"
	"encoding/asn1"
	"math/big"
)

// Go's x509 parsers check and precompute every RSA private key they read, about 200 µs for 2048
// bits: with a key file per domain, most of a first load of 100,000 domains. Publishing needs only
// the public half, so a well-formed two-prime key is read here for its modulus and exponent, after
// checking that the modulus is the product of the primes the signer signs with. Anything else goes
// to x509, whose errors say what is wrong.

// pkcs1RSAPrivateKey is RFC 8017 A.1.2's RSAPrivateKey of two primes (version 0).
type pkcs1RSAPrivateKey struct {
	Version               int
	N                     *big.Int
	E                     *big.Int
	D, P, Q, Dp, Dq, Qinv *big.Int
}

// pkcs8PrivateKeyInfo is RFC 5208 5's PrivateKeyInfo, attributes left out.
type pkcs8PrivateKeyInfo struct {
	Version    int
	Algorithm  pkixAlgorithm
	PrivateKey []byte
	Attributes asn1.RawValue `asn1:"optional,tag:0"`
}

type pkixAlgorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// oidRSAEncryption is rsaEncryption (RFC 8017 A.1).
var oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

// rsaPublicOfPrivate returns the public key of a DER RSA private key, PKCS#1 or PKCS#8, when it is
// a well-formed two-prime key whose modulus is the product of its primes; otherwise false.
func rsaPublicOfPrivate(der []byte) (*rsa.PublicKey, bool) {
	var p8 pkcs8PrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &p8); err == nil && len(rest) == 0 {
		if p8.Version != 0 || !p8.Algorithm.Algorithm.Equal(oidRSAEncryption) {
			return nil, false
		}
		der = p8.PrivateKey
	}
	var k pkcs1RSAPrivateKey
	if rest, err := asn1.Unmarshal(der, &k); err != nil || len(rest) != 0 || k.Version != 0 {
		return nil, false
	}
	for _, v := range []*big.Int{k.N, k.E, k.D, k.P, k.Q, k.Dp, k.Dq, k.Qinv} {
		if v.Sign() <= 0 {
			return nil, false
		}
	}
	// An exponent x509 would refuse, or a modulus that is not what the signer's primes make.
	if !k.E.IsInt64() || k.E.Int64() < 3 || k.E.Int64() > 1<<31-1 || k.E.Bit(0) == 0 ||
		new(big.Int).Mul(k.P, k.Q).Cmp(k.N) != 0 {
		return nil, false
	}
	return &rsa.PublicKey{N: k.N, E: int(k.E.Int64())}, true
}
