package main

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The files in testdata are the output of dnsperf 2.10.0 -v against a small server on loopback,
// which either answers every query ("udp", "tcp") or drops one in fifty and answers SERVFAIL to
// one in ninety-seven ("udp-lost"; "reload", with -S 1 for 6 seconds; "interrupted", with -S 1
// and stopped by SIGINT after 2.5 seconds, as run.sh stops the reload's dnsperf). "error" is
// dnsperf's output when its query file is missing.

func parseFile(t *testing.T, name string) *run {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := parseDnsperf(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func TestParseDnsperfReadsTheStatisticsOfRealRuns(t *testing.T) {
	for _, tc := range []struct {
		file                         string
		sent, completed, lost, fails int
		qps, meanMs                  float64
		intervals                    int
	}{
		{"dnsperf-udp.txt", 40, 40, 0, 0, 39.990802, 0.189, 1},
		{"dnsperf-udp-lost.txt", 120, 117, 3, 1, 116.977657, 0.178, 1},
		// The connection statistics that follow have an average latency of their own, 12.822 ms.
		{"dnsperf-tcp.txt", 40, 40, 0, 0, 39.988803, 0.210, 1},
		{"dnsperf-reload.txt", 180, 176, 4, 1, 29.331344, 0.441, 6},
		{"dnsperf-interrupted.txt", 75, 74, 1, 1, 29.635705, 0.486, 3},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := parseFile(t, tc.file)
			if r.sent != tc.sent || r.completed != tc.completed || r.lost != tc.lost || r.failed != tc.fails {
				t.Errorf("sent %d, completed %d, lost %d, failed %d; want %d, %d, %d, %d",
					r.sent, r.completed, r.lost, r.failed, tc.sent, tc.completed, tc.lost, tc.fails)
			}
			if r.qps != tc.qps || math.Abs(r.meanMs-tc.meanMs) > 1e-9 {
				t.Errorf("%f qps, mean %.3f ms; want %f, %.3f", r.qps, r.meanMs, tc.qps, tc.meanMs)
			}
			// Every completed query has its latency line, lost ones ("> T") none.
			if got := r.all().count(); got != tc.completed {
				t.Errorf("%d latencies, want one per completed query, %d", got, tc.completed)
			}
			if len(r.intervals) != tc.intervals {
				t.Errorf("%d intervals, want %d", len(r.intervals), tc.intervals)
			}
		})
	}
}

func TestParseDnsperfSplitsTheAnswersAtEachStatisticsLine(t *testing.T) {
	r := parseFile(t, "dnsperf-reload.txt")
	want := []struct {
		at      float64
		answers int
	}{
		{1795454737.501412, 30}, {1795454738.502081, 29}, {1795454739.502394, 30},
		{1795454740.503488, 29}, {1795454741.504565, 30}, {0, 28},
	}
	if len(r.intervals) != len(want) {
		t.Fatalf("%d intervals, want %d", len(r.intervals), len(want))
	}
	for i, w := range want {
		if iv := r.intervals[i]; iv.at != w.at || iv.lat.count() != w.answers {
			t.Errorf("interval %d: at %f with %d answers, want %f with %d", i, iv.at, iv.lat.count(), w.at, w.answers)
		}
	}
}

func TestParseDnsperfRefusesOutputWithoutStatistics(t *testing.T) {
	for name, input := range map[string]string{
		"dnsperf that could not open its query file": readTestdata(t, "dnsperf-error.txt"),
		"nothing at all": "",
		"latencies but no statistics": "> NOERROR d00001.bench.test. TXT 0.000337\n" +
			"> NOERROR d00002.bench.test. TXT 0.000158\n",
	} {
		if r, err := parseDnsperf(strings.NewReader(input)); err == nil {
			t.Errorf("%s: parsed as %+v, want an error", name, r)
		}
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAPercentileIsAtMostOnePercentAboveTheLatency(t *testing.T) {
	for _, ms := range []float64{0.001, 0.0123, 0.135, 1, 4.178, 12.5, 999} {
		h := hist{}
		h.add(ms)
		for _, p := range []float64{1, 50, 99, 100} {
			if got := h.percentile(p); got < ms*(1-1e-12) || got > ms*1.01 {
				t.Errorf("one latency of %g ms: p%g = %g ms, want within 1%% above it", ms, p, got)
			}
		}
	}
}

func TestLatenciesUnderAMicrosecondShareTheFirstBucket(t *testing.T) {
	h := hist{}
	h.add(0.0002)
	h.add(0.0009)
	if got := h.percentile(100); got != 0.001 {
		t.Errorf("p100 of latencies under 1 µs is %g ms, want 0.001", got)
	}
}

func TestPercentilesOfAHundredLatencies(t *testing.T) {
	h := hist{}
	for ms := 100; ms >= 1; ms-- {
		h.add(float64(ms))
	}
	for _, tc := range []struct{ p, want float64 }{
		{1, 1}, {50, 50}, {90, 90}, {99, 99}, {99.5, 100}, {100, 100},
	} {
		if got := h.percentile(tc.p); got < tc.want || got > tc.want*1.01 {
			t.Errorf("p%g = %g ms, want %g (1%% above at most)", tc.p, got, tc.want)
		}
	}
	if got := (hist{}).percentile(50); !math.IsNaN(got) {
		t.Errorf("p50 of no latencies = %g, want NaN", got)
	}
}

func TestMergedHistogramsCountEveryLatency(t *testing.T) {
	a, b := hist{}, hist{}
	for _, ms := range []float64{0.1, 0.2, 0.3} {
		a.add(ms)
	}
	for _, ms := range []float64{0.2, 5} {
		b.add(ms)
	}
	a.merge(b)
	if a.count() != 5 || b.count() != 2 {
		t.Errorf("merged %d, merged in %d; want 5 and 2 unchanged", a.count(), b.count())
	}
	if got := a.percentile(100); got < 5 || got > 5.05 {
		t.Errorf("p100 after the merge = %g ms, want 5", got)
	}
}

func TestSummarizePrintsQPSMeanPercentilesLostAndFailed(t *testing.T) {
	for _, tc := range []struct {
		file               string
		qps, mean          string
		p50, p99           float64 // the latencies of those ranks in the file, in ms
		lost, failed       string
		describeDifference string
	}{
		{"dnsperf-udp.txt", "40", "0.189", 0.167, 0.822, "0", "0", ""},
		{"dnsperf-udp-lost.txt", "117", "0.178", 0.135, 1.331, "3", "1", ""},
		{"dnsperf-tcp.txt", "40", "0.210", 0.209, 0.298, "0", "0", "the mean of the queries, not of the connections"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out, err := capture(func() error { return summarize([]string{filepath.Join("testdata", tc.file)}) })
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Split(strings.TrimSuffix(out, "\n"), "\t")
			if len(f) != 6 {
				t.Fatalf("printed %q, want 6 tab-separated fields", out)
			}
			if f[0] != tc.qps || f[1] != tc.mean || f[4] != tc.lost || f[5] != tc.failed {
				t.Errorf("qps %s, mean %s, lost %s, failed %s; want %s, %s, %s, %s %s",
					f[0], f[1], f[4], f[5], tc.qps, tc.mean, tc.lost, tc.failed, tc.describeDifference)
			}
			for i, want := range map[int]float64{2: tc.p50, 3: tc.p99} {
				// %.3f rounds the bucket's bound: allow that on top of the 1% bucket.
				if got, _ := strconv.ParseFloat(f[i], 64); got < want-0.0005 || got > want*1.01+0.0005 {
					t.Errorf("field %d is %s ms, want %.3f", i+1, f[i], want)
				}
			}
		})
	}
}

func TestSummarizeNamesTheFileItCannotUse(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.txt")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: probe dnsperf FILE"},
		{[]string{"a", "b"}, "usage: probe dnsperf FILE"},
		{[]string{missing}, missing},
		{[]string{filepath.Join("testdata", "dnsperf-error.txt")}, "dnsperf-error.txt: no statistics"},
	} {
		_, err := capture(func() error { return summarize(tc.args) })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("summarize %q: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}

// The reload run's intervals end at :37.5 (the ramp-up), :38.5, :39.5, :40.5 and :41.5, then the
// tail. A window from :38.9 to :39.8 overlaps the intervals ending at :39.5 and :40.5.
func TestWindowComparesTheSecondsOfTheReloadWithThoseAroundIt(t *testing.T) {
	dir := t.TempDir()
	times := filepath.Join(dir, "times")
	intervals := filepath.Join(dir, "intervals.tsv")
	if err := os.WriteFile(times, []byte("1795454738.9 1795454739.8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := withStdin(t, filepath.Join("testdata", "dnsperf-reload.txt"), func() error {
		return window([]string{"-times", times, "-intervals", intervals})
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 5 {
		t.Fatalf("window printed %q", out)
	}
	part := regexp.MustCompile(`^(\w+) +(\d+)s +(\d+) answers \( *(\d+)/s\), p50 +([\d.]+) ms, p99 +([\d.]+) ms$`)
	for i, want := range []struct {
		what, secs, answers, perSecond string
		p99Ms                          float64
	}{
		{"before", "1", "29", "29", 4.178}, // the ramp-up second is left out
		{"reload", "2", "59", "30", 4.041}, // 30 + 29 in 2 seconds: 29.5/s
		{"after", "1", "30", "30", 1.555},  // the partial tail is left out
	} {
		f := part.FindStringSubmatch(lines[i])
		if f == nil || f[1] != want.what || f[2] != want.secs || f[3] != want.answers || f[4] != want.perSecond {
			t.Errorf("line %d: %q, want %s %ss %s answers (%s/s)", i+1, lines[i], want.what, want.secs, want.answers, want.perSecond)
			continue
		}
		if got, _ := strconv.ParseFloat(f[6], 64); got < want.p99Ms-0.0005 || got > want.p99Ms*1.01+0.0005 {
			t.Errorf("line %d: p99 %s ms, want %.3f", i+1, f[6], want.p99Ms)
		}
	}
	for _, want := range []string{
		"reload window: edit to new serial + 1s, 0.9s; worst second p99 4.0", "ms, 1s after the edit",
		"whole run: 180 sent, 4 lost, 1 failed (not NOERROR/NXDOMAIN); reload p99 / p99 before = 0.97",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("window printed\n%s\nwant it to say %q", out, want)
		}
	}
	tsv, err := os.ReadFile(intervals)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(string(tsv), "\n"), "\n")
	if len(rows) != 6 || rows[0] != "seconds_from_edit\tanswers\tp50_ms\tp99_ms" {
		t.Fatalf("intervals file:\n%s\nwant a header and the 5 intervals with a time", tsv)
	}
	// Seconds from the edit at :38.9, rounded: -1.4, -0.4, 0.6, 1.6, 2.6.
	for i, want := range []struct{ secs, answers float64 }{{-1, 30}, {0, 29}, {1, 30}, {2, 29}, {3, 30}} {
		f := strings.Split(rows[1+i], "\t")
		secs, _ := strconv.ParseFloat(f[0], 64)
		answers, _ := strconv.ParseFloat(f[1], 64)
		if len(f) != 4 || secs != want.secs || answers != want.answers {
			t.Errorf("interval %d: %q, want %+.0f seconds from the edit and %.0f answers", i+1, rows[1+i], want.secs, want.answers)
		}
	}
}

func TestWindowNeedsTheTimesOfTheReload(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, times, want string
	}{
		{"a file that is not there", filepath.Join(dir, "missing"), "missing"},
		{"a file without two times", bad, bad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := withStdin(t, filepath.Join("testdata", "dnsperf-reload.txt"), func() error {
				return window([]string{"-times", tc.times})
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}
