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

// run is what one dnsperf run (with -v, and -S 1 for a reload) reports. Latencies are kept as
// histograms, one per -S interval, so that a run of any length fits in memory.
type run struct {
	sent, completed, lost int
	qps, meanMs           float64
	failed                int // answers other than NOERROR and NXDOMAIN
	intervals             []interval
}

// interval holds the answers that arrived before the statistics line printed at time at.
type interval struct {
	at  float64 // Unix seconds; 0 for the answers after the last line
	lat hist
}

// hist counts latencies in buckets 1% wide: bucket i holds (1.01^(i-1), 1.01^i] microseconds.
type hist map[int]int

const growth = 1.01

func (h hist) add(ms float64) {
	us := ms * 1000
	i := 0
	if us > 1 {
		i = int(math.Ceil(math.Log(us) / math.Log(growth)))
	}
	h[i]++
}

func (h hist) merge(o hist) {
	for k, v := range o {
		h[k] += v
	}
}

func (h hist) count() int {
	n := 0
	for _, v := range h {
		n += v
	}
	return n
}

// percentile returns the upper bound (ms) of the bucket holding the p-th percentile, NaN when empty.
func (h hist) percentile(p float64) float64 {
	n := h.count()
	if n == 0 {
		return math.NaN()
	}
	keys := make([]int, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	rank := int(math.Ceil(p / 100 * float64(n)))
	seen := 0
	for _, k := range keys {
		seen += h[k]
		if seen >= rank {
			return math.Pow(growth, float64(k)) / 1000
		}
	}
	return math.Pow(growth, float64(keys[len(keys)-1])) / 1000
}

func parseDnsperf(r io.Reader) (*run, error) {
	out := &run{}
	cur := hist{}
	connections := false // over TCP, the connection statistics follow with an average latency of their own
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "> "):
			// "> NOERROR name TYPE 0.000123"; a timeout is "> T name TYPE", counted in "Queries lost".
			if len(f) < 5 {
				continue
			}
			if f[1] != "NOERROR" && f[1] != "NXDOMAIN" {
				out.failed++
			}
			if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
				cur.add(v * 1000)
			}
		case len(f) == 2 && strings.HasSuffix(f[0], ":") && strings.Contains(f[0], "."):
			// -S 1: "1795441998.116610: 58025.537390"
			if at, err := strconv.ParseFloat(strings.TrimSuffix(f[0], ":"), 64); err == nil {
				out.intervals = append(out.intervals, interval{at: at, lat: cur})
				cur = hist{}
			}
		case strings.HasPrefix(line, "  Queries sent:"):
			out.sent = atoi(f[2])
		case strings.HasPrefix(line, "  Queries completed:"):
			out.completed = atoi(f[2])
		case strings.HasPrefix(line, "  Queries lost:"):
			out.lost = atoi(f[2])
		case strings.HasPrefix(line, "  Queries per second:"):
			out.qps, _ = strconv.ParseFloat(f[3], 64)
		case line == "Connection Statistics:":
			connections = true
		case strings.HasPrefix(line, "  Average Latency (s):") && !connections:
			v, _ := strconv.ParseFloat(f[3], 64)
			out.meanMs = v * 1000
		}
	}
	out.intervals = append(out.intervals, interval{lat: cur})
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if out.qps == 0 {
		return nil, fmt.Errorf("no statistics in the dnsperf output (did it run?)")
	}
	return out, nil
}

func atoi(s string) int { v, _ := strconv.Atoi(s); return v }

func (r *run) all() hist {
	h := hist{}
	for _, iv := range r.intervals {
		h.merge(iv.lat)
	}
	return h
}

// summarize prints one run as a tab-separated line: qps, mean ms, p50 ms, p99 ms, lost, failed.
func summarize(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: probe dnsperf FILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := parseDnsperf(f)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	h := r.all()
	fmt.Printf("%.0f\t%.3f\t%.3f\t%.3f\t%d\t%d\n", r.qps, r.meanMs, h.percentile(50), h.percentile(99), r.lost, r.failed)
	return nil
}

// window reads the output of dnsperf -v -S 1 from stdin as it comes, then compares the latency of
// the answers that arrived during the window (whole intervals overlapping it) with those before it,
// the steady state, and those after it. The window, "FROM TO" in Unix seconds, is read from -times
// once the input ends, as it is known only after the reload.
func window(args []string) error {
	fs := flag.NewFlagSet("window", flag.ExitOnError)
	times := fs.String("times", "", `file holding "FROM TO", Unix seconds`)
	intervals := fs.String("intervals", "", "file to write each interval to: time, answers, p50, p99 (ms)")
	fs.Parse(args)
	r, err := parseDnsperf(bufio.NewReaderSize(os.Stdin, 1<<20))
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(*times)
	if err != nil {
		return err
	}
	var from, to float64
	if _, err := fmt.Sscan(string(raw), &from, &to); err != nil {
		return fmt.Errorf("%s: %v", *times, err)
	}
	var per strings.Builder
	before, in, after := hist{}, hist{}, hist{}
	var nBefore, nIn, nAfter int // seconds in each
	worst, worstAt := 0.0, 0.0
	for i, iv := range r.intervals {
		if iv.at != 0 {
			fmt.Fprintf(&per, "%+.0f\t%d\t%.3f\t%.3f\n", iv.at-from, iv.lat.count(), iv.lat.percentile(50), iv.lat.percentile(99))
		}
		switch {
		case iv.at == 0 || i == 0:
			// The first interval holds the ramp-up and the tail may be partial: neither is steady.
		case iv.at < from:
			before.merge(iv.lat)
			nBefore++
		case iv.at-1 <= to:
			in.merge(iv.lat)
			nIn++
			if p := iv.lat.percentile(99); p > worst {
				worst, worstAt = p, iv.at
			}
		default:
			after.merge(iv.lat)
			nAfter++
		}
	}
	if *intervals != "" {
		if err := os.WriteFile(*intervals, []byte("seconds_from_edit\tanswers\tp50_ms\tp99_ms\n"+per.String()), 0o644); err != nil {
			return err
		}
	}
	show := func(what string, h hist, secs int) {
		fmt.Printf("%-7s %3ds %8d answers (%6.0f/s), p50 %8.3f ms, p99 %8.3f ms\n", what, secs, h.count(),
			float64(h.count())/float64(max(secs, 1)), h.percentile(50), h.percentile(99))
	}
	show("before", before, nBefore)
	show("reload", in, nIn)
	show("after", after, nAfter)
	fmt.Printf("reload window: edit to new serial + 1s, %.1fs; worst second p99 %.3f ms, %.0fs after the edit\n", to-from, worst, worstAt-from)
	fmt.Printf("whole run: %d sent, %d lost, %d failed (not NOERROR/NXDOMAIN); reload p99 / p99 before = %.2f\n",
		r.sent, r.lost, r.failed, in.percentile(99)/before.percentile(99))
	return nil
}
