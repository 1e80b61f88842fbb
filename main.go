// Command coredns is a lean CoreDNS build for publishing mail-authentication DNS: the plugins an
// authoritative server needs, plus mailauth (see internal/build).
package main

import (
	"github.com/coredns/coredns/coremain"

	"github.com/mailauth/coredns-mailauth/internal/build"
)

func main() {
	build.Install()
	coremain.Run()
}
