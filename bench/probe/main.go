// Command probe is the stopwatch and the referee of bench/run.sh:
//
//	probe wait -addr A -name N -type T [-since NS] [-serial-above S] [-timeout D]
//	    polls A every 5ms until N answers NOERROR with records (with -any, NOERROR will do; with
//	    -serial-above, an SOA with a larger serial); prints the milliseconds since -since (Unix ns).
//	probe compare -a A -b B -queries FILE [-n COUNT]
//	    sends the first COUNT queries of a dnsperf query file to both servers and counts the
//	    replies whose rcode or answer section differ (authority and additional may differ:
//	    file adds the apex NS to positive answers, mailauth answers minimally).
//	probe dnsperf FILE
//	    reads the output of dnsperf -v and prints qps, mean, p50 and p99 latency (ms), lost and
//	    failed queries, tab-separated.
//	probe window -times FILE < dnsperf-output
//	    reads the output of dnsperf -v -S 1 as it comes and compares the latency during the window
//	    FILE names ("FROM TO", Unix seconds, written once the reload is over) with the rest.
//	probe report FILE
//	    prints the table of bench/run.sh from its results file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe wait|compare|dnsperf|window|report [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "wait":
		err = wait(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	case "dnsperf":
		err = summarize(os.Args[2:])
	case "window":
		err = window(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func wait(args []string) error {
	fs := flag.NewFlagSet("wait", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:1053", "server")
	name := fs.String("name", "bench.test.", "name to ask")
	qtype := fs.String("type", "SOA", "type to ask")
	since := fs.Int64("since", 0, "Unix nanoseconds to measure from (default: now)")
	above := fs.Uint("serial-above", 0, "wait for an SOA serial larger than this")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after")
	anyReply := fs.Bool("any", false, "any reply will do (whoami answers in the additional section)")
	fs.Parse(args)
	rrtype, ok := dns.StringToType[*qtype]
	if !ok {
		return fmt.Errorf("-type %q: not a DNS type", *qtype)
	}
	start := time.Now()
	if *since != 0 {
		start = time.Unix(0, *since)
	}
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(*name), rrtype)
	for deadline := time.Now().Add(*timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		r, _, err := c.Exchange(q, *addr)
		if err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 && !*anyReply {
			continue
		}
		if *above > 0 {
			if soa, ok := r.Answer[0].(*dns.SOA); !ok || soa.Serial <= uint32(*above) {
				continue
			}
		}
		fmt.Printf("%d\n", time.Since(start).Milliseconds())
		return nil
	}
	return fmt.Errorf("%s %s at %s: no answer within %s", *name, *qtype, *addr, *timeout)
}

func compare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	a := fs.String("a", "127.0.0.1:1053", "first server")
	b := fs.String("b", "127.0.0.1:1054", "second server")
	file := fs.String("queries", "", "dnsperf query file")
	n := fs.Int("n", 2000, "queries to compare")
	fs.Parse(args)
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	sc := bufio.NewScanner(f)
	asked, differ := 0, 0
	for sc.Scan() && asked < *n {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(fields[0]), dns.StringToType[fields[1]])
		q.RecursionDesired = false
		ra, _, errA := c.Exchange(q, *a)
		rb, _, errB := c.Exchange(q, *b)
		if errA != nil || errB != nil {
			return fmt.Errorf("%s %s: %v / %v", fields[0], fields[1], errA, errB)
		}
		asked++
		if sa, sb := summary(ra), summary(rb); sa != sb {
			if differ < 5 {
				fmt.Fprintf(os.Stderr, "differ: %s %s\n  %s\n  %s\n", fields[0], fields[1], sa, sb)
			}
			differ++
		}
	}
	fmt.Printf("compared %d queries: %d differ\n", asked, differ)
	if differ > 0 {
		return fmt.Errorf("%d of %d answers differ", differ, asked)
	}
	return nil
}

// summary is the rcode, AA bit and sorted answer section of r, plus the SOA of a negative answer.
func summary(r *dns.Msg) string {
	var rrs []string
	for _, rr := range r.Answer {
		rrs = append(rrs, rr.String())
	}
	sort.Strings(rrs)
	if len(r.Answer) == 0 {
		for _, rr := range r.Ns {
			if rr.Header().Rrtype == dns.TypeSOA {
				rrs = append(rrs, "authority: "+rr.String())
			}
		}
	}
	return fmt.Sprintf("%s aa=%v %s", dns.RcodeToString[r.Rcode], r.Authoritative, strings.Join(rrs, " | "))
}
