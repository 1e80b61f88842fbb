package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestMain runs main itself when a test below starts this binary as probe, with the arguments in
// PROBE_TEST_ARGS (one a line), so that exit statuses and messages can be checked.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("PROBE_TEST_ARGS"); ok {
		os.Args = []string{"probe"}
		if args != "" {
			os.Args = append(os.Args, strings.Split(args, "\n")...)
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// capture returns what f prints on standard output.
func capture(f func() error) (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	stdout := os.Stdout
	os.Stdout = w
	out := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); out <- b }()
	err = f()
	os.Stdout = stdout
	w.Close()
	return string(<-out), err
}

// withStdin runs f with the file as standard input and returns what it prints.
func withStdin(t *testing.T, file string, f func() error) (string, error) {
	t.Helper()
	in, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	stdin := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = stdin }()
	return capture(f)
}

// probe runs this test binary as the command with args, and returns its output and exit status.
func probe(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "PROBE_TEST_ARGS="+strings.Join(args, "\n"))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func TestMainExitsWithAMessageOnBadCommandsAndFlags(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no command", nil, 2, "usage: probe wait|compare|dnsperf|window|report"},
		{"an unknown command", []string{"measure"}, 1, `probe: unknown command "measure"`},
		{"dnsperf without a file", []string{"dnsperf"}, 1, "probe: usage: probe dnsperf FILE"},
		{"report without a file", []string{"report"}, 1, "probe: usage: probe report RESULTS"},
		{"an unknown flag of wait", []string{"wait", "-port", "53"}, 2, "flag provided but not defined: -port"},
		{"a timeout that is not a duration", []string{"wait", "-timeout", "5"}, 2, `invalid value "5" for flag -timeout`},
		{"an unknown type to wait for", []string{"wait", "-type", "SPF1", "-timeout", "2s"}, 1, `probe: -type "SPF1": not a DNS type`},
		{"compare without a query file", []string{"compare"}, 1, "probe: open : no such file"},
		{"an unknown flag of window", []string{"window", "-from", "1"}, 2, "flag provided but not defined: -from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, status := probe(t, tc.args...)
			if status != tc.status || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("probe %s: exit status %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), status, stderr, tc.status, tc.stderr)
			}
		})
	}
}

func TestMainPrintsTheSummaryOfADnsperfRun(t *testing.T) {
	stdout, stderr, status := probe(t, "dnsperf", filepath.Join("testdata", "dnsperf-udp-lost.txt"))
	if status != 0 || !strings.HasPrefix(stdout, "117\t0.178\t") || !strings.HasSuffix(stdout, "\t3\t1\n") {
		t.Errorf("probe dnsperf: exit status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
}

// serve starts a DNS server on a free loopback port over network ("udp" or "tcp") and returns
// its address; it stops when the test ends.
func serve(t *testing.T, network string, h dns.HandlerFunc) string {
	t.Helper()
	started := make(chan struct{})
	s := &dns.Server{Handler: h, NotifyStartedFunc: func() { close(started) }}
	var addr string
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.PacketConn, addr = pc, pc.LocalAddr().String()
	} else {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.Listener, addr = l, l.Addr().String()
	}
	errs := make(chan error, 1)
	go func() { errs <- s.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-errs:
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown() })
	return addr
}

// zone answers like a server of bench.test. with the given SOA serial: an SOA at the apex, NOERROR
// without records for other types there, a TXT record for every name starting with "d", and
// NXDOMAIN for the rest, with extra, if any, in the authority section of positive answers.
func zone(serial uint32, txt string, extra ...dns.RR) dns.HandlerFunc {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		q := r.Question[0]
		soa := &dns.SOA{Hdr: dns.RR_Header{Name: "bench.test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
			Ns: "ns1.bench.test.", Mbox: "hostmaster.bench.test.", Serial: serial, Refresh: 7200, Retry: 1800, Expire: 1209600, Minttl: 3600}
		switch {
		case q.Name == "bench.test." && q.Qtype == dns.TypeSOA:
			m.Answer = append(m.Answer, soa)
		case q.Name == "bench.test.":
			m.Ns = append(m.Ns, soa)
		case strings.HasPrefix(q.Name, "d") && q.Qtype == dns.TypeTXT:
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 3600}, Txt: []string{txt}})
			m.Ns = append(m.Ns, extra...)
		default:
			m.Rcode = dns.RcodeNameError
			m.Ns = append(m.Ns, soa)
		}
		w.WriteMsg(m)
	}
}

func TestWaitReturnsOnceTheServerAnswersAsAsked(t *testing.T) {
	addr := serve(t, "udp", zone(5, "v=spf1 -all"))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"an SOA", []string{"-name", "bench.test.", "-type", "SOA"}},
		{"a TXT record of a name given without the final dot", []string{"-name", "d00001.bench.test", "-type", "TXT"}},
		{"an SOA with a serial above the one before", []string{"-type", "SOA", "-serial-above", "4"}},
		{"NOERROR without records, with -any", []string{"-name", "bench.test.", "-type", "A", "-any"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := capture(func() error { return wait(append([]string{"-addr", addr, "-timeout", "10s"}, tc.args...)) })
			if err != nil {
				t.Fatal(err)
			}
			if ms, err := strconv.Atoi(strings.TrimSpace(out)); err != nil || ms < 0 || ms > 10000 {
				t.Errorf("printed %q, want the milliseconds it waited", out)
			}
		})
	}
}

func TestWaitGivesUpOnAnswersThatDoNotCount(t *testing.T) {
	addr := serve(t, "udp", zone(5, "v=spf1 -all"))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"an SOA whose serial is not above", []string{"-type", "SOA", "-serial-above", "5"}},
		{"NOERROR without records", []string{"-name", "bench.test.", "-type", "A"}},
		{"NXDOMAIN, even with -any", []string{"-name", "nx.bench.test.", "-type", "A", "-any"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := capture(func() error { return wait(append([]string{"-addr", addr, "-timeout", "100ms"}, tc.args...)) })
			if err == nil || !strings.Contains(err.Error(), "no answer within 100ms") || out != "" {
				t.Errorf("printed %q, error %v; want no output and an error saying it gave up", out, err)
			}
		})
	}
}

func TestWaitMeasuresFromTheTimeGivenWithSince(t *testing.T) {
	addr := serve(t, "udp", zone(5, "v=spf1 -all"))
	since := time.Now().Add(-3 * time.Second).UnixNano()
	out, err := capture(func() error { return wait([]string{"-addr", addr, "-since", fmt.Sprint(since), "-timeout", "10s"}) })
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := strconv.Atoi(strings.TrimSpace(out)); err != nil || ms < 3000 || ms > 60000 {
		t.Errorf("printed %q, want the milliseconds since 3s ago", out)
	}
}

func TestCompareCountsTheAnswersThatDiffer(t *testing.T) {
	ns := &dns.NS{Hdr: dns.RR_Header{Name: "bench.test.", Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: "ns1.bench.test."}
	a := serve(t, "tcp", zone(5, "v=spf1 -all"))
	sameWithNS := serve(t, "tcp", zone(5, "v=spf1 -all", ns)) // as file adds the apex NS
	otherTXT := serve(t, "tcp", zone(5, "v=spf1 ~all"))
	otherSerial := serve(t, "tcp", zone(6, "v=spf1 -all"))
	queries := filepath.Join(t.TempDir(), "queries.txt")
	if err := os.WriteFile(queries, []byte("d00001.bench.test. TXT\nnot a query line\nnx1.bench.test A\n\nd00002.bench.test. TXT\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, b, n, out, err string
	}{
		{"the same answers, the authority section aside", sameWithNS, "100", "compared 3 queries: 0 differ", ""},
		{"other TXT records", otherTXT, "100", "compared 3 queries: 2 differ", "2 of 3 answers differ"},
		{"the first two queries only", otherTXT, "2", "compared 2 queries: 1 differ", "1 of 2 answers differ"},
		{"another SOA in a negative answer", otherSerial, "100", "compared 3 queries: 1 differ", "1 of 3 answers differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := capture(func() error { return compare([]string{"-a", a, "-b", tc.b, "-queries", queries, "-n", tc.n}) })
			if strings.TrimSpace(out) != tc.out {
				t.Errorf("printed %q, want %q", out, tc.out)
			}
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestCompareStopsAtAServerThatDoesNotAnswer(t *testing.T) {
	a := serve(t, "tcp", zone(5, "v=spf1 -all"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	queries := filepath.Join(t.TempDir(), "queries.txt")
	if err := os.WriteFile(queries, []byte("d00001.bench.test. TXT\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := capture(func() error { return compare([]string{"-a", a, "-b", closed, "-queries", queries}) }); err == nil || !strings.Contains(err.Error(), "d00001.bench.test. TXT") {
		t.Errorf("error %v, want one naming the query", err)
	}
}

func TestSummaryIgnoresTheOrderOfRecordsAndTheAuthorityOfPositiveAnswers(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	msg := func(rcode int, aa bool, answer, ns []dns.RR) *dns.Msg {
		m := new(dns.Msg)
		m.Rcode, m.Authoritative, m.Answer, m.Ns = rcode, aa, answer, ns
		return m
	}
	a1, a2 := rr("mx1.bench.test. 3600 IN A 172.16.1.1"), rr("mx1.bench.test. 3600 IN A 172.16.1.2")
	ns := rr("bench.test. 3600 IN NS ns1.bench.test.")
	soa1 := rr("bench.test. 3600 IN SOA ns1.bench.test. hostmaster.bench.test. 1 7200 1800 1209600 3600")
	soa2 := rr("bench.test. 3600 IN SOA ns1.bench.test. hostmaster.bench.test. 2 7200 1800 1209600 3600")
	for _, tc := range []struct {
		name string
		a, b *dns.Msg
		same bool
	}{
		{"records in another order", msg(0, true, []dns.RR{a1, a2}, nil), msg(0, true, []dns.RR{a2, a1}, nil), true},
		{"the apex NS beside a positive answer", msg(0, true, []dns.RR{a1}, nil), msg(0, true, []dns.RR{a1}, []dns.RR{ns}), true},
		{"another record", msg(0, true, []dns.RR{a1}, nil), msg(0, true, []dns.RR{a2}, nil), false},
		{"another rcode", msg(dns.RcodeNameError, true, nil, []dns.RR{soa1}), msg(0, true, nil, []dns.RR{soa1}), false},
		{"no AA bit", msg(0, true, []dns.RR{a1}, nil), msg(0, false, []dns.RR{a1}, nil), false},
		{"another SOA in a negative answer", msg(dns.RcodeNameError, true, nil, []dns.RR{soa1}), msg(dns.RcodeNameError, true, nil, []dns.RR{soa2}), false},
	} {
		if same := summary(tc.a) == summary(tc.b); same != tc.same {
			t.Errorf("%s: %q and %q: same=%v, want %v", tc.name, summary(tc.a), summary(tc.b), same, tc.same)
		}
	}
}
