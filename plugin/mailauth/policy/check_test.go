// The tests need a 512-bit RSA key to show that the loader rejects it, and crypto/rsa refuses to
// make one by default.
//go:debug rsa1024min=0

package policy_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// testKeys are generated once per test binary: RSA generation is slow under -race.
var testKeys = sync.OnceValues(func() (map[string][]byte, error) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return nil, err
	}
	rsa512, err := rsa.GenerateKey(rand.Reader, 512)
	if err != nil {
		return nil, err
	}
	ed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	edDER, err := x509.MarshalPKCS8PrivateKey(ed)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"rsa.pem":   pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsa1024)}),
		"short.pem": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsa512)}),
		"ed.pem":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edDER}),
		"junk.pem":  []byte("this is not a key\n"),
	}, nil
})

// edP is the p= value of the Ed25519 key in ed.pem: the raw public key, as RFC 8463 publishes it.
var edP = base64.StdEncoding.EncodeToString(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey))

// policyDir returns a new directory holding the test keys.
func policyDir(t *testing.T) string {
	t.Helper()
	keys, err := testKeys()
	if err != nil {
		t.Fatalf("generating test keys: %v", err)
	}
	dir := t.TempDir()
	for name, data := range keys {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writePolicy writes body as policy.yaml in dir and returns its path.
func writePolicy(t *testing.T, dir, body string) string {
	t.Helper()
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadBody writes body next to the test keys and loads it with policy.Load.
func loadBody(t *testing.T, body string) (string, *policy.Policy, error) {
	t.Helper()
	path := writePolicy(t, policyDir(t), body)
	p, err := policy.Load(path)
	return path, p, err
}

// assertErrors checks that err is policy.Errors whose text is exactly want, each line prefixed
// with "path:", and that no policy came with it.
func assertErrors(t *testing.T, path string, p *policy.Policy, err error, want ...string) {
	t.Helper()
	if p != nil {
		t.Errorf("got a policy along with the error: %+v", p)
	}
	if err == nil {
		t.Fatalf("loaded without error, want:\n%s", strings.Join(want, "\n"))
	}
	var errs policy.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T, want policy.Errors: %v", err, err)
	}
	lines := make([]string, len(want))
	for i, w := range want {
		lines[i] = path + ":" + w
	}
	if got, want := err.Error(), strings.Join(lines, "\n"); got != want {
		t.Errorf("wrong error text\n got: %s\nwant: %s", strings.ReplaceAll(got, "\n", "\n      "), strings.ReplaceAll(want, "\n", "\n      "))
	}
	if len(errs) != len(want) {
		t.Errorf("%d errors, want %d", len(errs), len(want))
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // each "line:col: message"
	}{
		// The decoder: unknown keys, wrong types, duplicate keys, syntax.
		{
			name: "an unknown top-level key, at the key",
			body: "ttl: 60\nzones: [example.org]\n",
			want: []string{`2:1: unknown key "zones"`},
		},
		{
			name: "an unknown key in a domain, at the key",
			body: "domains:\n  example.org:\n    spf: [-all]\n    dmark: {p: none}\n",
			want: []string{`4:5: unknown key "dmark"`},
		},
		{
			name: "an unknown key in a selector, at the key",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {revoked: true, flags: y}\n",
			want: []string{`4:27: unknown key "flags"`},
		},
		{
			name: "an unknown key in the soa, at the key",
			body: "soa:\n  mname: ns1.example.org.\n  email: hostmaster@example.org\n",
			want: []string{`3:3: unknown key "email"`},
		},
		{
			name: "an unknown key in a network, at the key",
			body: "networks:\n  - prefix: 198.51.100.0/24\n    ptr: h-{ip}.example.org\n    name: pool\n",
			want: []string{`4:5: unknown key "name"`},
		},
		{
			name: "a ttl written as words is a wrong type",
			body: "ttl: \"one hour\"\n",
			want: []string{`1:6: ttl: wrong type: a whole number expected, found a string`},
		},
		{
			name: "a wrong type nested in a domain names the nested key, not the top-level one",
			body: "domains:\n  example.org:\n    ttl: one hour\n",
			want: []string{`3:10: ttl: wrong type: a whole number expected, found a string`},
		},
		{
			name: "a host's addresses written as a string instead of a list is a wrong type",
			body: "hosts:\n  mail.example.org: 192.0.2.10\n",
			want: []string{`2:21: mail.example.org: wrong type: a list expected, found a string`},
		},
		{
			name: "spf written as a string instead of a list is a wrong type",
			body: "domains:\n  example.org:\n    spf: \"-all\"\n",
			want: []string{`3:10: spf: wrong type: a list expected, found a string`},
		},
		{
			name: "a list where a mapping belongs is reported at its key",
			body: "domains:\n  example.org:\n    dkim: [mail]\n",
			want: []string{`3:5: dkim: wrong type: a mapping expected, found a list`},
		},
		{
			name: "a list entry of the wrong type is reported at the entry",
			body: "hosts:\n  mail.example.org: [192.0.2.10, [192.0.2.11]]\n",
			want: []string{`2:34: mail.example.org: wrong type: a string expected, found a list`},
		},
		{
			name: "revoked written as a quoted string is a wrong type",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {revoked: \"yes\"}\n",
			want: []string{`4:21: revoked: wrong type: true or false expected, found a string`},
		},
		{
			name: "a whole file that is a list is a wrong type",
			body: "- example.org\n- example.net\n",
			want: []string{`1:1: wrong type: a mapping expected, found a list`},
		},
		{
			name: "a ttl with a fraction is not silently truncated",
			body: "ttl: 1.5\n",
			want: []string{`1:6: ttl: wrong type: a whole number expected, found a decimal number`},
		},
		{
			name: "a pct in quotes is not silently converted",
			body: "domains:\n  example.org:\n    dmarc:\n      p: none\n      pct: \"50\"\n",
			want: []string{`5:12: pct: wrong type: a whole number expected, found a string`},
		},
		{
			name: "a number too large for any ttl is out of range",
			body: "ttl: 99999999999999999999\n",
			want: []string{`1:6: ttl: 99999999999999999999 is out of range`},
		},
		{
			name: "a duplicate top-level key names the first one",
			body: "ttl: 60\nttl: 70\n",
			want: []string{`2:1: duplicate key "ttl" (first at line 1)`},
		},
		{
			name: "a duplicate key in a domain names the first one",
			body: "domains:\n  example.org:\n    spf: [-all]\n    spf: [~all]\n",
			want: []string{`4:5: duplicate key "spf" (first at line 3)`},
		},
		{
			name: "an unclosed flow list is a syntax error",
			body: "ttl: 60\ndomains: [\n",
			want: []string{`3: did not find expected node content`},
		},
		{
			name: "a tab used for indentation is a syntax error",
			body: "domains:\n\texample.org: {}\n",
			want: []string{"2:1: found character that cannot start any token (a tab: YAML indents with spaces only)"},
		},
		{
			name: "every duplicate key is reported, each naming the first",
			body: "ttl: 60\nttl: 70\nttl: 80\n",
			want: []string{`2:1: duplicate key "ttl" (first at line 1)`, `3:1: duplicate key "ttl" (first at line 1)`},
		},
		{
			name: "unknown keys and wrong types anywhere in the file are all reported",
			body: "ttl: one\ndomains:\n  example.org: {spf: -all, dmark: {p: none}}\n",
			want: []string{`1:6: ttl: wrong type: a whole number expected, found a string`,
				`3:22: spf: wrong type: a list expected, found a string`, `3:28: unknown key "dmark"`},
		},
		{
			name: "?all in a flow list is a key to YAML, and the message says to quote it",
			body: "domains:\n  example.org: {spf: [mx, ?all]}\n",
			want: []string{`2:27: spf: wrong type: a string expected, found a mapping: in [...] a "?" at the start of a value begins a key; quote the value, as in ["?all"]`},
		},
		{
			name: "a key that is a list is not a name",
			body: "domains:\n  [example.org]: {spf: [-all]}\n",
			want: []string{`2:3: a key must be a name, not a list`},
		},
		{
			name: "a tag the policy does not know is refused, not read as text",
			body: "domains:\n  example.org:\n    adsp: !vault abc\n",
			want: []string{`3:11: adsp: tag !vault is not plain YAML: write the value without it`},
		},
		{
			name: "an alias to an anchor that does not exist is placed at the alias",
			body: "domains:\n  example.org: {spf: *common}\n",
			want: []string{`2:22: alias *common refers to no anchor &common above it`},
		},
		{
			name: "an alias inside the value it names is refused, not expanded forever",
			body: "domains:\n  example.org: {spf: [-all], senderid: &s [pra, *s]}\n",
			want: []string{`2:49: alias *s is inside the value it names`},
		},
		{
			name: "a byte that is not UTF-8 text is placed",
			body: "ttl: 60\ndomains:\n  ex\xffample.org: {}\n",
			want: []string{`3:5: invalid leading UTF-8 octet (the policy is read as UTF-8 text, without control characters)`},
		},
		{
			name: "a syntax error inside a list names the line the list starts on",
			body: "domains:\n  example.org:\n    spf: [mx, \"-all\"\n    adsp: all\n",
			want: []string{`3: did not find expected ',' or ']': a [ list is not closed`},
		},
		{
			name: "a line that breaks a mapping's indentation is named, with where the mapping starts",
			body: "domains:\n  example.org:\n    spf: [mx,\n      a,\n      \"-all\"]\n    adsp: all\n  example.net:\n    spf: [\"-all\"]\n      dmarc: {p: none}\n",
			want: []string{`9: did not find expected key: line 8 starts a mapping that this line does not continue (a key at the indentation of its keys, or one of an enclosing mapping); check this line's indentation`},
		},
		{
			name: "a line that breaks the indentation of the domains is named, not the first domain",
			body: "domains:\n  example.org:\n    spf: [\"-all\"]\n  example.com:\n    spf: [\"-all\"]\n   dmarc: {p: none}\n",
			want: []string{`6: did not find expected key: line 2 starts a mapping that this line does not continue (a key at the indentation of its keys, or one of an enclosing mapping); check this line's indentation`},
		},
		{
			name: "a line that breaks a list's indentation is named",
			body: "networks:\n  - prefix: 198.51.100.0/24\n    ptr: mail.example.org.\n  - prefix: 203.0.113.0/24\n   ptr: mx.example.org.\n",
			want: []string{`5: did not find expected '-' indicator: line 2 starts a list that this line does not continue (an item, "- " at the indentation of its items); check this line's indentation`},
		},
		{
			name: "a syntax error on the first line is on line 1",
			body: "ttl: 60: 70\n",
			want: []string{`1: mapping values are not allowed in this context`},
		},
		{
			name: "a merged mapping's unknown key is reported where it is written",
			body: "domains:\n  example.org: &base {spf: [-all], dmark: x}\n  example.net:\n    <<: *base\n",
			want: []string{`2:36: unknown key "dmark"`},
		},
		{
			name: "a second YAML document is not silently ignored",
			body: "ttl: 60\n---\nttl: 70\n",
			want: []string{`2:1: a second YAML document starts here; a policy is one document, so remove the "---" line`},
		},

		// Names.
		{
			name: "a domain listed twice in different case is one owner name",
			body: "domains:\n  example.org:\n    spf: [-all]\n  Example.ORG:\n    spf: [~all]\n",
			want: []string{`4:3: domain "Example.ORG" is listed twice (also as "example.org")`},
		},
		{
			name: "a domain listed twice with and without the trailing dot is one owner name",
			body: "domains:\n  example.org.:\n    spf: [-all]\n  example.org:\n    spf: [~all]\n",
			want: []string{`4:3: domain "example.org" is listed twice (also as "example.org.")`},
		},
		{
			name: "a selector listed twice in different case is one owner name",
			body: "domains:\n  example.org:\n    dkim:\n      mail: {revoked: true}\n      MAIL: {revoked: true}\n",
			want: []string{`5:7: dkim selector "MAIL" is listed twice (also as "mail")`},
		},
		{
			name: "a host listed twice in different case is one owner name",
			body: "hosts:\n  mail.example.org: [192.0.2.10]\n  MAIL.example.org.: [192.0.2.11]\n",
			want: []string{`3:3: host "MAIL.example.org." is listed twice (also as "mail.example.org")`},
		},
		{
			name: "a domain name with a space is not a domain name",
			body: "domains:\n  exa mple.org:\n    spf: [-all]\n",
			want: []string{`2:3: "exa mple.org" is not a domain name`},
		},
		{
			name: "a name server that is no domain name is reported at its entry",
			body: "ns: [ns1.example.org., \"ns2..example.org\"]\n",
			want: []string{`1:24: "ns2..example.org" is not a domain name`},
		},

		// SPF.
		{
			name: "each bad SPF term is reported at the term",
			body: "domains:\n  example.org:\n    spf:\n      - mx\n      - ip4:300.1.1.1\n      - foo:bar\n      - a b\n" +
				"      - +redirect=example.net\n      - all:x\n      - ip4:2001:db8::1\n      - \"\"\n      - include\n",
			want: []string{
				`5:9: SPF term "ip4:300.1.1.1": ip4 address "300.1.1.1" is not valid; write it as in "ip4:192.0.2.0/24"`,
				`6:9: SPF term "foo:bar": unknown mechanism "foo"`,
				`7:9: SPF term "a b": the term contains whitespace; list each term as its own entry`,
				`8:9: SPF term "+redirect=example.net": modifier "redirect" cannot take the qualifier "+"`,
				`9:9: SPF term "all:x": all takes no argument; remove ":x"`,
				`10:9: SPF term "ip4:2001:db8::1": "2001:db8::1" is an IPv6 address; use ip6: for it`,
				`11:9: SPF term "": the term is empty`,
				`12:9: SPF term "include": include needs a domain, as in "include:example.net"`,
			},
		},
		{
			name: "v=spf1 listed as a term is reported at that term",
			body: "domains:\n  example.org:\n    spf: [mx, v=spf1, -all]\n",
			want: []string{`3:15: SPF term "v=spf1": remove it; the product writes the version itself`},
		},
		{
			name: "a second redirect is reported at the second one",
			body: "domains:\n  example.org:\n    spf: [redirect=a.example, redirect=b.example]\n",
			want: []string{`3:31: SPF term "redirect=b.example": redirect is given more than once; RFC 7208 6 allows it once per record`},
		},

		// DKIM.
		{
			name: "a key file that does not exist",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {key: nope.pem}\n",
			want: []string{`4:17: dkim selector "s1": key file nope.pem: cannot read: no such file or directory`},
		},
		{
			name: "an RSA key under 1024 bits",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n        key: short.pem\n",
			want: []string{`5:14: dkim selector "s1": key file short.pem: RSA key is 512 bits, at least 1024 required`},
		},
		{
			name: "a key file that holds no key",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n        key: junk.pem\n",
			want: []string{`5:14: dkim selector "s1": key file junk.pem: no key found (expected a PEM "PRIVATE KEY", "RSA PRIVATE KEY", "PUBLIC KEY" or "RSA PUBLIC KEY" block, a key record with p=, or a base64 key)`},
		},
		{
			name: "a p= copied with its zone-file quotes",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n        p: '\"" + edP + "\"'\n",
			want: []string{`5:12: dkim selector "s1": p= is not valid base64: illegal character '"' at offset 0`},
		},
		{
			name: "a k that does not match the key file",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n        key: ed.pem\n        k: rsa\n",
			want: []string{`6:12: dkim selector "s1": k is rsa but the key is ed25519`},
		},
		{
			name: "a k that does not match p=",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n        p: " + edP + "\n        k: rsa\n",
			want: []string{`5:12: dkim selector "s1": k=rsa but p= is 32 bytes, the size of an Ed25519 key`},
		},
		{
			name: "a selector with none of key, p and revoked",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {t: [y]}\n",
			want: []string{`4:7: dkim selector "s1" needs key, p or revoked: true`},
		},
		{
			name: "a selector with nothing after it",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n",
			want: []string{`4:7: dkim selector "s1" needs key, p or revoked: true`},
		},
		{
			name: "a selector with both a key and revoked",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n        key: ed.pem\n        revoked: true\n",
			want: []string{`4:7: dkim selector "s1": revoked: true publishes an empty p=, so it takes no key or p`},
		},
		{
			name: "a selector whose key file and p are different keys",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {key: rsa.pem, p: " + edP + "}\n",
			want: []string{`4:29: dkim selector "s1": key file rsa.pem and p are different keys (1024-bit RSA and ed25519)`},
		},
		{
			name: "a selector name that is no DNS label",
			body: "domains:\n  example.org:\n    dkim:\n      \"mail 2026\": {revoked: true}\n",
			want: []string{`4:7: dkim selector "mail 2026" is not a valid DNS label sequence`},
		},
		{
			name: "h, s and t values outside their sets are each reported at the value",
			body: "domains:\n  example.org:\n    dkim:\n      s1:\n        key: ed.pem\n        h: [sha256, md5]\n        s: [mail]\n        t: [y, x]\n",
			want: []string{
				`6:21: dkim selector "s1": h="md5" is not one of sha1, sha256`,
				`7:13: dkim selector "s1": s="mail" is not one of email, *`,
				`8:16: dkim selector "s1": t="x" is not one of y, s`,
			},
		},
		{
			name: "a note with a semicolon",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {key: ed.pem, n: \"a;b\"}\n",
			want: []string{`4:28: dkim selector "s1": n= may hold printable ASCII without ';' or spaces only`},
		},

		// ADSP and DMARC.
		{
			name: "an adsp outside unknown, all, discardable",
			body: "domains:\n  example.org:\n    adsp: sometimes\n",
			want: []string{`3:11: adsp "sometimes" is not one of unknown, all, discardable`},
		},
		{
			name: "a dmarc p outside none, quarantine, reject",
			body: "domains:\n  example.org:\n    dmarc:\n      p: quarantined\n",
			want: []string{`4:10: dmarc tag p: "quarantined" is not one of none, quarantine, reject`},
		},
		{
			name: "a dmarc without p is reported at dmarc",
			body: "domains:\n  example.org:\n    dmarc:\n      rua: [mailto:dmarc@example.org]\n",
			want: []string{`3:5: dmarc tag p: is required; use one of none, quarantine, reject`},
		},
		{
			name: "a dmarc pct over 100",
			body: "domains:\n  example.org:\n    dmarc:\n      p: none\n      pct: 101\n",
			want: []string{`5:12: dmarc tag pct: 101 is over 100`},
		},
		{
			name: "a dmarc rua that is no URI is reported at that URI",
			body: "domains:\n  example.org:\n    dmarc:\n      p: none\n      rua:\n        - mailto:a@example.org\n        - dmarc@example.org\n",
			want: []string{`7:11: dmarc tag rua: "dmarc@example.org" is not a URI (did you mean "mailto:dmarc@example.org"?)`},
		},
		{
			name: "a dmarc ruf that is no URI is reported at that URI",
			body: "domains:\n  example.org:\n    dmarc: {p: none, ruf: [dmarc@example.org]}\n",
			want: []string{`3:28: dmarc tag ruf: "dmarc@example.org" is not a URI (did you mean "mailto:dmarc@example.org"?)`},
		},
		{
			name: "a dmarc adkim spelt out",
			body: "domains:\n  example.org:\n    dmarc: {p: none, adkim: strict}\n",
			want: []string{`3:29: dmarc tag adkim: "strict" is not one of r, s (did you mean "s"?)`},
		},

		// Networks.
		{
			name: "a prefix without a length",
			body: "networks:\n  - prefix: 198.51.100.0\n    ptr: h-{ip}.example.org\n",
			want: []string{`2:13: prefix "198.51.100.0" is not an address prefix such as 198.51.100.0/24 or 2001:db8::/48`},
		},
		{
			name: "a prefix with host bits set suggests the network",
			body: "networks:\n  - prefix: 198.51.100.7/24\n    ptr: h-{ip}.example.org\n",
			want: []string{`2:13: prefix 198.51.100.7/24 has host bits set: did you mean 198.51.100.0/24?`},
		},
		{
			name: "an IPv6 prefix with host bits set suggests the network",
			body: "networks:\n  - prefix: \"2001:db8:100::1/48\"\n    ptr: h-{ip}.example.org\n",
			want: []string{`2:13: prefix 2001:db8:100::1/48 has host bits set: did you mean 2001:db8:100::/48?`},
		},
		{
			name: "a ptr template without {ip}",
			body: "networks:\n  - prefix: 198.51.100.0/24\n    ptr: host.example.org\n",
			want: []string{`3:10: ptr "host.example.org" must contain {ip} exactly once, in its first label (as in host-{ip}.pool.example.org)`},
		},
		{
			name: "a ptr template with {ip} outside its first label",
			body: "networks:\n  - prefix: 198.51.100.0/24\n    ptr: host.{ip}.example.org\n",
			want: []string{`3:10: ptr "host.{ip}.example.org" must contain {ip} exactly once, in its first label (as in host-{ip}.pool.example.org)`},
		},
		{
			name: "a ptr template with {ip} twice",
			body: "networks:\n  - prefix: 198.51.100.0/24\n    ptr: \"{ip}-{ip}.example.org\"\n",
			want: []string{`3:10: ptr "{ip}-{ip}.example.org" must contain {ip} exactly once, in its first label (as in host-{ip}.pool.example.org)`},
		},
		{
			name: "a ptr template with no domain after {ip}",
			body: "networks:\n  - prefix: 198.51.100.0/24\n    ptr: host-{ip}\n",
			want: []string{`3:10: ptr "host-{ip}" needs a domain after its first label`},
		},
		{
			name: "a ptr template whose first label cannot hold an IPv6 address",
			body: "networks:\n  - prefix: 198.51.100.0/24\n    ptr: " + strings.Repeat("h", 30) + "-{ip}.example.org\n",
			want: []string{`3:10: ptr "` + strings.Repeat("h", 30) + `-{ip}.example.org": the first label would exceed 63 bytes once {ip} is filled in`},
		},
		{
			name: "overlapping networks are reported at the later one, naming the earlier",
			body: "networks:\n  - {prefix: 198.51.100.0/24, ptr: \"a-{ip}.example.org\"}\n  - {prefix: 203.0.113.0/24, ptr: \"b-{ip}.example.org\"}\n" +
				"  - {prefix: 198.51.0.0/16, ptr: \"c-{ip}.example.org\"}\n  - {prefix: \"2001:db8::/32\", ptr: \"d-{ip}.example.org\"}\n" +
				"  - {prefix: \"2001:db8:100::/48\", ptr: \"e-{ip}.example.org\"}\n",
			want: []string{
				`4:14: network 198.51.0.0/16 overlaps network 198.51.100.0/24 (line 2)`,
				`6:14: network 2001:db8:100::/48 overlaps network 2001:db8::/32 (line 5)`,
			},
		},
		{
			name: "an IPv4-mapped IPv6 prefix",
			body: "networks:\n  - {prefix: \"::ffff:192.0.2.0/120\", ptr: \"h-{ip}.example.org\"}\n",
			want: []string{`2:14: prefix ::ffff:192.0.2.0/120 is IPv4-mapped IPv6: write the IPv4 prefix instead`},
		},
		{
			name: "an empty network entry",
			body: "networks:\n  -\n",
			want: []string{`2:4: network is empty: prefix and ptr (or delegate) are required`},
		},

		// Hosts.
		{
			name: "a host address that is no address",
			body: "hosts:\n  mail.example.org: [192.0.2.300]\n",
			want: []string{`2:22: host "mail.example.org": "192.0.2.300" is not an IPv4 or IPv6 address`},
		},
		{
			name: "a host address with a zone",
			body: "hosts:\n  mail.example.org: [\"fe80::1%eth0\"]\n",
			want: []string{`2:22: host "mail.example.org": "fe80::1%eth0" is not an IPv4 or IPv6 address`},
		},
		{
			name: "a host with no addresses",
			body: "hosts:\n  mail.example.org: []\n",
			want: []string{`2:3: host "mail.example.org" has no addresses`},
		},
		{
			name: "one address on two hosts, at the second",
			body: "hosts:\n  a.example.org: [192.0.2.1]\n  b.example.org: [\"2001:db8::1\", 192.0.2.1]\n",
			want: []string{`3:34: address 192.0.2.1 is claimed by hosts "a.example.org" and "b.example.org": its PTR can point back to only one`},
		},
		{
			name: "an IPv4-mapped address is the IPv4 address it maps",
			body: "hosts:\n  a.example.org: [192.0.2.1]\n  b.example.org: [\"::ffff:192.0.2.1\"]\n",
			want: []string{`3:19: address 192.0.2.1 is claimed by hosts "a.example.org" and "b.example.org": its PTR can point back to only one`},
		},

		// Numbers.
		{
			name: "ttls below 0 or above 2^31-1 are out of range",
			body: "ttl: -1\ndomains:\n  example.org:\n    ttl: 2147483648\nnetworks:\n  - {prefix: 198.51.100.0/24, ptr: \"h-{ip}.example.org\", ttl: -2}\n",
			want: []string{
				`1:6: ttl -1 is out of range (0 to 2147483647)`,
				`4:10: ttl 2147483648 is out of range (0 to 2147483647)`,
				`6:63: ttl -2 is out of range (0 to 2147483647)`,
			},
		},
		{
			name: "soa numbers are 32-bit unsigned",
			body: "soa:\n  serial: -1\n  minimum: 4294967296\n",
			want: []string{
				`2:11: serial -1 is out of range (0 to 4294967295)`,
				`3:12: minimum 4294967296 is out of range (0 to 4294967295)`,
			},
		},
		{
			name: "a dmarc ri of 0",
			body: "domains:\n  example.org:\n    dmarc: {p: none, ri: 0}\n",
			want: []string{`3:26: dmarc tag ri: 0 is not an interval; give the seconds between reports, e.g. 86400`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, p, err := loadBody(t, tt.body)
			assertErrors(t, path, p, err, tt.want...)
		})
	}
}

func TestLoadAccepts(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, p *policy.Policy)
	}{
		{
			name: "a one-label mname and rname stay relative for the record builder to complete",
			body: "soa: {mname: NS1, rname: Hostmaster}\n",
			check: func(t *testing.T, p *policy.Policy) {
				if p.SOA.MName != "ns1" || p.SOA.RName != "hostmaster" {
					t.Errorf("mname %q rname %q, want ns1 and hostmaster", p.SOA.MName, p.SOA.RName)
				}
			},
		},
		{
			name: "an rname mailbox with a dot in its local part escapes the dot",
			body: "soa: {mname: ns1.example.org, rname: john.doe@Example.org}\n",
			check: func(t *testing.T, p *policy.Policy) {
				if p.SOA.MName != "ns1.example.org." || p.SOA.RName != `john\.doe.example.org.` {
					t.Errorf("mname %q rname %q", p.SOA.MName, p.SOA.RName)
				}
			},
		},
		{
			name: "soa numbers replace the defaults one by one",
			body: "soa: {serial: 2026010101, retry: 600}\n",
			check: func(t *testing.T, p *policy.Policy) {
				want := policy.SOA{MName: "localhost.", RName: "hostmaster", Serial: 2026010101, Refresh: 7200, Retry: 600, Expire: 1209600, Minimum: 3600}
				if p.SOA != want {
					t.Errorf("soa %+v, want %+v", p.SOA, want)
				}
			},
		},
		{
			name: "key record tags come in a fixed order, lower-cased, with p last",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {key: ed.pem, t: [Y, s], n: see-docs, s: [Email], h: [SHA256]}\n",
			check: func(t *testing.T, p *policy.Policy) {
				want := "v=DKIM1; k=ed25519; h=sha256; s=email; t=y:s; n=see-docs; p=" + edP
				if got := p.Domains[0].Selectors[0].Record; got != want {
					t.Errorf("record\n got %q\nwant %q", got, want)
				}
			},
		},
		{
			name: "a p= is published as given, its algorithm detected or checked against k",
			body: "domains:\n  example.org:\n    dkim:\n      a: {p: " + edP + "}\n      b: {p: " + edP + ", k: ED25519}\n",
			check: func(t *testing.T, p *policy.Policy) {
				for _, s := range p.Domains[0].Selectors {
					if want := "v=DKIM1; k=ed25519; p=" + edP; s.Record != want {
						t.Errorf("selector %s: record %q, want %q", s.Name, s.Record, want)
					}
					if s.Key == nil || s.Key.Private {
						t.Errorf("selector %s: key %+v, want a public key", s.Name, s.Key)
					}
				}
			},
		},
		{
			name: "an RSA private key file publishes its public half",
			body: "domains:\n  example.org:\n    dkim:\n      s1: {key: rsa.pem}\n",
			check: func(t *testing.T, p *policy.Policy) {
				s := p.Domains[0].Selectors[0]
				if s.Key == nil || s.Key.Algorithm != "rsa" || s.Key.Bits != 1024 || !s.Key.Private {
					t.Fatalf("key %+v, want a 1024-bit RSA private key", s.Key)
				}
				if want := "v=DKIM1; k=rsa; p=" + s.Key.P(); s.Record != want {
					t.Errorf("record %q, want %q", s.Record, want)
				}
			},
		},
		{
			name: "selectors, domains and hosts come out sorted by name whatever the file order",
			body: "domains:\n  b.example:\n    dkim: {zz: {revoked: true}, Aa: {revoked: true}, mm: {revoked: true}}\n  A.example:\n" +
				"hosts:\n  z.example: [192.0.2.2]\n  a.example: [\"::ffff:192.0.2.1\", \"2001:DB8::1\"]\n",
			check: func(t *testing.T, p *policy.Policy) {
				var got []string
				for _, d := range p.Domains {
					got = append(got, d.Name)
					for _, s := range d.Selectors {
						got = append(got, s.Name)
					}
				}
				for _, h := range p.Hosts {
					got = append(got, h.Name)
					for _, a := range h.Addrs {
						got = append(got, a.String())
					}
				}
				want := "a.example. b.example. aa mm zz a.example. 192.0.2.1 2001:db8::1 z.example. 192.0.2.2"
				if strings.Join(got, " ") != want {
					t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
				}
			},
		},
		{
			name: "anchors, aliases and merge keys share values; keys written beside a merge win",
			body: "domains:\n  example.org: &base\n    spf: &spf [\"ip4:192.0.2.1\", -all]\n    adsp: all\n" +
				"  example.net:\n    <<: *base\n    adsp: discardable\n  example.com:\n    <<: [*base]\n    spf: *spf\n",
			check: func(t *testing.T, p *policy.Policy) {
				got := map[string]string{}
				for _, d := range p.Domains {
					got[d.Name] = d.SPF + " | " + d.ADSP
				}
				want := map[string]string{
					"example.com.": "v=spf1 ip4:192.0.2.1 -all | dkim=all",
					"example.net.": "v=spf1 ip4:192.0.2.1 -all | dkim=discardable",
					"example.org.": "v=spf1 ip4:192.0.2.1 -all | dkim=all",
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got  %v\nwant %v", got, want)
				}
			},
		},
		{
			name: "numbers in YAML's notations, and strings that look like numbers",
			body: "ttl: 0x3c\nsoa: {serial: 2_026_010_101}\ndomains:\n  example.org:\n    dmarc: {p: none, fo: 1, rua: [mailto:d@example.org]}\n",
			check: func(t *testing.T, p *policy.Policy) {
				if p.TTL != 60 || p.SOA.Serial != 2026010101 {
					t.Errorf("ttl %d serial %d, want 60 and 2026010101", p.TTL, p.SOA.Serial)
				}
				if want := "v=DMARC1; p=none; rua=mailto:d@example.org; fo=1"; p.Domains[0].DMARC != want {
					t.Errorf("dmarc %q, want %q", p.Domains[0].DMARC, want)
				}
			},
		},
		{
			name: "a file that is only a comment, or only null, publishes nothing",
			body: "# nothing yet\n~\n",
			check: func(t *testing.T, p *policy.Policy) {
				if len(p.Domains)+len(p.Hosts)+len(p.Networks) != 0 {
					t.Errorf("published %+v", p)
				}
			},
		},
		{
			name: "a domain with nothing under it publishes nothing and has the default ttl",
			body: "ttl: 600\ndomains:\n  example.org:\n",
			check: func(t *testing.T, p *policy.Policy) {
				want := policy.Domain{Name: "example.org.", TTL: 600}
				if len(p.Domains) != 1 || p.Domains[0].Name != want.Name || p.Domains[0].TTL != want.TTL ||
					p.Domains[0].SPF != "" || p.Domains[0].Selectors != nil || p.Domains[0].ADSP != "" || p.Domains[0].DMARC != "" {
					t.Errorf("domains %+v, want [%+v]", p.Domains, want)
				}
			},
		},
		{
			name: "adsp and dmarc keywords are case-insensitive and published lower-case",
			body: "domains:\n  example.org:\n    adsp: Discardable\n    dmarc: {p: Reject, sp: NONE, adkim: S, fo: \"0:D\", ri: 3600}\n",
			check: func(t *testing.T, p *policy.Policy) {
				d := p.Domains[0]
				if d.ADSP != "dkim=discardable" {
					t.Errorf("adsp %q", d.ADSP)
				}
				if want := "v=DMARC1; p=reject; sp=none; adkim=s; fo=0:d; ri=3600"; d.DMARC != want {
					t.Errorf("dmarc %q, want %q", d.DMARC, want)
				}
			},
		},
		{
			name: "a network template is lower-cased and fully qualified, with its own ttl",
			body: "ttl: 300\nnetworks:\n  - {prefix: 198.51.100.0/24, ptr: \"Host-{ip}.Pool.Example.org\", ttl: 60}\n  - {prefix: \"2001:db8:100::/48\", ptr: \"{ip}.v6.example.org.\"}\n",
			check: func(t *testing.T, p *policy.Policy) {
				if len(p.Networks) != 2 {
					t.Fatalf("%d networks, want 2", len(p.Networks))
				}
				if n := p.Networks[0]; n.Prefix.String() != "198.51.100.0/24" || n.Template != "host-{ip}.pool.example.org." || n.TTL != 60 {
					t.Errorf("network 0: %+v", n)
				}
				if n := p.Networks[1]; n.Prefix.String() != "2001:db8:100::/48" || n.Template != "{ip}.v6.example.org." || n.TTL != 300 {
					t.Errorf("network 1: %+v", n)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadBody(t, tt.body)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			tt.check(t, p)
		})
	}
}
