package build

import (
	"strings"
	"testing"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
)

func TestEveryDirectiveHasARegisteredPlugin(t *testing.T) {
	Install()
	registered := map[string]bool{}
	for _, p := range caddy.ListPlugins()["others"] {
		registered[strings.TrimPrefix(p, "dns.")] = true
	}
	for _, d := range dnsserver.Directives {
		if !registered[d] {
			t.Errorf("directive %q has no plugin compiled in", d)
		}
	}
}

func TestMailauthSitsAfterTransferAndBeforeFile(t *testing.T) {
	pos := map[string]int{}
	for i, d := range directives {
		pos[d] = i
	}
	for _, before := range []string{"cache", "dnssec", "transfer"} {
		if pos[before] >= pos["mailauth"] {
			t.Errorf("%s must come before mailauth so it wraps it", before)
		}
	}
	if pos["file"] <= pos["mailauth"] {
		t.Errorf("file must come after mailauth")
	}
}
