package benchdata

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"testing"
)

func TestTheRSAKeysAreEightDistinct2048BitPublicKeys(t *testing.T) {
	if len(rsaKeys) != 8 {
		t.Errorf("%d RSA keys, want a pool of 8", len(rsaKeys))
	}
	seen := map[string]int{}
	for i, k := range rsaKeys {
		der, err := base64.StdEncoding.DecodeString(k)
		if err != nil {
			t.Errorf("key %d is not base64: %v", i, err)
			continue
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			t.Errorf("key %d is not an SPKI public key: %v", i, err)
			continue
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			t.Errorf("key %d is a %T, want RSA", i, pub)
			continue
		}
		if rk.N.BitLen() != 2048 || rk.E != 65537 {
			t.Errorf("key %d: %d bits, exponent %d; want 2048 bits, 65537", i, rk.N.BitLen(), rk.E)
		}
		if j, ok := seen[rk.N.String()]; ok {
			t.Errorf("key %d repeats key %d", i, j)
		}
		seen[rk.N.String()] = i
	}
}
