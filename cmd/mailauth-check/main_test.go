package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

var update = flag.Bool("update", false, "rewrite the .want files of test/testdata/check from the output")

// TestMain runs the tests from the repository root, so that the paths in the output are the
// ones a user types (test/testdata/check/x.yaml) and the golden files do not depend on where
// the repository is.
func TestMain(m *testing.M) {
	flag.Parse()
	if err := os.Chdir(filepath.Join("..", "..")); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// check runs the command in-process and returns its exit code and output.
func check(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	code = run(args, &out, &errs)
	return code, out.String(), errs.String()
}

// Each policy under test/testdata/check is broken in one way (or, for warnings-only.yaml, loads
// with warnings); NAME.want holds the checker's whole output and exit code.
func TestEachBrokenPolicyGetsItsMessages(t *testing.T) {
	policies, err := filepath.Glob("test/testdata/check/*.yaml")
	if err != nil || len(policies) < 12 {
		t.Fatalf("want at least 12 policies, found %d (%v)", len(policies), err)
	}
	for _, path := range policies {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			code, stdout, stderr := check(t, path)
			if stderr != "" {
				t.Errorf("stderr: %s", stderr)
			}
			got := fmt.Sprintf("%sexit %d\n", stdout, code)
			golden := strings.TrimSuffix(path, ".yaml") + ".want"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./cmd/mailauth-check -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s\n got:\n%s\nwant:\n%s", golden, got, want)
			}
			if wantCode := 1; !strings.HasPrefix(filepath.Base(path), "warnings-") && code != wantCode {
				t.Errorf("exit %d, want %d for a broken policy", code, wantCode)
			}
		})
	}
}

// privateKeyWarnings lists the warnings a checkout of zones/keys earns: git does not keep a
// file's mode, so a fresh clone's private keys may be readable by group or others.
func privateKeyWarnings(t *testing.T) []string {
	t.Helper()
	policy := strings.Split(string(readFile(t, "zones/mail.yaml")), "\n")
	var out []string
	for _, k := range []struct{ selector, file string }{
		{"mail2026", "keys/example.org/mail2026.pem"},
		{"big2026", "keys/example.org/big2026.pem"},
		{"ed2026", "keys/example.org/ed2026.pem"},
	} {
		fi, err := os.Stat(filepath.Join("zones", k.file))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o044 == 0 {
			continue
		}
		line, col := 0, 0
		for i, l := range policy {
			if c := strings.Index(l, "key: "+k.file); c >= 0 {
				line, col = i+1, c+len("key: ")+1
				break
			}
		}
		out = append(out, fmt.Sprintf("zones/mail.yaml:%d:%d: warning: dkim selector %q: key file %s is readable by group or others (mode %04o): chmod 600 it",
			line, col, k.selector, k.file, fi.Mode().Perm()))
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTheExamplePolicyLoads(t *testing.T) {
	code, stdout, stderr := check(t, "zones/mail.yaml")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	want := privateKeyWarnings(t)
	if got := lines[:len(lines)-1]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	summary := fmt.Sprintf("zones/mail.yaml: 0 errors, %s; 6 zones (example.net. example.org. 100.51.198.in-addr.arpa. 2.0.192.in-addr.arpa. "+
		"0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.), ", count(len(want), "warning"))
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, summary) {
		t.Errorf("summary %q, want it to start with %q", last, summary)
	}
}

// namedCheckzone returns the path of BIND's named-checkzone; a missing one fails the test, as
// make deps installs it.
func namedCheckzone(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("named-checkzone"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/named-checkzone", "/usr/bin/named-checkzone"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("named-checkzone is not installed: run make deps (Debian package bind9-utils)")
	return ""
}

var lameNS = regexp.MustCompile(`warning: zone (\S+): its NS (\S+) lies in it but has no address record`)

// BIND must load every zone the checker exports. Where the checker warns that a zone's own NS has
// no address, BIND must refuse the zone for just that reason: the warning predicts it.
func TestNamedCheckzoneAcceptsEveryExportedZone(t *testing.T) {
	checkzone := namedCheckzone(t)
	tests := []struct {
		policy      string
		notExported []string
	}{
		{"zones/mail.yaml", []string{"example.org.", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"test/testdata/bind/mail.yaml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			dir := t.TempDir()
			code, stdout, stderr := check(t, "-export", dir, tt.policy)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
			}
			for _, z := range tt.notExported {
				msg := fmt.Sprintf("%s: warning: zone %s not exported: network 2001:db8:100::/48 puts 2^80 addresses in the zone, more than the 65536 a transfer may list", tt.policy, z)
				if !strings.Contains(stdout, msg+"\n") {
					t.Errorf("output lacks %q:\n%s", msg, stdout)
				}
			}
			lame := map[string]string{}
			for _, m := range lameNS.FindAllStringSubmatch(stdout, -1) {
				lame[m[1]] = m[2]
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*.zone"))
			if len(files)+len(tt.notExported) != 6 {
				t.Errorf("%d zone files and %d zones not exported, want 6 zones in all", len(files), len(tt.notExported))
			}
			for _, f := range files {
				zone := strings.TrimSuffix(filepath.Base(f), ".zone")
				out, err := exec.Command(checkzone, zone, f).CombinedOutput()
				if ns, ok := lame[zone+"."]; ok {
					want := fmt.Sprintf("NS '%s' has no address records", strings.TrimSuffix(ns, "."))
					if err == nil || !strings.Contains(string(out), want) {
						t.Errorf("named-checkzone %s: want it to refuse the zone with %q, got %v:\n%s", zone, want, err, out)
					}
					continue
				}
				if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
					t.Errorf("named-checkzone %s: %v\n%s", zone, err, out)
				}
			}
		})
	}
}

func TestExportToStandardOutputKeepsMessagesApart(t *testing.T) {
	code, stdout, stderr := check(t, "-export", "-", "test/testdata/check/warnings-only.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "; zone example.org.\nexample.org.\t3600\tIN\tSOA\tlocalhost. hostmaster.example.org. ") {
		t.Errorf("stdout does not start with the zone header and SOA:\n%s", stdout)
	}
	if strings.Contains(stdout, "warning") || !strings.Contains(stderr, "2 warnings") {
		t.Errorf("messages went to stdout, or not to stderr:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no policy", nil, "mailauth-check: one POLICY file expected, got 0 arguments\n"},
		{"two policies", []string{"a.yaml", "b.yaml"}, "mailauth-check: one POLICY file expected, got 2 arguments\n"},
		{"an unknown flag", []string{"-zones", "example.org", "a.yaml"}, "mailauth-check: flag provided but not defined: -zones\n"},
		{"a zone that is no name", []string{"-zone", "exa mple.org", "a.yaml"}, "mailauth-check: -zone exa mple.org: not a domain name\n"},
		{"a zone that is no prefix", []string{"-zone", "192.0.2.0/33", "a.yaml"}, "mailauth-check: -zone 192.0.2.0/33: not an address prefix such as 192.0.2.0/24\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := check(t, tt.args...)
			if code != 2 || stdout != "" || !strings.HasPrefix(stderr, tt.wantErr+"usage: mailauth-check") {
				t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
			}
		})
	}
	if code, stdout, _ := check(t, "-h"); code != 0 || !strings.HasPrefix(stdout, "usage:") {
		t.Errorf("-h: exit %d, %q", code, stdout)
	}
}

func TestAPolicyThatCannotBeReadIsAnError(t *testing.T) {
	code, stdout, _ := check(t, "test/testdata/check/none.yaml")
	want := "test/testdata/check/none.yaml: error: cannot read policy: no such file or directory\ntest/testdata/check/none.yaml: 1 error: not loaded\n"
	if code != 1 || stdout != want {
		t.Errorf("exit %d, output:\n%s", code, stdout)
	}
}

func TestGivenZonesAreUsedAndWhatLiesOutsideIsWarned(t *testing.T) {
	code, stdout, _ := check(t, "-zone", "example.org", "-zone", "192.0.2.0/24", "test/testdata/bind/mail.yaml")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	if !strings.Contains(stdout, "; 2 zones (example.org. 2.0.192.in-addr.arpa.), ") {
		t.Errorf("the zones given are not the ones used:\n%s", stdout)
	}
	if !strings.Contains(stdout, "example.net") {
		t.Errorf("no warning about example.net, outside the zones given:\n%s", stdout)
	}
}

func TestZonesAreDerivedFromThePolicy(t *testing.T) {
	body := `domains:
  example.org: {spf: ["-all"]}
  sub.example.org: {spf: ["-all"]}
  example.net: {spf: ["-all"]}
hosts:
  mail.example.org: [192.0.2.10, "2001:db8::10"]
  mx.example.com: [192.0.2.20, 203.0.113.5]
networks:
  - {prefix: 198.51.0.0/16, ptr: "h-{ip}.pool.example.net"}
  - {prefix: 10.16.0.0/12, ptr: "h-{ip}.ten.example.info"}
  - {prefix: 100.64.1.128/25, ptr: "h-{ip}.cgn.example.net"}
  - {prefix: "2001:db8:100::/56", ptr: "v6-{ip}.pool.example.net"}
  - {prefix: "2001:ff4::/30", ptr: "v6-{ip}.pool.example.net"}
`
	p, err := policy.Parse("policy.yaml", []byte(body), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// Domains not below another; the parent of hosts and network names outside them.
		"example.com.", "example.net.", "example.org.", "ten.example.info.",
		// IPv4: a host's /24; a prefix on an octet boundary is its own zone, others the one above.
		"1.64.100.in-addr.arpa.", "10.in-addr.arpa.", "113.0.203.in-addr.arpa.", "2.0.192.in-addr.arpa.", "51.198.in-addr.arpa.",
		// IPv6: a host's /48; a prefix on a nibble boundary is its own zone, others the one above.
		"0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa.", "f.f.0.1.0.0.2.ip6.arpa.",
	}
	if got := deriveZones(p); !reflect.DeepEqual(got, want) {
		t.Errorf("zones\n got: %q\nwant: %q", got, want)
	}
}

func TestZoneAcceptsRFC2317ChildZoneNames(t *testing.T) {
	zones, err := parseZones([]string{"64/26.2.0.192.in-addr.arpa", "192.0.2.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(zones, " ") != "64/26.2.0.192.in-addr.arpa. 2.0.192.in-addr.arpa." {
		t.Errorf("zones %v", zones)
	}
}
