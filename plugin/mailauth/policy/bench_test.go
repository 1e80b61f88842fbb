package policy_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mailauth/coredns-mailauth/bench/benchdata"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
)

// BenchmarkLoad reads and checks the benchmark policy (bench/benchdata) of 1,000 and 10,000 mail
// domains, each with SPF, an RSA-2048 and an Ed25519 selector given as p= values, ADSP and DMARC,
// plus N/10 hosts and two networks. The target is 100,000 domains loaded and built in 2s.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run("domains="+strconv.Itoa(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "mail.yaml")
			if err := os.WriteFile(path, benchdata.Generate(n, 0, 1).Policy, 0o600); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := policy.Load(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
