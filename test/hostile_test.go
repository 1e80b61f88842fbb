package test

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"
)

// What an authoritative server on the internet is sent besides queries: garbage, malformed and
// oversized messages, other classes and opcodes, transfers it must refuse. Each must be answered
// correctly or refused (FORMERR, REFUSED, NOTIMP, BADVERS), or dropped where a reply is
// impossible; never with a panic, and without leaving goroutines behind.

// hostileCorefile serves the BIND test's policy as Corefile.example does, with transfers allowed
// to a loopback address the tests never query from (the NOTIFY sent to it finds no one, at once).
const hostileCorefile = `example.org {
    bind 127.0.0.1
    mailauth test/testdata/bind/mail.yaml {
        fallthrough
    }
    file zones/db.example.org
    transfer {
        to 127.0.0.2
    }
}
example.net 192.0.2.0/24 198.51.100.0/24 2001:db8::/32 {
    bind 127.0.0.1
    mailauth test/testdata/bind/mail.yaml
    transfer {
        to 127.0.0.2
    }
}
`

// noReply stands for "no reply at all" among the outcomes a hostile case accepts.
const noReply = -1

type hostileCase struct {
	name    string
	network string
	packet  func(t *testing.T) []byte
	want    []int                             // the rcodes (BADVERS included) or noReply accepted
	check   func(t *testing.T, q, r *dns.Msg) // more checks of a reply; q is the packet unpacked, if it unpacks
}

func TestHostileQueriesAreAnsweredOrRefusedNeverPanicAndLeaveNoGoroutines(t *testing.T) {
	logs := captureLog(t)
	baseline := runtime.NumGoroutine()
	s, stop := startStoppable(t, hostileCorefile)

	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			pkt := tc.packet(t)
			reply, ok := s.send(t, tc.network, pkt, 500*time.Millisecond)
			outcome := noReply
			var r *dns.Msg
			if ok {
				r = new(dns.Msg)
				if err := r.Unpack(reply); err != nil {
					t.Fatalf("reply does not unpack: %v (% x)", err, reply)
				}
				outcome = r.Rcode
			}
			t.Logf("%s", outcomeString(outcome))
			if !slices.Contains(tc.want, outcome) {
				t.Errorf("got %s, want one of %s", outcomeString(outcome), outcomesString(tc.want))
				if r != nil {
					t.Logf("reply:\n%s", r)
				}
			}
			if r != nil && tc.check != nil {
				q := new(dns.Msg)
				if q.Unpack(pkt) != nil {
					q = nil
				}
				tc.check(t, q, r)
			}
			s.stillAnswers(t)
		})
	}

	// A TCP client that sends half a message and one that sends nothing are still connected when
	// the server stops: stopping must close them.
	for _, partial := range [][]byte{{0x00}, nil} {
		c, err := net.Dial("tcp", s.tcp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(partial); err != nil {
			t.Fatal(err)
		}
	}
	s.stillAnswers(t)

	stop()
	var now int
	if !pollUntil(10*time.Second, func() bool {
		now = runtime.NumGoroutine()
		return now <= baseline+2
	}) {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines 10s after the server stopped, %d before it started:\n%s", now, baseline, buf[:runtime.Stack(buf, true)])
	}
	if l := logs.String(); strings.Contains(strings.ToLower(l), "panic") {
		t.Errorf("the server logged a panic:\n%s", l)
	}
}

// stillAnswers fails the test unless the server answers an ordinary query correctly.
func (s server) stillAnswers(t *testing.T) {
	t.Helper()
	r := s.query(t, "udp", "_dmarc.example.org.", dns.TypeTXT, 1232)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("the server no longer answers: %s", r)
	}
}

func hostileCases() []hostileCase {
	formerr := []int{dns.RcodeFormatError, noReply}
	soaOnly := func(rcode int) func(t *testing.T, q, r *dns.Msg) {
		return func(t *testing.T, q, r *dns.Msg) {
			t.Helper()
			if r.Rcode != rcode || !r.Authoritative || len(r.Answer) != 0 || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
				t.Errorf("want %s, AA and the SOA alone in authority:\n%s", dns.RcodeToString[rcode], r)
			}
			if q != nil && (len(r.Question) != 1 || r.Question[0] != q.Question[0]) {
				t.Errorf("question echoed as %v, asked %v", r.Question, q.Question)
			}
		}
	}
	empty := func(t *testing.T, q, r *dns.Msg) {
		t.Helper()
		if len(r.Answer)+len(r.Ns) != 0 || r.Authoritative {
			t.Errorf("a refusal carries no records and no AA:\n%s", r)
		}
	}
	// A name of exactly 255 octets on the wire, inside example.org: 3 labels of 63, one of 49.
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 49) + ".example.org."

	cases := []hostileCase{
		{"an empty datagram is dropped", "udp", bytesOf(), []int{noReply}, nil},
		{"five bytes, shorter than a header, are dropped", "udp", bytesOf(1, 2, 3, 4, 5), []int{noReply}, nil},
		// miekg/dns unpacks a message that ends after its header as one without a question, and
		// CoreDNS (core/dnsserver/server.go) answers a message without a question SERVFAIL, before
		// any plugin sees it.
		{"a header announcing a question that is not there is SERVFAIL (CoreDNS)", "udp", bytesOf(0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
			[]int{dns.RcodeFormatError, dns.RcodeServerFailure, noReply}, nil},
		{"a question cut inside its name is FORMERR", "udp", cut(query("_dmarc.example.org.", dns.TypeTXT), 20), formerr, nil},
		// miekg/dns reads the missing class as 0, and CoreDNS refuses classes other than IN.
		{"a question cut before its class is REFUSED as class 0", "udp", cut(query("_dmarc.example.org.", dns.TypeTXT), -2),
			[]int{dns.RcodeFormatError, dns.RcodeRefused}, nil},
		{"a message with the QR bit set is a response and is ignored", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) { m.Response = true }), []int{noReply}, nil},
		{"QDCOUNT 0 is FORMERR", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) { m.Question = nil }), formerr, nil},
		{"QDCOUNT 2 is FORMERR", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) {
			m.Question = append(m.Question, dns.Question{Name: "example.net.", Qtype: dns.TypeTXT, Qclass: dns.ClassINET})
		}), formerr, nil},
		{"QDCOUNT 2 over TCP is FORMERR", "tcp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) {
			m.Question = append(m.Question, m.Question[0])
		}), formerr, nil},
		{"three additional records are FORMERR", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) {
			for i := 0; i < 3; i++ {
				m.Extra = append(m.Extra, &dns.A{Hdr: dns.RR_Header{Name: "x.", Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.IPv4(192, 0, 2, 1)})
			}
		}), formerr, nil},
		{"a compression loop in the question is FORMERR", "udp", bytesOf(0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 16, 0, 1), formerr, nil},
		{"a name of 256 octets is FORMERR", "udp", func(t *testing.T) []byte {
			// Four labels of 63 and one of 2: 4*64 + 3 + 1 = 260 octets, over the limit of 255.
			b := []byte{0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}
			for i := 0; i < 4; i++ {
				b = append(b, 63)
				b = append(b, strings.Repeat("x", 63)...)
			}
			return append(b, 2, 'o', 'k', 0, 0, 16, 0, 1)
		}, formerr, nil},
		{"a label of 64 octets (an extended label type) is FORMERR", "udp", func(t *testing.T) []byte {
			b := append([]byte{0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64}, strings.Repeat("x", 64)...)
			return append(b, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 16, 0, 1)
		}, formerr, nil},
		{"a name of exactly 255 octets in the zone is NXDOMAIN", "udp", query(long, dns.TypeTXT), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"a name of 255 octets over TCP is NXDOMAIN", "tcp", query(long, dns.TypeTXT), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"a NUL byte inside a label is a name nobody publishes", "udp", query("mail2026\\000._domainkey.example.org.", dns.TypeTXT), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"a dot inside a label is not a label separator", "udp", query("mail2026\\._domainkey.example.org.", dns.TypeTXT), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"a dot inside a label of a zone served alone", "udp", query("mail\\._domainkey.example.net.", dns.TypeTXT), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"bytes 0x80 and over in a label", "udp", query("\\200\\377\\303\\251._dmarc.example.org.", dns.TypeTXT), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"a byte 0xc9 does not fold to a policy name's case", "udp", query("_dm\\201rc.example.org.", dns.TypeTXT), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"a space and a quote in a label", "udp", query("a\\032b\\\".example.net.", dns.TypeA), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"class CH is REFUSED", "udp", withClass(query("_dmarc.example.org.", dns.TypeTXT), dns.ClassCHAOS), []int{dns.RcodeRefused}, empty},
		{"version.bind CH TXT is REFUSED", "udp", withClass(query("version.bind.", dns.TypeTXT), dns.ClassCHAOS), []int{dns.RcodeRefused}, empty},
		{"class ANY is REFUSED", "udp", withClass(query("_dmarc.example.org.", dns.TypeTXT), dns.ClassANY), []int{dns.RcodeRefused}, empty},
		{"class NONE is REFUSED", "udp", withClass(query("_dmarc.example.org.", dns.TypeTXT), dns.ClassNONE), []int{dns.RcodeRefused}, empty},
		{"EDNS version 1 is BADVERS", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) {
			m.SetEdns0(1232, false)
			m.IsEdns0().SetVersion(1)
		}), []int{dns.RcodeBadVers}, func(t *testing.T, q, r *dns.Msg) {
			if opt := r.IsEdns0(); opt == nil || opt.Version() != 0 || len(r.Answer) != 0 {
				t.Errorf("BADVERS must come with an OPT of version 0 and no answer:\n%s", r)
			}
		}},
		{"EDNS version 255 over TCP is BADVERS", "tcp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) {
			m.SetEdns0(1232, false)
			m.IsEdns0().SetVersion(255)
		}), []int{dns.RcodeBadVers}, nil},
		// RFC 6891 6.1.1 asks FORMERR; miekg/dns keeps the first OPT and CoreDNS answers.
		{"two OPT records are answered", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) {
			m.SetEdns0(1232, false)
			m.Extra = append(m.Extra, m.Extra[0])
		}), []int{dns.RcodeFormatError, dns.RcodeSuccess}, nil},
		{"opcode NOTIFY for a zone mailauth serves is not an error", "udp", withOpcode(query("example.net.", dns.TypeSOA), dns.OpcodeNotify),
			[]int{dns.RcodeSuccess, dns.RcodeRefused, dns.RcodeNotAuth, dns.RcodeNotImplemented}, func(t *testing.T, q, r *dns.Msg) {
				if r.Opcode != dns.OpcodeNotify {
					t.Errorf("reply opcode %s, want NOTIFY echoed", dns.OpcodeToString[r.Opcode])
				}
			}},
		{"opcode UPDATE is NOTIMP", "udp", withOpcode(query("example.net.", dns.TypeSOA), dns.OpcodeUpdate), []int{dns.RcodeNotImplemented, dns.RcodeRefused}, empty},
		{"opcode UPDATE over TCP is NOTIMP", "tcp", withOpcode(query("example.org.", dns.TypeSOA), dns.OpcodeUpdate), []int{dns.RcodeNotImplemented, dns.RcodeRefused}, empty},
		{"opcode IQUERY is NOTIMP", "udp", withOpcode(query("example.net.", dns.TypeA), dns.OpcodeIQuery), []int{dns.RcodeNotImplemented}, empty},
		{"opcode STATUS is NOTIMP", "udp", withOpcode(query("example.net.", dns.TypeA), dns.OpcodeStatus), []int{dns.RcodeNotImplemented}, empty},
		{"unassigned opcode 3 is NOTIMP", "udp", withOpcode(query("example.net.", dns.TypeA), 3), []int{dns.RcodeNotImplemented}, empty},
		{"AXFR over UDP is REFUSED", "udp", query("example.net.", dns.TypeAXFR), []int{dns.RcodeRefused, dns.RcodeNotImplemented, dns.RcodeFormatError}, empty},
		{"AXFR from an address not in transfer to is REFUSED", "tcp", query("example.net.", dns.TypeAXFR), []int{dns.RcodeRefused}, empty},
		{"AXFR of a zone beside file from an address not in transfer to is REFUSED", "tcp", query("example.org.", dns.TypeAXFR), []int{dns.RcodeRefused}, empty},
		{"IXFR from an address not in transfer to is REFUSED", "tcp", edit(query("example.net.", dns.TypeIXFR), func(m *dns.Msg) {
			m.SetIxfr("example.net.", 1, "ns1.example.org.", "hostmaster.example.org.")
		}), []int{dns.RcodeRefused}, empty},
		{"AXFR of a name below a zone is REFUSED", "tcp", query("_dmarc.example.net.", dns.TypeAXFR), []int{dns.RcodeRefused, dns.RcodeNotAuth}, empty},
		{"qtype ANY is answered from the zone", "udp", query("_dmarc.example.net.", dns.TypeANY), []int{dns.RcodeSuccess}, func(t *testing.T, q, r *dns.Msg) {
			if len(r.Answer) == 0 || !r.Authoritative {
				t.Errorf("want the DMARC record:\n%s", r)
			}
		}},
		{"qtype ANY at a name nobody publishes is NXDOMAIN", "udp", query("nx.example.net.", dns.TypeANY), []int{dns.RcodeNameError}, soaOnly(dns.RcodeNameError)},
		{"meta type MAILB is not an answer", "udp", query("mail.example.org.", dns.TypeMAILB), []int{dns.RcodeSuccess, dns.RcodeNotImplemented, dns.RcodeRefused}, nil},
		{"qtype 0 is not an answer", "udp", query("mail.example.org.", dns.TypeNone), []int{dns.RcodeSuccess, dns.RcodeFormatError, dns.RcodeNotImplemented}, func(t *testing.T, q, r *dns.Msg) {
			if len(r.Answer) != 0 {
				t.Errorf("qtype 0 answered with records:\n%s", r)
			}
		}},
		{"qtype OPT in the question is not an answer", "udp", query("mail.example.org.", dns.TypeOPT), []int{dns.RcodeSuccess, dns.RcodeFormatError}, func(t *testing.T, q, r *dns.Msg) {
			if len(r.Answer) != 0 {
				t.Errorf("qtype OPT answered with records:\n%s", r)
			}
		}},
		{"a query with the TC bit set is answered", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) { m.Truncated = true }), []int{dns.RcodeSuccess}, nil},
		{"a query with Z set is answered with Z clear", "udp", edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) { m.Zero = true }), []int{dns.RcodeSuccess}, func(t *testing.T, q, r *dns.Msg) {
			if r.Zero {
				t.Error("Z set in the reply")
			}
		}},
	}
	// EDNS buffer sizes under 512 count as 512 (RFC 6891 6.2.5): a 4096-bit key does not fit and is
	// truncated, a DMARC record does and is whole.
	for _, size := range []uint16{0, 1, 511} {
		cases = append(cases,
			hostileCase{fmt.Sprintf("EDNS buffer size %d truncates a 4096-bit key to 512 bytes", size), "udp",
				edit(query("big2026._domainkey.example.org.", dns.TypeTXT), func(m *dns.Msg) { m.SetEdns0(size, false) }),
				[]int{dns.RcodeSuccess}, func(t *testing.T, q, r *dns.Msg) {
					if packed, _ := r.Pack(); !r.Truncated || len(packed) > 512 {
						t.Errorf("TC %v, %d bytes; want TC and at most 512 bytes", r.Truncated, len(packed))
					}
				}},
			hostileCase{fmt.Sprintf("EDNS buffer size %d still gets a small answer whole", size), "udp",
				edit(query("_dmarc.example.org.", dns.TypeTXT), func(m *dns.Msg) { m.SetEdns0(size, false) }),
				[]int{dns.RcodeSuccess}, func(t *testing.T, q, r *dns.Msg) {
					if r.Truncated || len(r.Answer) != 1 {
						t.Errorf("TC %v, %d answers; want the record whole", r.Truncated, len(r.Answer))
					}
				}},
		)
	}
	// Garbage: random bytes, and random bytes behind a plausible query header, with a fixed seed
	// so that a failure reproduces.
	rng := rand.New(rand.NewSource(6))
	for i := 0; i < 40; i++ {
		b := make([]byte, 1+rng.Intn(600))
		rng.Read(b)
		if i%2 == 1 && len(b) >= 12 {
			copy(b, []byte{byte(i), byte(i), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, byte(i % 3)})
		}
		network := "udp"
		if i%4 == 3 {
			network = "tcp"
		}
		cases = append(cases, hostileCase{fmt.Sprintf("garbage %d (%d bytes, %s)", i, len(b), network), network, bytesOf(b...),
			[]int{noReply, dns.RcodeFormatError, dns.RcodeNotImplemented, dns.RcodeRefused, dns.RcodeNameError, dns.RcodeSuccess, dns.RcodeBadVers}, nil})
	}
	return cases
}

// TestAnANYAnswerHoldsWholeRRsets: RFC 8482 lets a server answer qtype ANY with some of the RRsets
// at a name, but each RRset it gives must be whole, or a cache that stores it answers later
// queries for that type with part of the set.
func TestAnANYAnswerHoldsWholeRRsets(t *testing.T) {
	s := start(t, hostileCorefile)
	for _, name := range []string{
		"example.org.", "_dmarc.example.org.", "mail.example.org.", "mail2026._domainkey.example.org.",
		"example.net.", "_dmarc.example.net.", "mx.example.net.", "10.2.0.192.in-addr.arpa.", "host-198-51-100-7.pool.example.net.",
	} {
		for _, network := range []string{"udp", "tcp"} {
			r := s.query(t, network, name, dns.TypeANY, 4096)
			if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
				t.Errorf("%s ANY over %s: rcode %s AA %v", name, network, dns.RcodeToString[r.Rcode], r.Authoritative)
				continue
			}
			sets := map[uint16][]dns.RR{}
			for _, rr := range r.Answer {
				sets[rr.Header().Rrtype] = append(sets[rr.Header().Rrtype], rr)
			}
			for qtype, got := range sets {
				want := s.query(t, network, name, qtype, 4096)
				if section(got) != section(want.Answer) {
					t.Errorf("%s ANY over %s: the %s RRset is\n%s\nbut a %s query gets\n%s", name, network,
						dns.TypeToString[qtype], section(got), dns.TypeToString[qtype], section(want.Answer))
				}
			}
		}
	}
}

// startStoppable is start with a stop function, for tests that look at the process after the
// server has stopped. The test's cleanup stops it too, if the test did not.
func startStoppable(t *testing.T, corefile string) (server, func()) {
	t.Helper()
	dnsserver.Port = "0"
	inst, err := caddy.Start(input(corefile))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			inst.ShutdownCallbacks()
			inst.Stop()
		})
	}
	t.Cleanup(stop)
	srv := inst.Servers()[0]
	return server{udp: srv.LocalAddr().String(), tcp: srv.Addr().String()}, stop
}

// send writes pkt as one datagram, or as one length-prefixed TCP message, and returns the reply's
// bytes, or false when none came within wait.
func (s server) send(t *testing.T, network string, pkt []byte, wait time.Duration) ([]byte, bool) {
	t.Helper()
	addr := s.udp
	if network == "tcp" {
		addr = s.tcp
		pkt = append(binary.BigEndian.AppendUint16(nil, uint16(len(pkt))), pkt...)
	}
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write(pkt); err != nil {
		t.Fatal(err)
	}
	if network == "udp" {
		buf := make([]byte, 65535)
		n, err := c.Read(buf)
		if err != nil {
			return nil, false
		}
		return buf[:n], true
	}
	var l [2]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		return nil, false
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("a TCP reply cut short: %v", err)
	}
	return buf, true
}

func bytesOf(b ...byte) func(*testing.T) []byte {
	return func(*testing.T) []byte { return b }
}

// query packs a query for name (presentation form: \DDD and \. make any byte) without EDNS.
func query(name string, qtype uint16) func(*testing.T) []byte {
	return edit(func(*testing.T) []byte { return nil }, func(m *dns.Msg) { m.SetQuestion(name, qtype) })
}

// edit applies change to the message pkt makes (a new one when pkt makes nothing) and packs it.
func edit(pkt func(*testing.T) []byte, change func(*dns.Msg)) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		m := new(dns.Msg)
		if b := pkt(t); b != nil {
			if err := m.Unpack(b); err != nil {
				t.Fatal(err)
			}
		}
		change(m)
		if m.Id == 0 {
			m.Id = dns.Id()
		}
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func withClass(pkt func(*testing.T) []byte, class uint16) func(*testing.T) []byte {
	return edit(pkt, func(m *dns.Msg) { m.Question[0].Qclass = class })
}

func withOpcode(pkt func(*testing.T) []byte, opcode int) func(*testing.T) []byte {
	return edit(pkt, func(m *dns.Msg) { m.Opcode = opcode })
}

// cut drops the packet's last -n bytes (n < 0) or keeps its first n.
func cut(pkt func(*testing.T) []byte, n int) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		b := pkt(t)
		if n < 0 {
			return b[:len(b)+n]
		}
		return b[:n]
	}
}

func outcomeString(o int) string {
	switch o {
	case noReply:
		return "no reply"
	case dns.RcodeBadVers: // 16 is BADSIG too, in TSIG records; in a header's rcode it is BADVERS
		return "BADVERS"
	}
	if s, ok := dns.RcodeToString[o]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", o)
}

func outcomesString(os []int) string {
	var s []string
	for _, o := range os {
		s = append(s, outcomeString(o))
	}
	return strings.Join(s, ", ")
}

// TestAnUnresponsiveSecondaryDoesNotDelayServing: a secondary that is down (its NOTIFYs dropped
// unanswered, as by a firewall) must not keep the primary from answering. CoreDNS runs the
// plugins' startup functions before it listens, so a NOTIFY sent there and waited for delays
// every query by its timeouts.
func TestAnUnresponsiveSecondaryDoesNotDelayServing(t *testing.T) {
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	corefile := fmt.Sprintf(`example.net 192.0.2.0/24 {
    bind 127.0.0.1
    mailauth test/testdata/bind/mail.yaml
    transfer {
        to %s
    }
}
`, hole.LocalAddr())
	begin := time.Now()
	s := start(t, corefile)
	s.query(t, "udp", "_dmarc.example.net.", dns.TypeTXT, 0)
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("the first answer came %v after start: the NOTIFYs to the unresponsive secondary %s were waited for before serving", took.Round(100*time.Millisecond), hole.LocalAddr())
	}
}
