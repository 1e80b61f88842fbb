package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// A results line of bench/run.sh, tab-separated:
// round transport kind qps mean_ms p50_ms p99_ms lost failed rss_kb cpu_us_per_query
type result struct {
	transport, kind                 string
	qps, mean, p50, p99, rss, cpuUs float64
	lost, failed                    int
}

// report prints, per transport and server kind, the median of each figure over the rounds, the
// spread of QPS ((max-min)/median), and the QPS ratios of mailauth to file and to whoami.
func report(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: probe report RESULTS")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	groups := map[[2]string][]result{}
	var transports, kinds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 11 || c[0] == "round" {
			continue
		}
		num := func(i int) float64 { v, _ := strconv.ParseFloat(c[i], 64); return v }
		r := result{transport: c[1], kind: c[2], qps: num(3), mean: num(4), p50: num(5), p99: num(6),
			lost: int(num(7)), failed: int(num(8)), rss: num(9), cpuUs: num(10)}
		k := [2]string{r.transport, r.kind}
		if _, ok := groups[k]; !ok {
			transports = appendNew(transports, r.transport)
			kinds = appendNew(kinds, r.kind)
		}
		groups[k] = append(groups[k], r)
	}
	fmt.Printf("%-9s %-8s %6s %9s %7s %8s %8s %6s %6s %7s %9s\n",
		"transport", "server", "rounds", "QPS", "spread", "mean ms", "p99 ms", "lost", "failed", "RSS MB", "CPU us/q")
	medianQPS := map[[2]string]float64{}
	for _, t := range transports {
		for _, k := range kinds {
			rs := groups[[2]string{t, k}]
			if len(rs) == 0 {
				continue
			}
			pick := func(f func(result) float64) []float64 {
				var v []float64
				for _, r := range rs {
					v = append(v, f(r))
				}
				return v
			}
			qps := pick(func(r result) float64 { return r.qps })
			lost, failed := 0, 0
			for _, r := range rs {
				lost += r.lost
				failed += r.failed
			}
			m := median(qps)
			medianQPS[[2]string{t, k}] = m
			fmt.Printf("%-9s %-8s %6d %9.0f %6.1f%% %8.3f %8.3f %6d %6d %7.1f %9.1f\n", t, k, len(rs), m,
				100*(maxOf(qps)-minOf(qps))/m, median(pick(func(r result) float64 { return r.mean })),
				median(pick(func(r result) float64 { return r.p99 })), lost, failed,
				maxOf(pick(func(r result) float64 { return r.rss }))/1024,
				median(pick(func(r result) float64 { return r.cpuUs })))
		}
	}
	fmt.Println()
	fmt.Printf("%-9s %14s %16s\n", "transport", "mailauth/file", "mailauth/whoami")
	for _, t := range transports {
		ma := medianQPS[[2]string{t, "mailauth"}]
		fmt.Printf("%-9s %14s %16s\n", t, ratio(ma, medianQPS[[2]string{t, "file"}]), ratio(ma, medianQPS[[2]string{t, "whoami"}]))
	}
	return sc.Err()
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func appendNew(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(v []float64) float64 { s := append([]float64(nil), v...); sort.Float64s(s); return s[0] }
func maxOf(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)-1]
}
