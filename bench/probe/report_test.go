package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// results is a results file of bench/run.sh with known numbers, in the order run.sh writes them
// (every round starts with another kind), with a line to ignore and no whoami over TCP.
const results = "round\ttransport\tkind\tqps\tmean_ms\tp50_ms\tp99_ms\tlost\tfailed\trss_kb\tcpu_us_per_query\n" +
	"1\tudp\tmailauth\t90\t0.5\t0.3\t3\t0\t0\t81920\t12.0\n" +
	"1\tudp\tfile\t40\t2.0\t1.5\t9\t0\t0\t204800\t40.0\n" +
	"1\tudp\twhoami\t180\t0.2\t0.1\t1\t0\t0\t40960\t10.0\n" +
	"1\ttcp\tmailauth\t80\t0.6\t0.4\t5\t0\t0\t92160\t13.0\n" +
	"1\ttcp\tfile\t40\t2.5\t2.0\t12\t0\t0\t204800\t41.0\n" +
	"2\tudp\tfile\t50\t2.2\t1.6\t11\t0\t0\t215040\t42.0\n" +
	"2\tudp\twhoami\t220\t0.3\t0.1\t2\t0\t0\t40960\t11.0\n" +
	"2\tudp\tmailauth\t120\t0.7\t0.3\t5\t1\t0\t102400\t14.0\n" +
	"a line of dnsperf's that slipped in\n" +
	"3\tudp\twhoami\t\n" +
	"3\tudp\tmailauth\t100\t0.6\t0.3\t4\t2\t1\t92160\t13.0\n" +
	"3\tudp\tfile\t45\t2.1\t1.5\t10\t0\t0\t209920\t41.0\n"

func reportOf(t *testing.T, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "results.tsv")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := capture(func() error { return report([]string{file}) })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReportGivesTheMediansSpreadAndSumsOfEachServer(t *testing.T) {
	out := reportOf(t, results)
	rows := map[string][]string{}
	var order []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 11 && f[0] != "transport" {
			rows[f[0]+" "+f[1]] = f[2:]
			order = append(order, f[0]+" "+f[1])
		}
	}
	//                       rounds  QPS (median)  spread  mean    p99    lost  failed  RSS MB (max)  CPU us/q
	want := map[string][]string{
		"udp mailauth": {"3", "100", "30.0%", "0.600", "4.000", "3", "1", "100.0", "13.0"}, // (120-90)/100
		"udp file":     {"3", "45", "22.2%", "2.100", "10.000", "0", "0", "210.0", "41.0"}, // (50-40)/45
		"udp whoami":   {"2", "200", "20.0%", "0.250", "1.500", "0", "0", "40.0", "10.5"},  // even: the mean of the middle two
		"tcp mailauth": {"1", "80", "0.0%", "0.600", "5.000", "0", "0", "90.0", "13.0"},
		"tcp file":     {"1", "40", "0.0%", "2.500", "12.000", "0", "0", "200.0", "41.0"},
	}
	for k, w := range want {
		if !slices.Equal(rows[k], w) {
			t.Errorf("%s: %v, want %v", k, rows[k], w)
		}
	}
	if wantOrder := []string{"udp mailauth", "udp file", "udp whoami", "tcp mailauth", "tcp file"}; !slices.Equal(order, wantOrder) {
		t.Errorf("rows in the order %v, want %v (transports, then servers, as first seen)", order, wantOrder)
	}
}

func TestReportGivesTheQPSRatiosOfMailauthToFileAndWhoami(t *testing.T) {
	out := reportOf(t, results)
	ratios := map[string][]string{}
	_, table, ok := strings.Cut(out, "mailauth/file")
	if !ok {
		t.Fatalf("no ratio table in\n%s", out)
	}
	for _, line := range strings.Split(table, "\n")[1:] {
		if f := strings.Fields(line); len(f) == 3 {
			ratios[f[0]] = f[1:]
		}
	}
	for transport, want := range map[string][]string{
		"udp": {"2.22x", "0.50x"}, // 100/45, 100/200
		"tcp": {"2.00x", "-"},     // no whoami over TCP
	} {
		if !slices.Equal(ratios[transport], want) {
			t.Errorf("%s: ratios %v, want %v", transport, ratios[transport], want)
		}
	}
}

func TestReportOfAnEmptyResultsFileIsTheHeadersAlone(t *testing.T) {
	out := reportOf(t, "round\ttransport\tkind\tqps\tmean_ms\tp50_ms\tp99_ms\tlost\tfailed\trss_kb\tcpu_us_per_query\n")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 {
		t.Errorf("report of no runs:\n%s\nwant the two headers and the blank line between them", out)
	}
}

func TestReportNamesWhatItCannotRead(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "results.tsv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: probe report RESULTS"},
		{[]string{"a", "b"}, "usage: probe report RESULTS"},
		{[]string{missing}, missing},
	} {
		if _, err := capture(func() error { return report(tc.args) }); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("report %q: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}

func TestMedianMinAndMaxLeaveTheirInputInOrder(t *testing.T) {
	for _, tc := range []struct {
		v                []float64
		median, min, max float64
	}{
		{[]float64{7}, 7, 7, 7},
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{10, 40, 20, 30}, 25, 10, 40},
		{[]float64{5, 5, 1, 9, 5}, 5, 1, 9},
	} {
		in := slices.Clone(tc.v)
		if got := median(tc.v); got != tc.median {
			t.Errorf("median(%v) = %g, want %g", in, got, tc.median)
		}
		if got := minOf(tc.v); got != tc.min {
			t.Errorf("minOf(%v) = %g, want %g", in, got, tc.min)
		}
		if got := maxOf(tc.v); got != tc.max {
			t.Errorf("maxOf(%v) = %g, want %g", in, got, tc.max)
		}
		if !slices.Equal(tc.v, in) {
			t.Errorf("the input %v was reordered to %v", in, tc.v)
		}
	}
}

func TestRatioIsADashWhenEitherSideIsMissing(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{
		{300, 100, "3.00x"},
		{1, 3, "0.33x"},
		{0, 100, "-"},
		{100, 0, "-"},
	} {
		if got := ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("ratio(%g, %g) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}
