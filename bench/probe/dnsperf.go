package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// run is what one dnsperf run (with -v, and -S 1 for a reload) reports.
type run struct {
	sent, completed, lost int
	qps, meanMs           float64
	failed                int       // answers other than NOERROR and NXDOMAIN
	lat                   []float64 // per answer, in ms, in completion order
	intervals             []interval
}

// interval is one -S 1 statistics line: queries up to lat[end] completed by time at.
type interval struct {
	at  float64 // Unix seconds
	end int
}

func parseDnsperf(r io.Reader) (*run, error) {
	out := &run{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "> "):
			// "> NOERROR name TYPE 0.000123"; a timeout is "> T name TYPE".
			if len(f) < 5 {
				continue // counted in "Queries lost"
			}
			if f[1] != "NOERROR" && f[1] != "NXDOMAIN" {
				out.failed++
			}
			if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
				out.lat = append(out.lat, v*1000)
			}
		case len(f) == 2 && strings.HasSuffix(f[0], ":") && strings.Contains(f[0], "."):
			if at, err := strconv.ParseFloat(strings.TrimSuffix(f[0], ":"), 64); err == nil {
				out.intervals = append(out.intervals, interval{at: at, end: len(out.lat)})
			}
		case strings.HasPrefix(line, "  Queries sent:"):
			out.sent = atoi(f[2])
		case strings.HasPrefix(line, "  Queries completed:"):
			out.completed = atoi(f[2])
		case strings.HasPrefix(line, "  Queries lost:"):
			out.lost = atoi(f[2])
		case strings.HasPrefix(line, "  Queries per second:"):
			out.qps, _ = strconv.ParseFloat(f[3], 64)
		case strings.HasPrefix(line, "  Average Latency (s):"):
			v, _ := strconv.ParseFloat(f[3], 64)
			out.meanMs = v * 1000
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if out.qps == 0 {
		return nil, fmt.Errorf("no statistics in the dnsperf output (did it run?)")
	}
	return out, nil
}

func atoi(s string) int { v, _ := strconv.Atoi(s); return v }

// percentile of lat (ms), p in [0,100]; NaN when empty.
func percentile(lat []float64, p float64) float64 {
	if len(lat) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), lat...)
	sort.Float64s(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// summarize prints one run as a tab-separated line: qps, mean ms, p50 ms, p99 ms, lost, failed.
func summarize(args []string) error {
	fs := flag.NewFlagSet("dnsperf", flag.ExitOnError)
	fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: probe dnsperf FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := parseDnsperf(f)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	fmt.Printf("%.0f\t%.3f\t%.3f\t%.3f\t%d\t%d\n", r.qps, r.meanMs, percentile(r.lat, 50), percentile(r.lat, 99), r.lost, r.failed)
	return nil
}

// window compares the latency of the queries answered during [from, to] (Unix seconds, widened to
// whole -S intervals) with those answered before and after it, the steady state.
func window(args []string) error {
	fs := flag.NewFlagSet("window", flag.ExitOnError)
	from := fs.Float64("from", 0, "window start, Unix seconds")
	to := fs.Float64("to", 0, "window end, Unix seconds")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: probe window -from T -to T FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := parseDnsperf(f)
	if err != nil {
		return err
	}
	var in, steady []float64
	worst, worstAt := 0.0, 0.0
	start := 0
	for i, iv := range r.intervals {
		begin := iv.at - 1
		lat := r.lat[start:iv.end]
		// The first interval holds the ramp-up, the last one may be partial: neither is steady.
		switch {
		case iv.at >= *from && begin <= *to:
			in = append(in, lat...)
			if p := percentile(lat, 99); p > worst {
				worst, worstAt = p, iv.at
			}
		case i > 0:
			steady = append(steady, lat...)
		}
		start = iv.end
	}
	fmt.Printf("window %.1fs: %d answers, p50 %.3f ms, p99 %.3f ms, worst 1s p99 %.3f ms (at +%.0fs)\n",
		*to-*from, len(in), percentile(in, 50), percentile(in, 99), worst, worstAt-*from)
	fmt.Printf("steady: %d answers, p50 %.3f ms, p99 %.3f ms\n", len(steady), percentile(steady, 50), percentile(steady, 99))
	fmt.Printf("whole run: %d sent, %d lost, %d failed (not NOERROR/NXDOMAIN), %.0f qps; window p99 / steady p99 = %.2f\n",
		r.sent, r.lost, r.failed, r.qps, percentile(in, 99)/percentile(steady, 99))
	return nil
}
