package policy

import (
	"runtime"
	"strings"
	"testing"
)

// aliasBomb is a policy of a few lines whose YAML aliases expand to 10^levels strings
// ("billion laughs"): each level is a list of ten aliases of the one before.
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString(`l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]` + "\n")
	for i := 1; i < levels; i++ {
		b.WriteString(strings.Replace("lN: &lN [", "N", string(rune('0'+i)), 2))
		b.WriteString(strings.Repeat("*l"+string(rune('0'+i-1))+",", 9) + "*l" + string(rune('0'+i-1)) + "]\n")
	}
	b.WriteString("domains: {example.org: {spf: *l" + string(rune('0'+levels-1)) + "}}\n")
	return b.String()
}

// A policy file is often written by others (configuration management, a ConfigMap): a file of a
// few hundred bytes must not make the loader, inside the serving CoreDNS, expand aliases into
// gigabytes (eight levels: 3 GiB and minutes; five levels, measured here, grow 10x per level).
func TestAYAMLAliasBombIsRefusedBeforeItIsExpanded(t *testing.T) {
	plain := "domains: {example.org: {spf: [\"ip4:192.0.2.1\", \"-all\"]}}\n" + strings.Repeat("# a comment to make the file as long\n", 12)
	bomb := aliasBomb(5)
	measure := func(doc string) (uint64, error) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Parse("mail.yaml", []byte(doc), t.TempDir())
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	plainBytes, err := measure(plain)
	if err != nil {
		t.Fatal(err)
	}
	bombBytes, err := measure(bomb)
	t.Logf("%d-byte policy: %d KiB allocated; %d-byte alias bomb: %d KiB allocated (%v)", len(plain), plainBytes>>10, len(bomb), bombBytes>>10, err)
	if err == nil {
		t.Fatal("the alias bomb loaded")
	}
	if bombBytes > 8*plainBytes+(1<<20) {
		t.Errorf("loading a %d-byte policy allocated %d MiB, expanding its aliases: refuse aliases (or bound their expansion) before decoding", len(bomb), bombBytes>>20)
	}
}
