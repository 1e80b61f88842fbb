package test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// A generator of valid mail policies from a seed, for the randomized differential run: random
// zones and names (mixed case, hyphens, digits, punctuation, long and numeric-looking labels),
// SPF, DKIM (RSA and Ed25519 keys, as key files and as p=), ADSP, DMARC, MX and null MX, parked
// domains, the historic records, MTA-STS, TLS-RPT, BIMI, hosts, networks of random sizes and
// RFC 2317 delegations, with varied TTLs. It keeps to what the policy reference allows, so that
// every policy it writes loads; a refusal is a generator bug, or a loader bug.

// randomPolicy is a generated policy file and what the differential run needs to know about it.
type randomPolicy struct {
	path   string
	text   string
	zones  []string // the zones to serve it in, lower-case and fully qualified
	probes []string // names worth asking about that no transfer lists: neighbours of networks, wildcard matches
}

// dkimMaterial is one public key a selector may publish: a key file and its p= value.
type dkimMaterial struct {
	file, p, k string
	p1         string // an RSA key's p= in PKCS#1 form, which providers also hand out
	rsa        bool
}

// repoKeys returns the DKIM keys of zones/keys with their p= values: two RSA-2048 keys, an
// RSA-4096 key (whose record needs three character-strings) and an Ed25519 key.
func repoKeys(t *testing.T) []dkimMaterial {
	t.Helper()
	var keys []dkimMaterial
	for _, f := range []string{"example.org/mail2026.pem", "example.org/big2026.pem", "example.org/ed2026.pem", "example.net/mail.pub"} {
		path, err := filepath.Abs(filepath.Join("zones/keys", f))
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode([]byte(readFile(t, path)))
		if block == nil {
			t.Fatalf("%s: no PEM block", path)
		}
		var pub any
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			pub = &k.PublicKey
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			pub = k.(crypto.Signer).Public()
		case "PUBLIC KEY":
			if pub, err = x509.ParsePKIXPublicKey(block.Bytes); err != nil {
				t.Fatal(err)
			}
		}
		if ed, ok := pub.(ed25519.PublicKey); ok {
			keys = append(keys, dkimMaterial{file: path, p: base64.StdEncoding.EncodeToString(ed), k: "ed25519"})
			continue
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		pkcs1 := x509.MarshalPKCS1PublicKey(pub.(*rsa.PublicKey))
		keys = append(keys, dkimMaterial{file: path, p: base64.StdEncoding.EncodeToString(der),
			p1: base64.StdEncoding.EncodeToString(pkcs1), k: "rsa", rsa: true})
	}
	return keys
}

// policyGen writes one policy. Names are kept lower-case and fully qualified; spell writes them
// into the file in a random case, with or without the trailing dot.
type policyGen struct {
	t    *testing.T
	r    *rand.Rand
	dir  string
	keys []dkimMaterial

	forward  []string       // forward zones
	v4, v6   []netip.Prefix // the blocks addresses are drawn from: IPv4 /16s, IPv6 /48s
	taken    []netip.Prefix // networks, host addresses and delegations so far, which may not overlap
	hosts    []string
	domains  map[string]*genDomain
	order    []string // domains in generation order
	children []string // RFC 2317 child zones, served or not
	reverse  []string
	probes   []string
	out      strings.Builder
}

// writeRandomPolicy writes the policy of seed into dir.
func writeRandomPolicy(t *testing.T, seed uint64, dir string, keys []dkimMaterial) *randomPolicy {
	t.Helper()
	g := &policyGen{t: t, r: rand.New(rand.NewPCG(seed, 0x6d61696c61757468)), dir: dir, domains: map[string]*genDomain{}}
	g.keys = append(slices.Clone(keys), g.ed25519Keys(2)...)
	g.zones()
	fmt.Fprintf(&g.out, "# generated from seed %d\n", seed)
	if g.chance(0.7) {
		fmt.Fprintf(&g.out, "ttl: %d\n", g.ttl())
	}
	g.networks() // before hosts, whose addresses may fall inside networks
	g.writeHosts()
	g.soa() // after hosts, which may be name servers
	g.reverseZones()
	g.writeDomains()
	rp := &randomPolicy{path: filepath.Join(dir, "mail.yaml"), text: g.out.String(), probes: g.probes}
	writeText(t, rp.path, rp.text)
	rp.zones = append(append(slices.Clone(g.forward), g.reverse...), g.servedChildren()...)
	return rp
}

func (g *policyGen) chance(p float64) bool   { return g.r.Float64() < p }
func (g *policyGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// ttl returns a TTL: mostly usual values, sometimes 0 or the largest RFC 2181 allows.
func (g *policyGen) ttl() int {
	return []int{0, 1, 60, 300, 600, 3600, 3600, 86400, 604800, 2147483647}[g.r.IntN(10)]
}

// label returns one label: mostly a short word, sometimes one that looks numeric, with hyphens
// and digits, with punctuation, or long up to the 63 bytes allowed.
func (g *policyGen) label() string {
	switch g.r.IntN(14) {
	case 0:
		return g.pick("0", "7", "10", "64", "255", "256", "007", "1e3", "0x1f", "12-34", "4294967296", "2001", "1-2-3-4", "0-26")
	case 1:
		return g.word(30 + g.r.IntN(34))
	case 2:
		return g.word(1+g.r.IntN(5)) + "-" + strconv.Itoa(g.r.IntN(1000))
	case 3:
		return strconv.Itoa(g.r.IntN(100)) + g.word(1+g.r.IntN(6))
	case 4:
		return g.word(2) + "--" + g.word(2)
	case 5:
		if g.chance(0.3) { // printable punctuation, which DNS names may hold: zone files escape some of it
			const odd = `_-+=!#$%&'(),/:;<>?[]^{|}~"`
			return g.word(2) + string(odd[g.r.IntN(len(odd))]) + g.word(2)
		}
		return g.word(1 + g.r.IntN(10))
	default:
		return g.word(1 + g.r.IntN(10))
	}
}

// word returns n letters, digits and inner hyphens, starting with a letter.
func (g *policyGen) word(n int) string {
	const letters, inner = "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz0123456789-"
	b := []byte{letters[g.r.IntN(len(letters))]}
	for len(b) < n {
		c := inner[g.r.IntN(len(inner))]
		if c == '-' && len(b) == n-1 {
			c = 'x'
		}
		b = append(b, c)
	}
	return string(b)
}

// name returns a new name 1 to 4 labels below a forward zone, at most limit bytes long as text
// (with its trailing dot). Now and then it is four long labels, as long as limit allows.
func (g *policyGen) name(limit int, taken func(string) bool) string {
	for {
		zone := g.forward[g.r.IntN(len(g.forward))]
		n := zone
		if g.chance(0.08) {
			for range 4 {
				if room := min(63, limit-len(n)-1); room > 0 {
					n = g.word(max(1, room-g.r.IntN(4))) + "." + n
				}
			}
		}
		for range 1 + g.r.IntN(4) {
			if g.chance(0.6) && n != zone {
				break
			}
			n = g.label() + "." + n
		}
		if n != zone && len(n) <= limit && !taken(n) {
			return n
		}
	}
}

// spell writes name as a user might: in mixed case, with or without the trailing dot, quoted.
func (g *policyGen) spell(name string) string {
	b := []byte(name)
	switch g.r.IntN(3) {
	case 0:
		for i := range b {
			if g.chance(0.5) {
				b[i] = byte(strings.ToUpper(string(b[i]))[0])
			}
		}
	case 1:
		b = []byte(strings.ToUpper(name))
	}
	if g.chance(0.5) && strings.Count(name, ".") > 1 { // one label without its dot is relative (soa.mname)
		b = b[:len(b)-1]
	}
	return strconv.Quote(string(b))
}

// zones makes two or three forward zones, sometimes one inside another.
func (g *policyGen) zones() {
	for range 2 + g.r.IntN(2) {
		z := g.word(3+g.r.IntN(8)) + "." + g.pick("test.", "example.", "org.", "net.", "co.uk.", "com.au.")
		if g.chance(0.3) {
			z = g.label() + "." + z
		}
		if !slices.Contains(g.forward, z) {
			g.forward = append(g.forward, z)
		}
	}
	if g.chance(0.25) {
		g.forward = append(g.forward, g.word(4)+"."+g.forward[0])
	}
	for range 1 + g.r.IntN(2) {
		g.v4 = append(g.v4, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(g.r.IntN(256)), 0, 0}), 16))
	}
	for range 1 + g.r.IntN(2) {
		b := [16]byte{0x20, 0x01, 0x0d, 0xb8, byte(g.r.IntN(256)), byte(g.r.IntN(256))}
		g.v6 = append(g.v6, netip.PrefixFrom(netip.AddrFrom16(b), 48))
	}
}

// free reports whether p overlaps nothing taken so far.
func (g *policyGen) free(p netip.Prefix) bool {
	for _, q := range g.taken {
		if q.Overlaps(p) {
			return false
		}
	}
	return true
}

// prefix returns a free prefix of bits inside one of blocks, or false after a few tries.
func (g *policyGen) prefix(blocks []netip.Prefix, bits int) (netip.Prefix, bool) {
	for range 20 {
		base := blocks[g.r.IntN(len(blocks))]
		b := base.Addr().AsSlice()
		for i := base.Bits() / 8; i < len(b); i++ {
			b[i] = byte(g.r.IntN(256))
		}
		if base.Addr().Is6() && g.chance(0.7) {
			clear(b[8:14]) // most addresses in one /64, so that networks meet there
		}
		a, _ := netip.AddrFromSlice(b)
		p, _ := a.Prefix(bits)
		if g.free(p) {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// ed25519Keys makes n Ed25519 keys from the generator's stream and writes each as a PKCS#8 key
// file, as a signer would hold it.
func (g *policyGen) ed25519Keys(n int) []dkimMaterial {
	var out []dkimMaterial
	for i := range n {
		var seed [ed25519.SeedSize]byte
		for j := range seed {
			seed[j] = byte(g.r.IntN(256))
		}
		priv := ed25519.NewKeyFromSeed(seed[:])
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			g.t.Fatal(err)
		}
		file := filepath.Join(g.dir, fmt.Sprintf("ed%d.pem", i))
		if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			g.t.Fatal(err)
		}
		pub := priv.Public().(ed25519.PublicKey)
		out = append(out, dkimMaterial{file: file, p: base64.StdEncoding.EncodeToString(pub), k: "ed25519"})
	}
	return out
}

// soa writes the soa and ns settings, or leaves some or all to their defaults. A name server
// inside a zone must be a host of that zone alone, or the zone has an NS without an address.
func (g *policyGen) soa() {
	var fields []string
	relative := false
	if g.chance(0.6) {
		if relative = g.chance(0.2); relative {
			fields = append(fields, "mname: ns1")
		} else {
			fields = append(fields, "mname: "+g.spell(g.pick("ns1.ext-dns.net.", "a.ns.ext-dns.net.", "localhost.")))
		}
	}
	if g.chance(0.6) {
		zone := strings.TrimSuffix(g.forward[g.r.IntN(len(g.forward))], ".")
		fields = append(fields, "rname: "+strconv.Quote(g.pick("hostmaster@", "dns.admin@", "x-1@")+zone))
	}
	if g.chance(0.3) {
		fields = append(fields, fmt.Sprintf("serial: %d", 1+g.r.Uint32N(1<<32-1)))
	}
	for _, f := range []string{"refresh", "retry", "expire", "minimum"} {
		if g.chance(0.4) {
			fields = append(fields, fmt.Sprintf("%s: %d", f, g.ttl()))
		}
	}
	if len(fields) > 0 {
		fmt.Fprintf(&g.out, "soa: {%s}\n", strings.Join(fields, ", "))
	}
	var ns []string
	if relative || g.chance(0.7) {
		ns = append(ns, g.spell("ns1.ext-dns.net."))
		for _, h := range g.hosts {
			if len(ns) < 3 && g.chance(0.3) && g.zonesHolding(h) == 1 {
				ns = append(ns, g.spell(h))
			}
		}
	}
	if len(ns) > 0 {
		fmt.Fprintf(&g.out, "ns: [%s]\n", strings.Join(ns, ", "))
	}
}

// zonesHolding counts the forward zones name is in.
func (g *policyGen) zonesHolding(name string) int {
	n := 0
	for _, z := range g.forward {
		if dns.IsSubDomain(z, name) {
			n++
		}
	}
	return n
}
