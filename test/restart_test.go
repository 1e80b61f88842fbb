package test

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
)

// A CoreDNS reload (the reload plugin, or SIGUSR1) builds a new instance from the Corefile and
// stops the old one only once the new one serves. These tests count who watches the policy after
// such a restart by counting the "loaded" lines an edit of the policy brings: each watcher that
// sees the edit loads it and says so.

// restartable starts CoreDNS on corefile and returns the instance; the test's cleanup stops
// whichever instance is current then.
func restartable(t *testing.T, corefile string) **caddy.Instance {
	t.Helper()
	dnsserver.Port = "0"
	inst, err := caddy.Start(input(corefile))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	current := &inst
	t.Cleanup(func() {
		(*current).ShutdownCallbacks()
		(*current).Stop()
	})
	return current
}

// reloadingCorefile serves example.org from the policy at path, reloading it every reloadTick,
// with extra appended to the Corefile.
func reloadingCorefile(path, extra string) string {
	return fmt.Sprintf("example.org:0 {\n    bind 127.0.0.1\n    mailauth %s {\n        reload %s\n    }\n}\n%s", path, reloadTick, extra)
}

// loadsAfterEdit rewrites the policy at path with a new SPF address and returns how many times it
// was loaded over the following quiet window, once the server at addr serves the new record.
func loadsAfterEdit(t *testing.T, logs *logBuffer, addr, path, ip string) int {
	t.Helper()
	before := len(logs.String())
	saveByRename(t, path, spfPolicy(ip))
	s := server{udp: addr, tcp: addr}
	waitFor(t, 3*time.Second, "the edit is served", s.spfIs(t, spfRecord(ip)))
	time.Sleep(quietWindow)
	loaded := regexp.MustCompile(`\[INFO\] plugin/mailauth: loaded ` + regexp.QuoteMeta(path) + `:`)
	return len(loaded.FindAllString(logs.String()[before:], -1))
}

func udpAddr(inst *caddy.Instance) string {
	return inst.Servers()[0].LocalAddr().String()
}

func TestACoreDNSRestartHandsTheWatchOver(t *testing.T) {
	logs := captureLog(t)
	path := writePolicy(t, spfPolicy("192.0.2.1"))
	current := restartable(t, reloadingCorefile(path, ""))
	next, err := (*current).Restart(input(reloadingCorefile(path, "")))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	*current = next
	if n := loadsAfterEdit(t, logs, udpAddr(next), path, "192.0.2.2"); n != 1 {
		t.Fatalf("after a restart an edit was loaded %d times, want once (by the new instance alone):\n%s", n, logs)
	}
}

func TestAFailedCoreDNSRestartLeavesOneWatcher(t *testing.T) {
	logs := captureLog(t)
	path := writePolicy(t, spfPolicy("192.0.2.1"))
	current := restartable(t, reloadingCorefile(path, ""))
	// The new Corefile adds a server on a port something else holds: that instance runs its
	// plugins' start-up and then fails to listen, and CoreDNS keeps the old one.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	busy := fmt.Sprintf("example.net:%s {\n    bind 127.0.0.1\n    whoami\n}\n", port)
	for range 3 {
		kept, err := (*current).Restart(input(reloadingCorefile(path, busy)))
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("restart onto a port in use: %v, want it to fail", err)
		}
		if kept != *current {
			t.Fatal("a failed restart did not keep the running instance")
		}
	}
	if n := loadsAfterEdit(t, logs, udpAddr(*current), path, "192.0.2.2"); n != 1 {
		t.Fatalf("after three failed restarts an edit was loaded %d times, want once (by the running instance alone):\n%s", n, logs)
	}
}
