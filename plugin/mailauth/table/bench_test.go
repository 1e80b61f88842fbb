package table_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/bench/benchdata"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

// benchDomains is the size of the benchmark policy (bench/benchdata), as make bench's default.
const benchDomains = 10000

var bench struct {
	once sync.Once
	set  *benchdata.Set
	p    *policy.Policy
	err  error
}

// benchPolicy loads the benchmark policy once per test binary: loading it is slow enough to
// dominate a run otherwise.
func benchPolicy(b *testing.B) (*benchdata.Set, *policy.Policy) {
	b.Helper()
	bench.once.Do(func() {
		bench.set = benchdata.Generate(benchDomains, 20000, 1)
		dir, err := os.MkdirTemp("", "mailauth-bench")
		if err != nil {
			bench.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "mail.yaml")
		if bench.err = os.WriteFile(path, bench.set.Policy, 0o600); bench.err != nil {
			return
		}
		bench.p, bench.err = policy.Load(path)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.set, bench.p
}

// BenchmarkBuild builds the answer table of 10,000 mail domains, hosts and two networks.
func BenchmarkBuild(b *testing.B) {
	_, p := benchPolicy(b)
	b.ReportAllocs()
	for b.Loop() {
		table.Build(p, benchdata.Zones, benchdata.Serial)
	}
}

// BenchmarkLookup looks up each kind of query of the benchmark mix in the table, the part of the
// query path that is mailauth's own.
func BenchmarkLookup(b *testing.B) {
	set, p := benchPolicy(b)
	t := table.Build(p, benchdata.Zones, benchdata.Serial)
	for _, kind := range benchdata.KindNames() {
		var qs []benchdata.Query
		for _, q := range set.Queries {
			if q.Kind == kind {
				qs = append(qs, q)
			}
		}
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				q := qs[i%len(qs)]
				t.Lookup(q.Name, dns.StringToType[q.Type], true)
				i++
			}
		})
	}
}
