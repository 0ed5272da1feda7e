package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/mbxkit/mbx/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// startRedis starts a real redis-server on 127.0.0.1 (see internal/redistest).
func startRedis(t testing.TB) *redistest.Server { return redistest.Start(t) }

// countHook counts commands sent (each Process call is one round trip;
// pipelines would count as one too).
type countHook struct {
	mu   sync.Mutex
	cmds []string
}

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.mu.Lock()
		h.cmds = append(h.cmds, cmd.Name())
		h.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.mu.Lock()
		h.cmds = append(h.cmds, fmt.Sprintf("pipeline(%d)", len(cmds)))
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (h *countHook) reset() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.cmds
	h.cmds = nil
	return c
}
