// Command mailauth-check checks a mail policy without starting a server, as named-checkzone does
// for zone files. It loads the policy exactly as the mailauth plugin does, prints every error and
// warning as file:line:col, and exits 1 when the policy would be refused. With -export it writes
// every record the policy would serve, one RFC 1035 zone file per zone.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailauth/coredns-mailauth/plugin/mailauth/policy"
	"github.com/mailauth/coredns-mailauth/plugin/mailauth/table"
)

const usage = `usage: mailauth-check [-zone ZONE]... [-export DIR] POLICY

Loads the mail policy POLICY as the mailauth plugin does and prints every error and warning as
file:line:col: error|warning: message, then a summary. Exits 1 when the policy has an error,
2 on a usage error, 0 otherwise.

  -zone ZONE   a zone the policy is served in, as in the Corefile: a name or an address prefix
               such as 192.0.2.0/24; repeat for more. By default: every domain of the policy
               not below another, the parent domain of hosts outside them, and the reverse
               zones of hosts' addresses (IPv4 /24, IPv6 /48) and of networks.
  -export DIR  write each zone as DIR/ZONE.zone (SOA first, absolute names; the "/" of an
               RFC 2317 zone written "_"); "-" prints them to standard output, and then the
               messages go to standard error.
`

// maxUDP is the answer size over which the plugin warns that resolvers need TCP
// (plugin/mailauth/load.go).
const maxUDP = 1232

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// zoneFlags collects repeated -zone flags.
type zoneFlags []string

func (z *zoneFlags) String() string     { return strings.Join(*z, " ") }
func (z *zoneFlags) Set(v string) error { *z = append(*z, v); return nil }

// run is the whole command, with its arguments and output streams passed in for tests.
func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("mailauth-check", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	var zoneArgs zoneFlags
	flags.Var(&zoneArgs, "zone", "")
	export := flags.String("export", "", "")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "mailauth-check: %v\n%s", err, usage)
		return 2
	}
	if flags.NArg() != 1 {
		fmt.Fprintf(stderr, "mailauth-check: one POLICY file expected, got %d arguments\n%s", flags.NArg(), usage)
		return 2
	}
	path := flags.Arg(0)
	zones, err := parseZones(zoneArgs)
	if err != nil {
		fmt.Fprintf(stderr, "mailauth-check: %v\n%s", err, usage)
		return 2
	}
	msgs := stdout
	if *export == "-" {
		msgs = stderr
	}

	p, err := policy.Load(path)
	if err != nil {
		var errs, warnings policy.Errors
		if !errors.As(err, &errs) {
			errs = policy.Errors{{File: path, Msg: err.Error()}}
		}
		if f := (*policy.Failure)(nil); errors.As(err, &f) {
			warnings = f.Warnings
		}
		// Errors and warnings in the order of the file, as a compiler lists them.
		for _, d := range byPosition(errs, warnings) {
			fmt.Fprintln(msgs, d)
		}
		summary := count(len(errs), "error")
		if len(warnings) > 0 {
			summary += ", " + count(len(warnings), "warning")
		}
		fmt.Fprintf(msgs, "%s: %s: not loaded\n", path, summary)
		return 1
	}
	if zones == nil {
		zones = deriveZones(p)
	}
	t := table.Build(p, zones, p.Serial())
	warnings := append(append(policy.Errors(nil), p.Warnings...), p.OutsideZones(zones)...)
	for _, a := range t.LargeAnswers(maxUDP) {
		warnings = append(warnings, &policy.Error{File: path, Msg: fmt.Sprintf(
			"the %s answer at %s is %d bytes, over %d: resolvers must retry it over TCP. It holds:\n  %s",
			dns.TypeToString[a.Type], a.Name, a.Size, maxUDP, strings.Join(a.Records, "\n  "))})
	}
	var exportErr error
	if *export != "" {
		var more []string
		more, exportErr = exportZones(t, *export, stdout)
		for _, m := range more {
			warnings = append(warnings, &policy.Error{File: path, Msg: m})
		}
	}
	for _, w := range warnings {
		fmt.Fprintln(msgs, diagnostic(w, "warning"))
	}
	if exportErr != nil {
		fmt.Fprintf(stderr, "mailauth-check: %v\n", exportErr)
		return 1
	}
	fmt.Fprintf(msgs, "%s: 0 errors, %s; %s (%s), %s, %s\n", path, count(len(warnings), "warning"),
		count(len(zones), "zone"), strings.Join(zones, " "), count(t.Names(), "name"), count(t.Records(), "record"))
	return 0
}

// byPosition returns the diagnostics of errs and warnings merged in the order of their places in
// the file, an error first where both are at one place.
func byPosition(errs, warnings policy.Errors) []string {
	type located struct {
		e        *policy.Error
		severity string
	}
	all := make([]located, 0, len(errs)+len(warnings))
	for _, e := range errs {
		all = append(all, located{e, "error"})
	}
	for _, w := range warnings {
		all = append(all, located{w, "warning"})
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i].e, all[j].e
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	out := make([]string, len(all))
	for i, l := range all {
		out[i] = diagnostic(l.e, l.severity)
	}
	return out
}

// diagnostic formats e as file:line:col: severity: message, leaving out what is unknown.
func diagnostic(e *policy.Error, severity string) string {
	at := e.File
	if e.Line > 0 {
		at += fmt.Sprintf(":%d", e.Line)
		if e.Col > 0 {
			at += fmt.Sprintf(":%d", e.Col)
		}
	}
	return fmt.Sprintf("%s: %s: %s", at, severity, e.Msg)
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
