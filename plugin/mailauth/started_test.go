package mailauth

import (
	"testing"

	"github.com/coredns/caddy"
)

func TestServingHooksRunOnceWhenTheirInstanceServes(t *testing.T) {
	ours := &caddy.Instance{Storage: map[any]any{}}
	other := &caddy.Instance{Storage: map[any]any{}}
	h := &servingHooks{}
	ours.Storage[servingHooksKey{}] = h
	runs := 0
	h.then(func() { runs++ })
	h.then(func() { runs++ })

	for _, e := range []struct {
		event caddy.EventName
		info  any
	}{
		{caddy.InstanceRestartEvent, ours},  // a restart begins: not serving yet
		{caddy.ShutdownEvent, "SIGTERM"},    // not an instance
		{caddy.InstanceStartupEvent, other}, // another instance serves
		{caddy.InstanceStartupEvent, nil},
	} {
		if err := onInstanceServing(e.event, e.info); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 0 {
		t.Fatalf("%d hooks ran before their instance served", runs)
	}
	onInstanceServing(caddy.InstanceStartupEvent, ours)
	if runs != 2 {
		t.Fatalf("%d hooks ran when their instance served, want 2", runs)
	}
	onInstanceServing(caddy.InstanceStartupEvent, ours)
	if runs != 2 {
		t.Fatalf("hooks ran again at a second event: %d runs", runs)
	}
}

func TestInstanceServingIsSharedByTheServerBlocksOfAnInstance(t *testing.T) {
	c := caddy.NewTestController("dns", "mailauth mail.yaml")
	if a, b := instanceServing(c), instanceServing(c); a != b {
		t.Fatal("two server blocks of one instance got different hooks")
	}
	if instanceServing(c) == instanceServing(caddy.NewTestController("dns", "mailauth mail.yaml")) {
		t.Fatal("two instances share hooks")
	}
}
