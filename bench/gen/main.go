// Command gen writes the data of the mailauth benchmarks into a directory:
//
//	mail.yaml                 the mail policy: N domains in bench.test, hosts, a /16 and a /48
//	queries-mix.txt           the dnsperf query mix; queries-KIND.txt holds one kind of it
//	ZONE.zone                 the same records as zone files for CoreDNS's file plugin
//	Corefile.mailauth, Corefile.file, Corefile.whoami
//
// Usage: go run ./bench/gen -n 10000 -seed 1 -out DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/bench/benchdata"
	"github.com/mailauth/coredns-mailauth/bench/zonefile"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

func main() {
	n := flag.Int("n", 10000, "mail domains")
	queries := flag.Int("queries", 200000, "lines of the query mix")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "bench/data", "directory to write")
	flag.Parse()
	if err := run(*n, *queries, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(n, queries int, seed uint64, dir string) error {
	if n < 1 {
		return fmt.Errorf("-n %d: at least one domain", n)
	}
	if queries < 0 {
		return fmt.Errorf("-queries %d: a number of lines, 0 or more", queries)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := benchdata.Generate(n, queries, seed)
	path := filepath.Join(dir, "mail.yaml")
	if err := os.WriteFile(path, s.Policy, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "queries-mix.txt"), s.QueryFile(""), 0o644); err != nil {
		return err
	}
	for _, k := range benchdata.KindNames() {
		if err := os.WriteFile(filepath.Join(dir, "queries-"+k+".txt"), s.QueryFile(k), 0o644); err != nil {
			return err
		}
	}
	start := time.Now()
	p, err := policy.Load(path)
	if err != nil {
		return err
	}
	loaded := time.Since(start)
	zones, err := zonefile.Records(s, p)
	if err != nil {
		return err
	}
	var files []string
	for _, z := range benchdata.Zones {
		name := strings.TrimSuffix(z, ".") + ".zone"
		files = append(files, name)
		if err := os.WriteFile(filepath.Join(dir, name), zonefile.Text(z, zones[z]), 0o644); err != nil {
			return err
		}
	}
	if err := corefiles(dir, files); err != nil {
		return err
	}
	fmt.Printf("gen: %s: %d domains, %d hosts, %d queries, %d zone records; policy.Load %s\n",
		dir, n, benchdata.Hosts(n), len(s.Queries), count(zones), loaded.Round(time.Millisecond))
	return nil
}

func count(zones map[string][]dns.RR) int {
	total := 0
	for _, rrs := range zones {
		total += len(rrs)
	}
	return total
}

// corefiles writes one Corefile per server kind, each serving the benchmark zones on the port
// given with -dns.port, on loopback only and without logging.
func corefiles(dir string, zoneFiles []string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	block := strings.Join(benchdata.Zones, " ")
	var file strings.Builder
	for i, z := range benchdata.Zones {
		fmt.Fprintf(&file, "    file %s %s {\n        reload 0\n    }\n", zoneFiles[i], z)
	}
	for kind, body := range map[string]string{
		// mailauth checks the policy for changes every 5s, its default, as deployed.
		"mailauth": "    mailauth mail.yaml\n",
		"file":     file.String(),
		"whoami":   "    whoami\n",
	} {
		text := fmt.Sprintf("%s {\n    bind 127.0.0.1\n    root %s\n%s}\n", block, dir, body)
		if err := os.WriteFile(filepath.Join(dir, "Corefile."+kind), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
