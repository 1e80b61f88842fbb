package policy

import (
	"crypto/sha256"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/dkimkey"
)

// selector checks one DKIM selector and renders its key record. The key comes from a key file,
// from p, or from both, which must then be the same key: a key file holding a private key next
// to the p= a provider published catches a signer and a record that have drifted apart.
func (c *checker) selector(raw string, d *selectorDoc, path []any) (Selector, bool) {
	n, err := canonicalName(raw)
	if err != nil || strings.HasSuffix(strings.TrimSpace(raw), ".") {
		c.errorf(path, "dkim selector %q is not a valid DNS label sequence", raw)
		return Selector{}, false
	}
	name := strings.TrimSuffix(n, ".")
	switch {
	case d == nil || !d.Revoked && d.Key == "" && d.P == nil:
		c.errorf(path, "dkim selector %q needs key, p or revoked: true", raw)
		return Selector{}, false
	case d.Revoked && (d.Key != "" || d.P != nil):
		c.errorf(path, "dkim selector %q: revoked: true publishes an empty p=, so it takes no key or p", raw)
		return Selector{}, false
	case d.Revoked && d.DomainKeys:
		rec, ok := c.domainKeysSelector(raw, "v=DKIM1; p=", "", path)
		return Selector{Name: name, Record: rec}, ok
	case d.Revoked:
		return Selector{Name: name, Record: "v=DKIM1; p="}, true
	}
	var key dkimkey.Key
	var fileTags *dkimkey.Tags
	if d.Key != "" {
		f, ok := c.keyFile(raw, d.Key, path)
		if !ok {
			return Selector{}, false
		}
		key, fileTags = f.Key, f.Record
	}
	if d.P != nil {
		pk, err := c.fromP(*d.P, strings.ToLower(d.K))
		if err != nil {
			c.errorf(append(path, "p"), "dkim selector %q: %s", raw, err)
			return Selector{}, false
		}
		if d.Key != "" && !key.Equal(pk) {
			c.errorf(append(path, "p"), "dkim selector %q: key file %s and p are different keys (%s)", raw, d.Key, dkimkey.Kinds(key, pk))
			return Selector{}, false
		}
		if d.Key == "" {
			key = pk
			for _, w := range key.Warnings() {
				c.warnf(append(path, "p"), "dkim selector %q: %s", raw, w)
			}
		}
	}
	if d.K != "" && !strings.EqualFold(d.K, key.Algorithm) {
		c.errorf(append(path, "k"), "dkim selector %q: k is %s but the key is %s", raw, d.K, key.Algorithm)
		return Selector{}, false
	}
	d, from := withFileTags(d, fileTags)
	rec, ok := c.keyRecord(raw, key, d, from, path)
	if ok && d.DomainKeys {
		rec, ok = c.domainKeysSelector(raw, rec, key.Algorithm, path)
	}
	if !ok {
		return Selector{}, false
	}
	return Selector{Name: name, Record: c.intern(rec), Key: &key}, true
}

// keyResult is what fromP found for one p= value.
type keyResult struct {
	key dkimkey.Key
	err error
}

// fromP reads and checks the key of a p= value. Hosting providers often publish one key for many
// domains: each distinct value is decoded once per load.
func (c *checker) fromP(p, k string) (dkimkey.Key, error) {
	if r, ok := c.keys[[2]string{p, k}]; ok {
		return r.key, r.err
	}
	key, err := dkimkey.FromP(p, k)
	if err == nil {
		err = key.Check()
	}
	if c.keys == nil {
		c.keys = map[[2]string]keyResult{}
	}
	c.keys[[2]string{p, k}] = keyResult{key, err}
	return key, err
}

// keyFile reads and checks the key file of selector raw, named as the policy writes it.
func (c *checker) keyFile(raw, name string, path []any) (dkimkey.File, bool) {
	at := append(path[:len(path):len(path)], "key")
	file := name
	if !filepath.IsAbs(file) {
		file = filepath.Join(c.dir, file)
	}
	c.files = append(c.files, file)
	content, mode, err := readWithMode(file)
	var f dkimkey.File
	if err == nil {
		c.digest.add(file, content)
		f, err = parsedKeyFiles.parse(content)
	} else {
		c.digest.unreadable(file)
	}
	if err != nil {
		c.errorf(at, "dkim selector %q: key file %s: %s", raw, name, err)
		return dkimkey.File{}, false
	}
	for _, w := range f.Key.Warnings() {
		c.warnf(at, "dkim selector %q: key file %s: %s", raw, name, w)
	}
	// CoreDNS needs only the public half; anyone else who can read the private one can sign as the domain.
	if f.Key.Private && mode.Perm()&0o044 != 0 {
		c.warnf(at, "dkim selector %q: key file %s is readable by group or others (mode %04o): chmod 600 it", raw, name, mode.Perm())
	}
	return f, true
}

// fileTags names the tags of a selector that came from the record in its key file rather than
// from the policy, so that problems with them point at the key file.
type fileTags struct {
	file string
	tags map[string]bool
}

// withFileTags returns d with the tags that the record in its key file sets and the policy does
// not: a key made with opendkim-genkey -t is in testing mode, and stays so when imported.
func withFileTags(d *selectorDoc, t *dkimkey.Tags) (*selectorDoc, *fileTags) {
	if t == nil {
		return d, nil
	}
	e := *d
	from := &fileTags{file: d.Key, tags: map[string]bool{}}
	take := func(tag string, dst *[]string, src []string) {
		if len(*dst) == 0 && len(src) > 0 {
			*dst = src
			from.tags[tag] = true
		}
	}
	take("h", &e.H, t.H)
	take("s", &e.S, t.S)
	take("t", &e.T, t.T)
	if e.N == "" && t.N != "" {
		e.N = t.N
		from.tags["n"] = true
	}
	return &e, from
}

// keyRecord renders the DKIM key record (RFC 6376 3.6.1), tags in the order verifiers' docs show them.
func (c *checker) keyRecord(sel string, key dkimkey.Key, d *selectorDoc, from *fileTags, path []any) (string, bool) {
	ok := true
	// where says where a tag's value was written: in the policy, or in the record of the key file.
	where := func(tag string, i ...any) ([]any, string) {
		if from != nil && from.tags[tag] {
			return append(path[:len(path):len(path)], "key"), "key file " + from.file + ": "
		}
		return append(append(path[:len(path):len(path)], tag), i...), ""
	}
	check := func(tag string, vals []string, allowed ...string) {
		for i, v := range vals {
			if !contains(allowed, strings.ToLower(v)) {
				at, from := where(tag, i)
				c.errorf(at, "dkim selector %q: %s%s=%q is not one of %s", sel, from, tag, v, strings.Join(allowed, ", "))
				ok = false
			}
		}
	}
	check("h", d.H, "sha1", "sha256")
	check("s", d.S, "email", "*")
	check("t", d.T, "y", "s")
	for _, r := range d.N {
		if r < 0x21 || r > 0x7e || r == ';' {
			at, from := where("n")
			c.errorf(at, "dkim selector %q: %sn= may hold printable ASCII without ';' or spaces only", sel, from)
			ok = false
			break
		}
	}
	if ok && len(d.H) > 0 && !contains(lower(d.H), "sha256") {
		at, from := where("h")
		c.warnf(at, "dkim selector %q: %sh=%s alone: RFC 8301 forbids sha1 for signing and verifying, so no signature made with this key verifies; add sha256 or remove h",
			sel, from, strings.ToLower(strings.Join(d.H, ":")))
	}
	tags := []string{"v=DKIM1", "k=" + key.Algorithm}
	if len(d.H) > 0 {
		tags = append(tags, "h="+strings.ToLower(strings.Join(d.H, ":")))
	}
	if len(d.S) > 0 {
		tags = append(tags, "s="+strings.ToLower(strings.Join(d.S, ":")))
	}
	if len(d.T) > 0 {
		tags = append(tags, "t="+strings.ToLower(strings.Join(d.T, ":")))
	}
	if d.N != "" {
		tags = append(tags, "n="+d.N)
	}
	tags = append(tags, "p="+key.P())
	return strings.Join(tags, "; "), ok
}

func lower(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(s)
	}
	return out
}

// keyFileCache keeps the key files that recent loads parsed, by content. Every load reads every
// key file the policy names, and Go validates an RSA private key as it parses it (about 150 µs
// for 2048 bits): with a key file per domain, a reload of 100,000 domains would spend 15 s there
// on keys that did not change. Entries that two loads in a row did not use are dropped.
type keyFileCache struct {
	mu        sync.Mutex
	cur, prev map[[sha256.Size]byte]dkimkey.File
	parses    int // key files parsed rather than found, for tests
}

var parsedKeyFiles keyFileCache

// parse returns the checked key of a key file's content, parsing it unless a recent load did.
// Only keys that parse and pass Check are kept.
func (k *keyFileCache) parse(content []byte) (dkimkey.File, error) {
	sum := sha256.Sum256(content)
	k.mu.Lock()
	f, ok := k.cur[sum]
	if !ok {
		if f, ok = k.prev[sum]; ok {
			k.keep(sum, f)
		}
	}
	k.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := dkimkey.ParseFile(content)
	if err == nil {
		err = f.Key.Check()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.parses++
	if err != nil {
		return dkimkey.File{}, err
	}
	k.keep(sum, f)
	return f, nil
}

func (k *keyFileCache) keep(sum [sha256.Size]byte, f dkimkey.File) {
	if k.cur == nil {
		k.cur = map[[sha256.Size]byte]dkimkey.File{}
	}
	k.cur[sum] = f
}

// loaded ends a load: what it did not use is dropped at the end of the next one.
func (k *keyFileCache) loaded() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.prev, k.cur = k.cur, nil
}
