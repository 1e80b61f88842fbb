// Package test holds the integration tests: they start the lean CoreDNS build in-process from a
// Corefile on loopback port 0 and query it over UDP and TCP, as dig and mail receivers do.
package test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/internal/build"
)

// TestMain runs the tests from the repository root, so Corefiles name files as README users do.
func TestMain(m *testing.M) {
	if err := os.Chdir(".."); err != nil {
		panic(err)
	}
	// git does not keep file modes; private keys readable by others are (rightly) warned about.
	keys, _ := filepath.Glob("zones/keys/*/*.pem")
	for _, k := range keys {
		os.Chmod(k, 0o600)
	}
	build.Install()
	caddy.Quiet = true
	dnsserver.Quiet = true
	os.Exit(m.Run())
}

type input string

func (i input) Body() []byte       { return []byte(i) }
func (i input) Path() string       { return "Corefile" }
func (i input) ServerType() string { return "dns" }

// server is a running CoreDNS instance's UDP and TCP addresses.
type server struct{ udp, tcp string }

// start runs corefile on 127.0.0.1 with port 0 for every server block without a port, and stops
// it when the test ends.
func start(t *testing.T, corefile string) server {
	t.Helper()
	dnsserver.Port = "0"
	inst, err := caddy.Start(input(corefile))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	// Stop does not run shutdown callbacks, which end mailauth's reload goroutine.
	t.Cleanup(func() {
		inst.ShutdownCallbacks()
		inst.Stop()
	})
	srvs := inst.Servers()
	if len(srvs) == 0 {
		t.Fatal("no server started")
	}
	return server{udp: srvs[0].LocalAddr().String(), tcp: srvs[0].Addr().String()}
}

// startFile runs a Corefile from the repository.
func startFile(t *testing.T, path string) server {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return start(t, string(data))
}

// query asks name/qtype over net ("udp" or "tcp"); bufsize 0 means no EDNS.
func (s server) query(t *testing.T, net, name string, qtype uint16, bufsize uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	if bufsize > 0 {
		m.SetEdns0(bufsize, false)
	}
	return s.exchange(t, net, m)
}

func (s server) exchange(t *testing.T, net string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: net, Timeout: 5 * time.Second, UDPSize: 65535}
	addr := s.udp
	if net == "tcp" {
		addr = s.tcp
	}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", net, m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype], err)
	}
	return r
}

// section renders RRs one per line, sorted, with SOA serials set to 0 (they follow file
// modification times; serials have tests of their own), so whole sections compare as text.
func section(rrs []dns.RR) string {
	lines := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		if soa, ok := rr.(*dns.SOA); ok {
			c := *soa
			c.Serial = 0
			rr = &c
		}
		lines = append(lines, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
