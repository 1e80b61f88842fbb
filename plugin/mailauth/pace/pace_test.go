package pace

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"time"
)

// busy computes for d, calling Step as paced code does.
func busy(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		Step()
	}
}

func TestStepPausesOnlyInsideBackground(t *testing.T) {
	before := Pauses()
	busy(20 * time.Millisecond)
	if n := Pauses() - before; n != 0 {
		t.Fatalf("%d pauses outside Background", n)
	}
	before = Pauses()
	Background(func() { busy(40 * time.Millisecond) })
	// One pause per Every of computing; a loaded machine may stretch the pauses, never add them.
	if n := Pauses() - before; n < 5 || n > int64(40*time.Millisecond/Every) {
		t.Errorf("%d pauses in 40ms of paced work, want about %d", n, 40*time.Millisecond/Every)
	}
}

// A paced computation lets a goroutine woken from outside run within about Every, where an
// unpaced one holds it back until the runtime preempts it.
func TestAWokenGoroutineRunsWhileAPacedComputationRuns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one core, as a server pinned to one
	paced, unpaced := wakeDelay(Background), wakeDelay(func(f func()) { f() })
	t.Logf("woken goroutine ran after %v beside paced work, %v beside unpaced work", paced, unpaced)
	if paced > 10*Every {
		t.Errorf("the woken goroutine ran after %v", paced)
	}
}

// wakeDelay measures how late a goroutine sleeping for 5ms runs while run runs 50ms of busy work.
func wakeDelay(run func(func())) time.Duration {
	late := make(chan time.Duration, 1)
	done := make(chan struct{})
	due := time.Now().Add(5 * time.Millisecond)
	go func() {
		time.Sleep(time.Until(due))
		late <- time.Since(due)
	}()
	go run(func() {
		defer close(done)
		busy(50 * time.Millisecond)
	})
	d := <-late
	<-done
	return d
}

func TestReaderStepsAndReadsEverything(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 10000)
	got, err := io.ReadAll(Reader(bytes.NewReader(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
}
