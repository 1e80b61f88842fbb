package mailauth

import (
	"sync"

	"github.com/coredns/caddy"
)

// servingHooks holds what the mailauth instances of one CoreDNS instance start once that instance
// serves: the policy watchers and the first NOTIFYs.
//
// CoreDNS runs its plugins' OnStartup before it listens. When a reload's new instance then fails to
// listen (a port in use), CoreDNS keeps the old instance and drops the new one without calling its
// OnShutdown, so anything started in OnStartup would run on, unstopped, for every failed reload.
// caddy announces an instance that serves with InstanceStartupEvent, after the old one has stopped.
type servingHooks struct {
	mu    sync.Mutex
	funcs []func()
}

// servingHooksKey is where a CoreDNS instance's servingHooks are kept in its storage.
type servingHooksKey struct{}

// instanceServing returns the servingHooks of the CoreDNS instance c sets up.
func instanceServing(c *caddy.Controller) *servingHooks {
	if h, ok := c.Get(servingHooksKey{}).(*servingHooks); ok {
		return h
	}
	h := &servingHooks{}
	c.Set(servingHooksKey{}, h)
	return h
}

// then has fn run once the instance serves.
func (h *servingHooks) then(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.funcs = append(h.funcs, fn)
}

// run runs, once, what waits for the instance to serve.
func (h *servingHooks) run() {
	h.mu.Lock()
	funcs := h.funcs
	h.funcs = nil
	h.mu.Unlock()
	for _, fn := range funcs {
		fn()
	}
}

// onInstanceServing is the caddy event hook that runs an instance's servingHooks when it serves.
func onInstanceServing(event caddy.EventName, info any) error {
	inst, ok := info.(*caddy.Instance)
	if event != caddy.InstanceStartupEvent || !ok {
		return nil
	}
	inst.StorageMu.RLock()
	h, _ := inst.Storage[servingHooksKey{}].(*servingHooks)
	inst.StorageMu.RUnlock()
	if h != nil {
		h.run()
	}
	return nil
}
