package dkimkey

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// File is what a key file holds: the key, and the tags of the key record when the file also
// holds one (the zone snippet opendkim-genkey and rspamadm dkim_keygen write).
type File struct {
	Key    Key
	Record *Tags // nil when the file holds no record
}

// Tags are the tags of a key record other than v=, k= and p= (RFC 6376 section 3.6.1), as
// written; empty when the record does not set them.
type Tags struct {
	H, S, T []string
	N       string
}

// ParseFile reads a key file as the tools that make DKIM keys write it, telling the format by
// its content:
//
//   - PEM blocks, as Parse reads them (openssl, opendkim-genkey's SELECTOR.private);
//   - a key record in zone-file syntax, `SEL._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p=..." )`,
//     as in opendkim-genkey's SELECTOR.txt or printed by rspamadm dkim_keygen -k, or bare tags;
//   - the whole output of rspamadm dkim_keygen: a private key (PEM for RSA, a base64 line for
//     Ed25519) followed by such a record;
//   - a file holding only a base64 key: a p= value (wrapped or not), a DER key, or the 64-byte
//     Ed25519 private key rspamadm writes (seed, then public key).
//
// When a file holds both a key and a record, the record's p= must be that same key.
func ParseFile(data []byte) (File, error) {
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		key, rest, err := parsePEM(data)
		if err != nil {
			return File{}, err
		}
		if !hasRecord(rest) {
			return File{Key: key}, nil
		}
		return withRecord(key, rest)
	}
	pre, rest := splitBase64(string(data))
	switch {
	case hasRecord([]byte(rest)) && pre == "":
		key, tags, err := parseRecord(rest)
		return File{Key: key, Record: tags}, err
	case hasRecord([]byte(rest)):
		key, err := parseBase64(pre)
		if err != nil {
			return File{}, fmt.Errorf("the text before the key record: %w", err)
		}
		return withRecord(key, []byte(rest))
	case pre != "" && strings.TrimSpace(rest) == "":
		key, err := parseBase64(pre)
		return File{Key: key}, err
	}
	return File{}, errNoKey
}

// withRecord adds the record in text to a file whose key was read from elsewhere in it.
func withRecord(key Key, text []byte) (File, error) {
	pub, tags, err := parseRecord(string(text))
	if err != nil {
		return File{}, fmt.Errorf("key record after the key: %w", err)
	}
	if !key.Equal(pub) {
		what := "key"
		if key.Private {
			what = "private key"
		}
		return File{}, fmt.Errorf("the %s and the record's p= are different keys (%s)", what, Kinds(key, pub))
	}
	return File{Key: key, Record: tags}, nil
}

// recordStart finds a v=DKIM1 or p= tag: a record holds them, a PEM block or a base64 line cannot.
var recordStart = regexp.MustCompile(`(?i)(^|[;\s"])(p\s*=|v\s*=\s*DKIM)`)

func hasRecord(text []byte) bool { return recordStart.Match(text) }

// splitBase64 splits text into its leading lines of base64 (blank lines skipped) and the rest.
func splitBase64(text string) (b64, rest string) {
	var b strings.Builder
	for text != "" {
		line, after, _ := strings.Cut(text, "\n")
		l := strings.TrimSpace(line)
		if l != "" && !isBase64Line(l) {
			break
		}
		b.WriteString(l)
		text = after
	}
	return b.String(), text
}

// isBase64Line reports whether l is base64 with '=' only as trailing padding, so that a bare
// tag such as "p=MIIB..." is not mistaken for one.
func isBase64Line(l string) bool {
	body := strings.TrimRight(l, "=")
	if len(l)-len(body) > 2 {
		return false
	}
	for _, r := range body {
		if r == '=' || !isBase64(r) {
			return false
		}
	}
	return true
}

// parseBase64 reads a key written as base64 alone.
func parseBase64(s string) (Key, error) {
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return FromP(s, "") // which says what is wrong with it
	}
	if len(der) == ed25519.PrivateKeySize {
		// rspamadm's Ed25519 private key is libsodium's: the seed, then the public key.
		priv := ed25519.NewKeyFromSeed(der[:ed25519.SeedSize])
		if !bytes.Equal(priv[ed25519.SeedSize:], der[ed25519.SeedSize:]) {
			return Key{}, errors.New("a 64-byte base64 key is read as an Ed25519 private key (seed, then public key, as rspamadm writes it), but its public half does not belong to its seed")
		}
		k, err := fromPublic(priv.Public())
		k.Private = err == nil
		return k, err
	}
	if pub, ok := rsaPublicOfPrivate(der); ok {
		return parsedPrivate(&rsa.PrivateKey{PublicKey: *pub})
	}
	if priv, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return parsedPrivate(priv)
	}
	if priv, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return parsedPrivate(priv)
	}
	return FromP(s, "")
}

// parseRecord reads a key record: the character-strings of a zone-file TXT record joined, or
// bare tags when the text has no quotes.
func parseRecord(text string) (Key, *Tags, error) {
	rec, err := txtData(text)
	if err != nil {
		return Key{}, nil, err
	}
	tags := map[string]string{}
	var order []string
	for _, spec := range strings.Split(rec, ";") {
		if strings.TrimSpace(spec) == "" {
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return Key{}, nil, fmt.Errorf("key record: %q is not a tag=value pair", strings.TrimSpace(spec))
		}
		if _, dup := tags[name]; dup {
			return Key{}, nil, fmt.Errorf("key record: tag %s= appears twice (RFC 6376 section 3.2)", name)
		}
		tags[name] = strings.TrimSpace(value)
		order = append(order, name)
	}
	if v, ok := tags["v"]; ok && (v != "DKIM1" || order[0] != "v") {
		return Key{}, nil, fmt.Errorf("key record: v=%s must be v=DKIM1 and come first", v)
	}
	p, ok := tags["p"]
	if !ok {
		return Key{}, nil, errors.New("key record: no p= tag")
	}
	// p= may be folded (RFC 6376 section 3.6.1); folding whitespace is not part of the key.
	key, err := FromP(strings.Join(strings.Fields(p), ""), tags["k"])
	if err != nil {
		return Key{}, nil, err
	}
	t := &Tags{H: list(tags["h"]), S: list(tags["s"]), T: list(tags["t"]), N: tags["n"]}
	return key, t, nil
}

// list splits a colon-separated tag value.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ":") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// txtData returns the record text: the quoted character-strings of a zone-file TXT record
// concatenated, as a resolver would, or the text itself when it quotes nothing. Outside quotes
// everything (owner, class, type, parentheses, comments) is zone-file syntax, not record data.
func txtData(text string) (string, error) {
	if !strings.Contains(text, `"`) {
		return text, nil
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case !in && c == ';':
			// A comment outside quotes runs to the end of the line.
			if nl := strings.IndexByte(text[i:], '\n'); nl >= 0 {
				i += nl
			} else {
				i = len(text)
			}
		case c == '"':
			in = !in
		case in && c == '\\' && i+3 < len(text) && isDigits(text[i+1:i+4]):
			n, _ := strconv.Atoi(text[i+1 : i+4])
			if n > 255 {
				return "", fmt.Errorf("key record: escape \\%s is not a byte", text[i+1:i+4])
			}
			b.WriteByte(byte(n))
			i += 3
		case in && c == '\\' && i+1 < len(text):
			b.WriteByte(text[i+1])
			i++
		case in:
			b.WriteByte(c)
		}
	}
	if in {
		return "", errors.New("key record: a quoted string is not closed")
	}
	return b.String(), nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
