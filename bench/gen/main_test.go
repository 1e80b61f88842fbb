package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coredns/caddy/caddyfile"

	"github.com/mailauth/coredns-mailauth/bench/benchdata"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// TestMain runs main itself when a test below starts this binary as gen, with the flags in
// GEN_TEST_ARGS (one a line), so that the exit status and messages of bad flags can be checked.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("GEN_TEST_ARGS"); ok {
		os.Args = append([]string{"gen"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	status := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(status)
}

const domains, queries, seed = 3, 200, 1

// fixture is one data set written by run, shared by the tests that only read it, and what run
// printed.
var fixture struct {
	once     sync.Once
	dir, out string
	err      error
}

func dataDir(t *testing.T) string {
	t.Helper()
	fixture.once.Do(func() {
		if fixture.dir, fixture.err = os.MkdirTemp("", "gen-test-"); fixture.err == nil {
			fixture.out, fixture.err = capture(func() error { return run(domains, queries, seed, fixture.dir) })
		}
	})
	if fixture.err != nil {
		t.Fatalf("run: %v", fixture.err)
	}
	return fixture.dir
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

func TestRunWritesThePolicyTheQueriesTheZonesAndTheCorefiles(t *testing.T) {
	entries, err := os.ReadDir(dataDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{"mail.yaml", "queries-mix.txt", "bench.test.zone", "16.172.in-addr.arpa.zone",
		"0.0.0.4.8.b.d.0.1.0.0.2.ip6.arpa.zone", "Corefile.mailauth", "Corefile.file", "Corefile.whoami"}
	for _, k := range benchdata.KindNames() {
		want = append(want, "queries-"+k+".txt")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("run wrote %v, want %v", got, want)
	}
}

func TestRunWritesTheGeneratedSetAsItIs(t *testing.T) {
	dir := dataDir(t)
	s := benchdata.Generate(domains, queries, seed)
	for file, want := range map[string][]byte{
		"mail.yaml":            s.Policy,
		"queries-mix.txt":      s.QueryFile(""),
		"queries-spf.txt":      s.QueryFile("spf"),
		"queries-nxdomain.txt": s.QueryFile("nxdomain"),
	} {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what benchdata generates for the same size and seed", file)
		}
	}
	if _, err := policy.Load(filepath.Join(dir, "mail.yaml")); err != nil {
		t.Errorf("the policy written does not load: %v", err)
	}
}

func TestRunWritesTheSameBytesTwiceForOneSeed(t *testing.T) {
	first := dataDir(t)
	second := t.TempDir()
	if _, err := capture(func() error { return run(domains, queries, seed, second) }); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(first)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		a, errA := os.ReadFile(filepath.Join(first, e.Name()))
		b, errB := os.ReadFile(filepath.Join(second, e.Name()))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v / %v", e.Name(), errA, errB)
		}
		// The Corefiles name the directory they are in; nothing else may differ.
		a = bytes.ReplaceAll(a, []byte(first), []byte("DIR"))
		b = bytes.ReplaceAll(b, []byte(second), []byte("DIR"))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with seed %d", e.Name(), seed)
		}
	}
}

func TestTheCorefilesServeTheThreeZonesOnLoopbackFromTheDataDirectory(t *testing.T) {
	dir := dataDir(t)
	for _, tc := range []struct {
		kind       string
		directives []string
	}{
		{"mailauth", []string{"bind", "root", "mailauth"}},
		{"file", []string{"bind", "root", "file"}},
		{"whoami", []string{"bind", "root", "whoami"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(dir, "Corefile."+tc.kind))
			if err != nil {
				t.Fatal(err)
			}
			blocks, err := caddyfile.Parse("Corefile."+tc.kind, bytes.NewReader(text), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(blocks) != 1 || !slices.Equal(blocks[0].Keys, benchdata.Zones) {
				t.Fatalf("server blocks %v, want one for %v", blocks, benchdata.Zones)
			}
			b := blocks[0]
			var got []string
			for d := range b.Tokens {
				got = append(got, d)
			}
			slices.Sort(got)
			slices.Sort(tc.directives)
			if !slices.Equal(got, tc.directives) {
				t.Errorf("directives %v, want %v (no log, no cache)", got, tc.directives)
			}
			if args := arguments(b, "bind"); !slices.Equal(args, []string{"127.0.0.1"}) {
				t.Errorf("bind %v, want loopback", args)
			}
			if args := arguments(b, "root"); len(args) != 1 || !filepath.IsAbs(args[0]) || !sameDir(args[0], dir) {
				t.Errorf("root %v, want the absolute path of %s", args, dir)
			}
			switch tc.kind {
			case "mailauth":
				if args := arguments(b, "mailauth"); !slices.Equal(args, []string{"mail.yaml"}) {
					t.Errorf("mailauth %v, want mail.yaml", args)
				}
			case "file":
				checkFileDirectives(t, b, dir)
			}
		})
	}
}

// checkFileDirectives checks that the file plugin serves each zone from its zone file, which is
// there, and never reloads it.
func checkFileDirectives(t *testing.T, b caddyfile.ServerBlock, dir string) {
	d := caddyfile.NewDispenserTokens("Corefile.file", b.Tokens["file"])
	var zones []string
	for d.Next() {
		args := d.RemainingArgs()
		if len(args) != 2 {
			t.Errorf("file %v: want FILE ZONE", args)
			continue
		}
		if args[0] != strings.TrimSuffix(args[1], ".")+".zone" {
			t.Errorf("file %v: the file is not the zone's", args)
		}
		if _, err := os.Stat(filepath.Join(dir, args[0])); err != nil {
			t.Errorf("file %v: %v", args, err)
		}
		zones = append(zones, args[1])
		var options []string
		for d.NextBlock() {
			options = append(options, strings.Join(append([]string{d.Val()}, d.RemainingArgs()...), " "))
		}
		if !slices.Equal(options, []string{"reload 0"}) {
			t.Errorf("file %v: options %v, want reload 0", args, options)
		}
	}
	if !slices.Equal(zones, benchdata.Zones) {
		t.Errorf("file serves %v, want %v", zones, benchdata.Zones)
	}
}

func arguments(b caddyfile.ServerBlock, directive string) []string {
	d := caddyfile.NewDispenserTokens("", b.Tokens[directive])
	d.Next()
	return d.RemainingArgs()
}

func sameDir(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

func TestRunSaysWhatItWrote(t *testing.T) {
	dir := dataDir(t)
	// 3 apex records in each zone; a PTR and an A for each address of the /16; the IPv6 network's
	// 100 addresses twice; per domain SPF, DMARC, ADSP and two DKIM keys; per host A, AAAA and
	// two PTRs; _spf.bench.test.
	records := 3*3 + 2<<16 + 2*100 + 5*domains + 4*(benchdata.Hosts(domains)+2) + 1
	want := fmt.Sprintf("gen: %s: %d domains, 1 hosts, %d queries, %d zone records; policy.Load ", dir, domains, queries, records)
	if !strings.HasPrefix(fixture.out, want) {
		t.Errorf("run printed %q, want it to start with %q", fixture.out, want)
	}
}

func TestRunRefusesBadArguments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		n, queries int
		dir        string
		want       string
	}{
		{"no domains", 0, 10, t.TempDir(), "-n 0: at least one domain"},
		{"a negative number of domains", -5, 10, t.TempDir(), "-n -5: at least one domain"},
		{"a negative number of queries", 1, -1, t.TempDir(), "-queries -1: a number of lines, 0 or more"},
		{"a directory below a file", 1, 10, filepath.Join(file, "data"), "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := capture(func() error { return run(tc.n, tc.queries, seed, tc.dir) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run: error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestMainExitsWithAMessageOnBadFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no domains", []string{"-n", "0", "-out", dir}, 1, "gen: -n 0: at least one domain"},
		{"a negative number of queries", []string{"-queries", "-1", "-out", dir}, 1, "gen: -queries -1: a number of lines, 0 or more"},
		{"a number that is not one", []string{"-n", "many"}, 2, `invalid value "many" for flag -n`},
		{"a negative seed", []string{"-seed", "-1"}, 2, `invalid value "-1" for flag -seed`},
		{"an unknown flag", []string{"-domains", "3"}, 2, "flag provided but not defined: -domains"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, status := gen(t, tc.args...)
			if status != tc.status || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("gen %s: exit status %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), status, stderr, tc.status, tc.stderr)
			}
		})
	}
}

func TestMainPassesItsFlagsToRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	stdout, stderr, status := gen(t, "-n", "2", "-queries", "10", "-seed", "3", "-out", dir)
	if status != 0 {
		t.Fatalf("gen: exit status %d: %s", status, stderr)
	}
	if !strings.Contains(stdout, "2 domains, 1 hosts, 10 queries") {
		t.Errorf("gen printed %q", stdout)
	}
	got, err := os.ReadFile(filepath.Join(dir, "queries-mix.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := benchdata.Generate(2, 10, 3).QueryFile(""); !bytes.Equal(got, want) {
		t.Errorf("queries-mix.txt is not the mix of 2 domains, 10 queries, seed 3:\n%s", got)
	}
}

// gen runs this test binary as the command with args, and returns its output and exit status.
func gen(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "GEN_TEST_ARGS="+strings.Join(args, "\n"))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}
