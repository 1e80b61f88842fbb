package test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// The randomized differential run: for each seed a policy from writeRandomPolicy (random zones,
// names and records of every kind the policy reference lists), served by mailauth alone, and the
// same zones, as mailauth-check -export writes them, loaded into a BIND 9 primary. Both must give
// every question the same rcode, flags and sections, as compareAll checks them.
//
// randomSeeds run every time; a seed that once found a bug stays in the list. For a longer hunt,
// MAILAUTH_DIFF_SEEDS=N adds the seeds 1 to N, and MAILAUTH_DIFF_SEEDS=A-B the seeds A to B (about
// 5 s each):
//
//	MAILAUTH_DIFF_SEEDS=200 go test -count=1 -timeout 0 -run Random ./test/
//
// and -run 'Random/seed=137$' runs one of them again.
//
// What the seeds found, with the generator of the time: 1, NXDOMAIN to an SOA query (TTL 0 in
// BIND); 2 and 4, the addresses of NS targets in other zones, and in ANY answers; 3, DS at the
// apex of a zone inside another; 1, 2 and 37, names over 255 octets; 37, reverse names above
// addresses a more specific zone holds; 253, names holding bytes zone files escape. And the
// legitimate differences: 3, a truncated partial RRset; 5 and 18, BIND's larger encoding; 254,
// CoreDNS truncating by an estimate.
var randomSeeds = []uint64{1, 2, 3, 4, 5, 18, 37, 253, 254}

func TestRandomPoliciesAnswerAsABINDPrimaryLoadingTheirZonesDoes(t *testing.T) {
	named := requireTool(t, "named")
	checker := buildChecker(t)
	keys := repoKeys(t)
	for _, seed := range diffSeeds(t) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			dir := t.TempDir()
			rp := writeRandomPolicy(t, seed, dir, keys)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("the policy of seed %d, served in %s:\n%s", seed, strings.Join(rp.zones, " "), rp.text)
				}
			})
			if _, err := policy.Load(rp.path); err != nil {
				t.Fatalf("the generated policy does not load:\n%v", err)
			}
			files := exportedZones(t, checker, rp, dir)
			s := start(t, fmt.Sprintf("%s {\n    bind 127.0.0.1\n    mailauth %s\n    transfer {\n        to *\n    }\n}\n",
				strings.Join(rp.zones, " "), rp.path))
			for _, z := range rp.zones {
				sameRecords(t, z, axfr(t, s, z), files[z])
			}
			b := startNamedPrimary(t, named, dir, freePort(t), files)
			qs := randomQuestions(t, s, rp, rand.New(rand.NewPCG(seed, 1)))
			compareConcurrently(t, s, b, qs)
		})
	}
}

// diffSeeds returns randomSeeds, and the seeds MAILAUTH_DIFF_SEEDS names when it is set.
func diffSeeds(t *testing.T) []uint64 {
	seeds := slices.Clone(randomSeeds)
	if v := os.Getenv("MAILAUTH_DIFF_SEEDS"); v != "" {
		from, to, isRange := strings.Cut(v, "-")
		if !isRange {
			from, to = "1", v
		}
		first, err1 := strconv.ParseUint(from, 10, 64)
		last, err2 := strconv.ParseUint(to, 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("MAILAUTH_DIFF_SEEDS=%q: want a number of seeds, or a range such as 201-400", v)
		}
		for s := first; s <= last; s++ {
			if !slices.Contains(seeds, s) {
				seeds = append(seeds, s)
			}
		}
	}
	return seeds
}

// buildChecker builds cmd/mailauth-check once for the run.
func buildChecker(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "mailauth-check")
	if out, err := exec.Command(goTool, "build", "-o", bin, "./cmd/mailauth-check").CombinedOutput(); err != nil {
		t.Fatalf("building mailauth-check: %v\n%s", err, out)
	}
	return bin
}

// exportedZones runs mailauth-check -export for the zones of rp, requires that it accepts the
// policy, and returns the zone files it wrote by zone.
func exportedZones(t *testing.T, checker string, rp *randomPolicy, dir string) map[string]string {
	t.Helper()
	out := filepath.Join(dir, "export")
	args := []string{"-export", out}
	for _, z := range rp.zones {
		args = append(args, "-zone", z)
	}
	msg, err := exec.Command(checker, append(args, rp.path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("mailauth-check -export: %v\n%s", err, msg)
	}
	files := map[string]string{}
	for _, z := range rp.zones {
		files[z] = filepath.Join(out, strings.ReplaceAll(strings.TrimSuffix(z, "."), "/", "_")+".zone")
		if !fileExists(files[z]) {
			t.Fatalf("mailauth-check -export wrote no file for %s:\n%s", z, msg)
		}
	}
	return files
}

// sameRecords requires that a transfer of zone holds the records of the exported file.
func sameRecords(t *testing.T, zone string, transferred []dns.RR, file string) {
	t.Helper()
	var got, want []string
	for _, rr := range transferred[:len(transferred)-1] { // the closing SOA repeats the first
		got = append(got, rr.String())
	}
	zp := dns.NewZoneParser(strings.NewReader(readFile(t, file)), ".", file)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		want = append(want, rr.String())
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("the transfer of %s (%d records) differs from mailauth-check's export (%d records)", zone, len(got), len(want))
	}
}

// compareConcurrently runs compareTruncated over parts of qs at once: the two servers answer
// faster than one client asks.
func compareConcurrently(t *testing.T, a, b server, qs []dns.Question) {
	t.Helper()
	const parts = 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	mismatches, total := 0, 0
	for i := range parts {
		part := qs[i*len(qs)/parts : (i+1)*len(qs)/parts]
		wg.Go(func() {
			m, n := compareTruncated(t, a, b, part)
			mu.Lock()
			mismatches, total = mismatches+m, total+n
			mu.Unlock()
		})
	}
	wg.Wait()
	if mismatches > 0 {
		t.Errorf("%d of %d answers differ from BIND's", mismatches, total)
	}
	t.Logf("%d queries (%d questions) compared with BIND", total, len(qs))
}

// compareTruncated is compareAll's strict mode, but for answers that both servers truncate (TC,
// over UDP). BIND fills a truncated answer with as many records as fit, taken in its random RRset
// order (rrset-order random is its default), so where the cut falls inside an RRset, which of its
// records are left changes from one answer to the next; RFC 2181 9 lets a truncated answer hold a
// partial RRset and tells clients to ignore it and ask over TCP. Such answers must agree in
// everything else, and each may hold only records of the whole answer, as TCP gets it. It returns
// the mismatches and the queries asked.
func compareTruncated(t *testing.T, a, b server, qs []dns.Question) (mismatches, total int) {
	t.Helper()
	for _, q := range qs {
		for _, v := range variants {
			m := asked(q, v.rd, v.bufsize)
			total++
			ra, rb := exchangeMsg(a, v.net, m), exchangeMsg(b, v.net, m)
			da, db := render(ra), render(rb)
			if ra != nil && rb != nil && ra.Truncated && rb.Truncated {
				whole := exchangeMsg(a, "tcp", m)
				da, db = renderTruncated(ra, whole), renderTruncated(rb, whole)
			}
			if da == db || v.net == "udp" && (largerInBIND(b, m, ra, rb) || truncatedByEstimate(a, m, ra, rb)) {
				continue
			}
			mismatches++
			if mismatches <= 10 {
				t.Errorf("%s %s %s over %s (EDNS %d, RD %v) differs:\nmailauth:\n%s\nBIND:\n%s", q.Name,
					dns.ClassToString[q.Qclass], dns.TypeToString[q.Qtype], v.net, v.bufsize, v.rd, da, db)
			}
		}
	}
	return mismatches, total
}

// largerInBIND reports whether replies ra (mailauth's) and rb (BIND's) to m over UDP differ only
// because BIND encodes the same answer in more bytes, so that it truncates an answer mailauth fits
// in the client's buffer. Name compression is optional (RFC 1035 4.1.4), and the two compress
// differently: BIND compresses a name only against one of the same case, and when the longest
// suffix it shares with an earlier name differs in case, none of it, so to a question not in lower
// case it writes the answer's owner names whole; it writes some names in RDATA whole too (an MX
// target whose suffix the question has), where miekg/dns points at the suffix. So: BIND truncates
// and mailauth does not, mailauth's answer is BIND's whole answer (over TCP), and BIND's own
// encoding of that is over the buffer size.
func largerInBIND(b server, m *dns.Msg, ra, rb *dns.Msg) bool {
	if ra == nil || rb == nil || ra.Truncated || !rb.Truncated {
		return false
	}
	whole := exchangeMsg(b, "tcp", m)
	return whole != nil && render(whole) == render(ra) && wireSize(b, m) > udpLimit(m)
}

// truncatedByEstimate reports whether mailauth (ra) truncated an answer that BIND (rb) sent whole,
// only because CoreDNS truncates by miekg/dns's estimate of a reply's size, which counts the
// backslash of each escaped byte in a TXT string (\" or \\, in a DKIM note say) as a byte of its
// own: an answer a few bytes under the client's buffer is truncated though it fits, and the client
// asks again over TCP. So: mailauth truncates and BIND does not, BIND's answer is mailauth's whole
// answer (over TCP), which holds such an escape, and packed it fits in the buffer.
func truncatedByEstimate(a server, m *dns.Msg, ra, rb *dns.Msg) bool {
	if ra == nil || rb == nil || !ra.Truncated || rb.Truncated {
		return false
	}
	whole := exchangeMsg(a, "tcp", m)
	if whole == nil || render(whole) != render(rb) {
		return false
	}
	escaped := false
	for _, rr := range whole.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			escaped = escaped || strings.Contains(strings.Join(txt.Txt, ""), `\`)
		}
	}
	whole.Compress = true
	packed, err := whole.Pack()
	return escaped && err == nil && len(packed) <= udpLimit(m)
}

// udpLimit is the size of the UDP answers a client asking m takes.
func udpLimit(m *dns.Msg) int {
	if opt := m.IsEdns0(); opt != nil {
		return max(dns.MinMsgSize, int(opt.UDPSize()))
	}
	return dns.MinMsgSize
}

// wireSize returns the length of s's reply to m over TCP, in bytes as s encodes it; 0 on failure.
func wireSize(s server, m *dns.Msg) int {
	co, err := dns.DialTimeout("tcp", s.tcp, 2*time.Second)
	if err != nil {
		return 0
	}
	defer co.Close()
	co.SetDeadline(time.Now().Add(2 * time.Second))
	if err := co.WriteMsg(m); err != nil {
		return 0
	}
	buf := make([]byte, dns.MaxMsgSize)
	n, err := co.Read(buf)
	if err != nil {
		return 0
	}
	return n
}

// exchangeMsg asks s and returns its reply, nil when none came.
func exchangeMsg(s server, network string, m *dns.Msg) *dns.Msg {
	c := &dns.Client{Net: network, Timeout: 2 * time.Second, UDPSize: 65535}
	addr := s.udp
	if network == "tcp" {
		addr = s.tcp
	}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return nil
	}
	return r
}

// render is what describeExchange shows of a reply.
func render(r *dns.Msg) string {
	if r == nil {
		return "no reply\n"
	}
	return ednsAndFlags(r) + describe(r)
}

// renderTruncated renders a truncated reply as render does, with its answer section replaced by
// whether it holds only records of whole, the answer over TCP.
func renderTruncated(r, whole *dns.Msg) string {
	c := r.Copy()
	c.Answer = nil
	partial := "the records kept are from the whole answer"
	for _, rr := range r.Answer {
		if whole == nil || !slices.ContainsFunc(whole.Answer, func(w dns.RR) bool { return dns.IsDuplicate(rr, w) }) {
			partial = "kept a record the whole answer does not hold: " + rr.String()
			break
		}
	}
	return render(c) + partial + "\n"
}

// allTypes are asked at every name of interest.
var allTypes = []uint16{dns.TypeTXT, dns.TypeA, dns.TypeAAAA, dns.TypePTR, dns.TypeMX, dns.TypeSOA, dns.TypeNS,
	dns.TypeCNAME, dns.TypeDS, dns.TypeANY, dns.TypeHINFO}

// maxNames bounds the names a seed asks about, so that a seed takes a few seconds: a sample of
// them when there are more.
const maxNames = 160

// randomQuestions builds the question set of a generated policy from what mailauth transfers and
// the generator's probes: owner names (a sample of those with only an address or a PTR, mostly
// the networks') and the empty non-terminals above them, each with every type; each again in
// random case, with a name below it and names just before and after it in canonical order, which
// do not exist unless a wildcard or a network makes them.
func randomQuestions(t *testing.T, s server, rp *randomPolicy, r *rand.Rand) []dns.Question {
	t.Helper()
	seen := map[dns.Question]bool{}
	var qs []dns.Question
	ask := func(name string, qtypes ...uint16) {
		for _, qt := range qtypes {
			q := dns.Question{Name: name, Qtype: qt, Qclass: dns.ClassINET}
			if !seen[q] {
				seen[q] = true
				qs = append(qs, q)
			}
		}
	}
	anyType := func(from ...uint16) uint16 { return from[r.IntN(len(from))] }
	var names []string
	for _, z := range rp.zones {
		types := map[string][]uint16{}
		for _, rr := range axfr(t, s, z) {
			n := strings.ToLower(rr.Header().Name)
			types[n] = append(types[n], rr.Header().Rrtype)
			for p, ok := parent(n); ok && dns.IsSubDomain(z, p); p, ok = parent(p) {
				if _, known := types[p]; !known {
					types[p] = nil
				}
			}
		}
		sorted := make([]string, 0, len(types))
		for n := range types {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		var plain []string
		for _, n := range sorted {
			if onlyAddresses(types[n]) {
				plain = append(plain, n)
			} else {
				names = append(names, n)
			}
		}
		r.Shuffle(len(plain), func(i, j int) { plain[i], plain[j] = plain[j], plain[i] })
		names = append(names, plain[:min(len(plain), 12)]...)
	}
	for _, p := range rp.probes {
		if n := strings.ToLower(p); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) > maxNames {
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		names = names[:maxNames]
	}
	for _, n := range names {
		ask(n, allTypes...)
		ask(randomCase(r, n), dns.TypeTXT, anyType(allTypes...))
		if len(n) < 240 {
			ask(pickLabel(r)+"."+n, anyType(dns.TypeTXT, dns.TypeA))
		}
		for _, near := range neighbours(n) {
			ask(near, anyType(dns.TypeTXT, dns.TypeA, dns.TypePTR))
		}
	}
	ask("outside-every-zone.example.", dns.TypeTXT)
	ask("arpa.", dns.TypeSOA)
	return qs
}

func onlyAddresses(types []uint16) bool {
	for _, t := range types {
		if t != dns.TypeA && t != dns.TypeAAAA && t != dns.TypePTR {
			return false
		}
	}
	return len(types) > 0
}

func randomCase(r *rand.Rand, name string) string {
	b := []byte(name)
	for i, c := range b {
		if c >= 'a' && c <= 'z' && r.IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func pickLabel(r *rand.Rand) string {
	return []string{"x", "_dmarc", "_domainkey", "*", "0", "mail", "deeper.nx"}[r.IntN(7)]
}

// neighbours returns names that sort just before and just after name in canonical order (RFC 4034
// 6.1), changing its first label only.
func neighbours(name string) []string {
	first, rest, ok := strings.Cut(name, ".")
	if !ok || first == "" || strings.HasPrefix(first, `\`) {
		return nil
	}
	var out []string
	if last := first[len(first)-1]; len(first) > 1 {
		out = append(out, first[:len(first)-1]+"."+rest)
	} else if last > '0' {
		out = append(out, string(last-1)+"."+rest)
	}
	if len(first) < 63 {
		out = append(out, first+"-."+rest, first+"0."+rest)
	}
	return out
}
