package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// runMain is the environment variable under which the test binary is the command itself: it
// runs main() with its arguments, so the tests start exactly what ships without building it.
const runMain = "COREDNS_MAILAUTH_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command returns the command that runs main() with args in dir.
func command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), runMain+"=1")
	return cmd
}

func TestTheBuildListsMailauthAndOnlyTheLeanPlugins(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := command(ctx, t.TempDir(), "-plugins").CombinedOutput()
	if err != nil {
		t.Fatalf("-plugins: %v\n%s", err, out)
	}
	var listed []string
	for _, l := range strings.Split(string(out), "\n") {
		listed = append(listed, strings.TrimPrefix(strings.TrimSpace(l), "dns."))
	}
	for _, p := range []string{"mailauth", "transfer", "file", "cache", "dnssec", "tsig", "acl", "errors", "log", "prometheus", "reload"} {
		if !slices.Contains(listed, p) {
			t.Errorf("plugin %s is not in the build:\n%s", p, out)
		}
	}
	// Stock CoreDNS plugins an authoritative mail-policy server has no use for stay out.
	for _, p := range []string{"forward", "hosts", "kubernetes", "etcd", "loop", "grpc", "route53", "template"} {
		if slices.Contains(listed, p) {
			t.Errorf("plugin %s is in the lean build", p)
		}
	}
}

const servedPolicy = `soa: {mname: ns1.example.org., rname: hostmaster@example.org, serial: 2026112301}
ns: [ns1.example.org.]
domains:
  example.org:
    spf: [mx, "-all"]
    mx: ["10 mail.example.org"]
    dmarc: {p: reject, rua: ["mailto:dmarc@example.org"]}
hosts:
  ns1.example.org: [192.0.2.53]
  mail.example.org: [192.0.2.25]
`

// freePort returns a port that is free on 127.0.0.1 for both UDP and TCP, as CoreDNS listens on
// both; another process may still take it before the server does, so callers retry.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		udp, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		udp.Close()
		if err == nil {
			tcp.Close()
			return port
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return 0
}

// serve starts the server on a Corefile serving servedPolicy and returns its address once it
// answers; the server is killed when the test ends.
func serve(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mail.yaml"), []byte(servedPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if addr, ok := start(t, dir, freePort(t)); ok {
			return addr
		}
	}
	t.Fatal("no free port in 3 attempts")
	return ""
}

// start runs the server in dir on port and polls it until it answers; false means another
// process took the port first.
func start(t *testing.T, dir string, port int) (string, bool) {
	t.Helper()
	corefile := fmt.Sprintf("example.org:%d 192.0.2.0/24:%d {\n    bind 127.0.0.1\n    mailauth mail.yaml {\n        reload 0\n    }\n}\n", port, port)
	if err := os.WriteFile(filepath.Join(dir, "Corefile"), []byte(corefile), 0o644); err != nil {
		t.Fatal(err)
	}
	var output bytes.Buffer
	cmd := command(context.Background(), dir, "-conf", "Corefile")
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	q := new(dns.Msg).SetQuestion("example.org.", dns.TypeSOA)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			if strings.Contains(output.String(), "address already in use") {
				t.Logf("port %d was taken: trying another", port)
				return "", false
			}
			t.Fatalf("the server exited: %v\n%s", err, output.String())
		default:
		}
		if r, _, err := c.Exchange(q, addr); err == nil && r.Rcode == dns.RcodeSuccess {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("server output:\n%s", output.String())
				}
			})
			return addr, true
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no answer from %s within 10s:\n%s", addr, output.String())
		}
	}
}

// The binary main builds runs a Corefile with the mailauth directive, which stock CoreDNS would
// refuse as unknown, and answers from the policy over UDP and TCP, authoritatively.
func TestTheServerAnswersFromThePolicy(t *testing.T) {
	addr := serve(t)
	tests := []struct {
		net   string
		name  string
		qtype uint16
		want  []string
	}{
		{"udp", "example.org.", dns.TypeTXT, []string{"example.org.\t3600\tIN\tTXT\t\"v=spf1 mx -all\""}},
		{"udp", "example.org.", dns.TypeMX, []string{"example.org.\t3600\tIN\tMX\t10 mail.example.org."}},
		{"tcp", "_dmarc.example.org.", dns.TypeTXT, []string{"_dmarc.example.org.\t3600\tIN\tTXT\t\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org\""}},
		{"udp", "mail.example.org.", dns.TypeA, []string{"mail.example.org.\t3600\tIN\tA\t192.0.2.25"}},
		{"tcp", "25.2.0.192.in-addr.arpa.", dns.TypePTR, []string{"25.2.0.192.in-addr.arpa.\t3600\tIN\tPTR\tmail.example.org."}},
		{"udp", "example.org.", dns.TypeSOA, []string{"example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 2026112301 7200 1800 1209600 3600"}},
	}
	for _, tt := range tests {
		c := &dns.Client{Net: tt.net, Timeout: 2 * time.Second}
		r, _, err := c.Exchange(new(dns.Msg).SetQuestion(tt.name, tt.qtype), addr)
		if err != nil {
			t.Errorf("%s %s over %s: %v", tt.name, dns.TypeToString[tt.qtype], tt.net, err)
			continue
		}
		var got []string
		for _, rr := range r.Answer {
			got = append(got, rr.String())
		}
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || !slices.Equal(got, tt.want) {
			t.Errorf("%s %s over %s: %s, aa %v, answer\n%s\nwant\n%s", tt.name, dns.TypeToString[tt.qtype], tt.net,
				dns.RcodeToString[r.Rcode], r.Authoritative, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(new(dns.Msg).SetQuestion("nothing.example.org.", dns.TypeTXT), addr)
	if err != nil || r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("a name the policy does not publish: %v, %v, want NXDOMAIN with the SOA", r, err)
	}
}

// At start-up an invalid policy stops the server with the place of the mistake, before it serves.
func TestAnInvalidPolicyStopsTheServer(t *testing.T) {
	dir := t.TempDir()
	policy := "domains:\n  example.org:\n    spf: [\"ip4:192.0.2.256\", \"-all\"]\n"
	corefile := fmt.Sprintf("example.org:%d {\n    bind 127.0.0.1\n    mailauth mail.yaml\n}\n", freePort(t))
	for name, body := range map[string]string{"mail.yaml": policy, "Corefile": corefile} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := command(ctx, dir, "-conf", "Corefile").CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the server kept running:\n%s", out)
	}
	if err == nil {
		t.Fatalf("exit status 0, want a failure:\n%s", out)
	}
	if want := `mail.yaml:3:11: SPF term "ip4:192.0.2.256": ip4 address "192.0.2.256" is not valid`; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
