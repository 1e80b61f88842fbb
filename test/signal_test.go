package test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSIGUSR1ReloadsThePolicyAndABadOneKeepsTheOld runs the built binary, as admins do, and
// reloads it with kill -USR1 (CoreDNS's own reload, mailauth's answer to rndc reload).
func TestSIGUSR1ReloadsThePolicyAndABadOneKeepsTheOld(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "coredns")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	policy := filepath.Join(dir, "mail.yaml")
	spf := func(ip string) string {
		return fmt.Sprintf("domains:\n  example.org:\n    spf: [\"ip4:%s\", \"-all\"]\n", ip)
	}
	writeText(t, policy, spf("192.0.2.1"))
	port := freePort(t)
	corefile := filepath.Join(dir, "Corefile")
	writeText(t, corefile, fmt.Sprintf("example.org:%d {\n    bind 127.0.0.1\n    mailauth %s {\n        reload 0\n    }\n}\n", port, policy))

	cmd := exec.Command(bin, "-conf", corefile)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("coredns output:\n%s", out)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := server{udp: addr, tcp: addr}
	spfIs := func(ip string) func() bool {
		return func() bool {
			m := new(dns.Msg)
			m.SetQuestion("example.org.", dns.TypeTXT)
			r, _, err := (&dns.Client{Timeout: 500 * time.Millisecond}).Exchange(m, s.udp)
			return err == nil && len(r.Answer) == 1 && strings.Contains(r.Answer[0].String(), "ip4:"+ip+" ")
		}
	}
	eventually(t, 10*time.Second, spfIs("192.0.2.1"))

	writeText(t, policy, spf("192.0.2.2"))
	cmd.Process.Signal(syscall.SIGUSR1)
	eventually(t, 10*time.Second, spfIs("192.0.2.2"))

	writeText(t, policy, spf("192.0.2.300"))
	cmd.Process.Signal(syscall.SIGUSR1)
	eventually(t, 10*time.Second, func() bool { return strings.Contains(out.String(), "192.0.2.300") })
	for i := 0; i < 10; i++ {
		if !spfIs("192.0.2.2")() {
			t.Fatal("a bad policy replaced the good one on SIGUSR1")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), policy+":3:") {
		t.Errorf("the log does not name the file and line:\n%s", out)
	}
}
