// Package pace keeps a long computation from starving the queries served by the same process.
//
// Go has no goroutine priorities. A goroutine that only computes gives up its CPU when the runtime
// preempts it, every 10 ms, and a goroutine woken by the network (a DNS query) runs only once the
// scheduler polls the network, which it does when it runs out of runnable goroutines. On a server
// with one core, reloading a large policy would hold every query back for tens of milliseconds at
// a time. Code that loads and builds a policy calls Step often; while Background runs, Step
// pauses briefly every Every of computing, and the pause lets the scheduler poll the network and
// answer the queries that came in before the computation goes on.
package pace

import (
	"runtime"
	"sync/atomic"
	"time"
)

const (
	// Every is how long a paced computation runs between pauses: about what a query that arrives
	// meanwhile waits, a few times the p99 latency of a query on an idle server. Measured on one
	// core under 20,000 queries a second, 2 ms let the queries back up; 500 µs kept up with them.
	Every = 500 * time.Microsecond
	// Pause is how long it sleeps. The scheduler polls the network when the sleeping goroutine
	// leaves it nothing to run; the computation then yields its turn to the queries woken.
	Pause = 20 * time.Microsecond
)

var (
	active atomic.Int32 // paced computations running
	next   atomic.Int64 // when the next pause is due, in nanoseconds since start
	pauses atomic.Int64 // pauses taken, for tests and metrics
	start  = time.Now()
)

// Background runs f, a long computation sharing the process with queries, paced: the Step calls
// it makes pause it now and then. Computations outside Background (a server's first load, before
// it answers anything, or the checker command) are not slowed.
func Background(f func()) {
	active.Add(1)
	defer active.Add(-1)
	next.Store(int64(time.Since(start) + Every))
	f()
}

// Step is called by long computations every few microseconds of work. Outside Background it costs
// one atomic load.
func Step() {
	if active.Load() == 0 {
		return
	}
	if int64(time.Since(start)) < next.Load() {
		return
	}
	time.Sleep(Pause)
	// The timer puts this goroutine first in line, ahead of the queries the pause let in; go to
	// the back of it.
	runtime.Gosched()
	pauses.Add(1)
	next.Store(int64(time.Since(start) + Every))
}

// Pauses returns how many pauses Step has taken since the process started.
func Pauses() int64 { return pauses.Load() }

// Reader returns r with a Step before each Read, for parsers that read in small pieces.
func Reader(r interface{ Read([]byte) (int, error) }) *StepReader { return &StepReader{r} }

// StepReader is a reader that calls Step before each Read.
type StepReader struct {
	r interface{ Read([]byte) (int, error) }
}

func (s *StepReader) Read(p []byte) (int, error) {
	Step()
	return s.r.Read(p)
}
