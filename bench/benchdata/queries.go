package benchdata

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// Kinds are the kinds of query in the mix and their share in percent, in the proportions a
// provider's authoritative server sees: receivers check SPF and DMARC on every message, DKIM on
// signed ones, iprev on every connection, and some traffic asks for names nothing publishes.
var Kinds = []struct {
	Kind    string
	Percent int
}{
	{"spf", 18},
	{"dkim-rsa", 13},
	{"dkim-ed25519", 6},
	{"dmarc", 18},
	{"adsp", 3},
	{"ptr-host4", 7},
	{"ptr-host6", 2},
	{"ptr-net4", 8},
	{"ptr-net6", 4},
	{"a-host", 5},
	{"a-net4", 3},
	{"aaaa-net6", 2},
	{"nxdomain", 8},
	{"nodata-domainkey", 3},
}

func mix(rng *rand.Rand, n, count int, net6 []netip.Addr) []Query {
	total := 0
	for _, k := range Kinds {
		total += k.Percent
	}
	out := make([]Query, 0, count)
	for range count {
		r := rng.IntN(total)
		for _, k := range Kinds {
			if r < k.Percent {
				out = append(out, query(rng, n, k.Kind, net6))
				break
			}
			r -= k.Percent
		}
	}
	return out
}

func query(rng *rand.Rand, n int, kind string, net6 []netip.Addr) Query {
	d := Domain(n, 1+rng.IntN(n))
	h, h4, h6 := Host(n, 1+rng.IntN(Hosts(n)))
	q := Query{Kind: kind, Type: "TXT"}
	switch kind {
	case "spf":
		q.Name = d
	case "dkim-rsa":
		q.Name = "rsa2026._domainkey." + d
	case "dkim-ed25519":
		q.Name = "ed2026._domainkey." + d
	case "dmarc":
		q.Name = "_dmarc." + d
	case "adsp":
		q.Name = "_adsp._domainkey." + d
	case "ptr-host4":
		q.Name, q.Type = reverse(h4), "PTR"
	case "ptr-host6":
		q.Name, q.Type = reverse(h6), "PTR"
	case "ptr-net4":
		q.Name, q.Type = reverse(net4Addr(rng)), "PTR"
	case "ptr-net6":
		q.Name, q.Type = reverse(net6[rng.IntN(len(net6))]), "PTR"
	case "a-host":
		q.Name, q.Type = h, "A"
		if rng.IntN(3) == 0 {
			q.Type = "AAAA"
		}
	case "a-net4":
		q.Name, q.Type = SynthesizedName(net4Addr(rng)), "A"
	case "aaaa-net6":
		q.Name, q.Type = SynthesizedName(net6[rng.IntN(len(net6))]), "AAAA"
	case "nxdomain":
		if rng.IntN(2) == 0 {
			q.Name, q.Type = fmt.Sprintf("nx%08d.%s", rng.IntN(100_000_000), Zone), "A"
		} else {
			q.Name = "s" + fmt.Sprint(rng.IntN(1000)) + "._domainkey." + d
		}
	case "nodata-domainkey":
		q.Name = "_domainkey." + d
	default:
		panic("unknown query kind " + kind)
	}
	return q
}

// net4Addr is a random address of the IPv4 network.
func net4Addr(rng *rand.Rand) netip.Addr {
	v := rng.Uint32()
	return netip.AddrFrom4([4]byte{172, 16, byte(v >> 8), byte(v)})
}

func reverse(a netip.Addr) string {
	name, _ := dns.ReverseAddr(a.String())
	return name
}

// SynthesizedName is the name a network PTR points to, as the policy's templates spell it.
func SynthesizedName(a netip.Addr) string {
	if a.Is4() {
		return strings.Replace(ptr4, "{ip}", strings.ReplaceAll(a.String(), ".", "-"), 1) + "."
	}
	return strings.Replace(ptr6, "{ip}", strings.ReplaceAll(a.String(), ":", "-"), 1) + "."
}

// QueryFile is the dnsperf query file of the queries of kind ("" for all), one "NAME TYPE" a line.
func (s *Set) QueryFile(kind string) []byte {
	var b strings.Builder
	for _, q := range s.Queries {
		if kind == "" || q.Kind == kind {
			b.WriteString(q.Name + " " + q.Type + "\n")
		}
	}
	return []byte(b.String())
}

// KindNames returns the kinds of query, sorted.
func KindNames() []string {
	var out []string
	for _, k := range Kinds {
		out = append(out, k.Kind)
	}
	sort.Strings(out)
	return out
}
