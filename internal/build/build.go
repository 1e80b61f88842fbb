// Package build is the lean CoreDNS build of coredns-mailauth: the plugins an authoritative server
// for mail-authentication DNS needs, plus mailauth, in CoreDNS's own order. The binary and the
// integration tests both use it, so tests run exactly what ships.
package build

import (
	"github.com/coredns/coredns/core/dnsserver"

	_ "github.com/coredns/coredns/plugin/acl"
	_ "github.com/coredns/coredns/plugin/any"
	_ "github.com/coredns/coredns/plugin/auto"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/bufsize"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/cancel"
	_ "github.com/coredns/coredns/plugin/chaos"
	_ "github.com/coredns/coredns/plugin/debug"
	_ "github.com/coredns/coredns/plugin/dnssec"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/file"
	_ "github.com/coredns/coredns/plugin/header"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/minimal"
	_ "github.com/coredns/coredns/plugin/nsid"
	_ "github.com/coredns/coredns/plugin/pprof"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/rewrite"
	_ "github.com/coredns/coredns/plugin/root"
	_ "github.com/coredns/coredns/plugin/secondary"
	_ "github.com/coredns/coredns/plugin/timeouts"
	_ "github.com/coredns/coredns/plugin/transfer"
	_ "github.com/coredns/coredns/plugin/tsig"
	_ "github.com/coredns/coredns/plugin/whoami"

	_ "github.com/mailauth/coredns-mailauth/plugin/mailauth"
)

// directives is CoreDNS's own order (core/dnsserver/zdirectives.go) cut down to the plugins above.
// mailauth sits after transfer, so AXFR reaches transfer first, and before file, so cache and dnssec
// wrap its answers and file can hold the rest of a zone.
var directives = []string{
	"root",
	"cancel",
	"timeouts",
	"reload",
	"nsid",
	"bufsize",
	"bind",
	"debug",
	"ready",
	"health",
	"pprof",
	"prometheus",
	"errors",
	"log",
	"any",
	"chaos",
	"tsig",
	"rewrite",
	"acl",
	"cache",
	"header",
	"dnssec",
	"minimal",
	"transfer",
	"mailauth",
	"file",
	"auto",
	"secondary",
	"whoami",
}

// Install makes CoreDNS use this build's plugin order. Call it before starting a server.
func Install() { dnsserver.Directives = directives }
