//go:debug rsa1024min=0

package policy

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestZZExplore(t *testing.T) {
	dir := t.TempDir()
	k, _ := rsa.GenerateKey(rand.Reader, 512)
	os.WriteFile(filepath.Join(dir, "short.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(k))}), 0o600)
	os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("hello\n"), 0o600)
	cases := map[string]string{
		"overflow": "ttl: 99999999999999999999\n",
		"pct str": "domains:\n  example.org:\n    dmarc: {p: none, pct: \"50\"}\n",
		"pct float": "domains:\n  example.org:\n    dmarc: {p: none, pct: 5.5}\n",
		"revoked str": "domains:\n  example.org:\n    dkim:\n      s: {revoked: \"yes\"}\n",
		"spf str": "domains:\n  example.org:\n    spf: \"-all\"\n",
		"dkim list": "domains:\n  example.org:\n    dkim: [a]\n",
		"networks map": "networks: {prefix: 10.0.0.0/8}\n",
		"domains list": "domains: [example.org]\n",
		"top list": "- a\n- b\n",
		"top scalar": "hello\n",
		"ttl list": "ttl: [1]\n",
		"soa str": "soa: x\n",
		"ns str": "ns: ns1.example.org.\n",
		"host entry list": "hosts:\n  a.example.org: [[1]]\n",
		"ttl bool": "ttl: true\n",
		"adsp list": "domains:\n  example.org:\n    adsp: [all]\n",
		"ttl null": "ttl:\n",
		"domain dup nested sel": "domains:\n  example.org:\n    dkim:\n      a: {revoked: true}\n      A: {revoked: true}\n",
		"unknown nested soa": "soa:\n  mname: a.\n  email: x\n",
		"unknown net": "networks:\n  - {prefix: 10.0.0.0/8, ptr: \"h-{ip}.example.org\", name: x}\n",
		"two docs": "ttl: 1\n---\nttl: 2\n",
		"tabindent": "domains:\n\texample.org: {}\n",
	}
	for name, body := range cases {
		f := filepath.Join(dir, "p.yaml")
		os.WriteFile(f, []byte(body), 0o600)
		_, err := Load(f)
		fmt.Printf("=== %s\n%v\n", name, err)
	}
}

func must(b []byte, err error) []byte { if err != nil { panic(err) }; return b }
