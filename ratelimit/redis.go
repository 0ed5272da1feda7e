package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// reserveLua checks the host's block and every window, and charges all of
// them only if all have room: one round trip, atomic because Redis runs a
// script without interleaving other commands.
//
//	KEYS[1]    block hash of the host (fields limited, banned: ms since epoch)
//	KEYS[2..]  window counters
//	ARGV[1]    now, ms
//	ARGV[...]  per window: amount, max, ttl ms, wait ms (until it stops counting)
//
// Returns {0} when charged, {1, until_ms, banned} while blocked,
// {2, wait_ms} when a window is short.
const reserveLua = `
local now = tonumber(ARGV[1])
local b = redis.call('HMGET', KEYS[1], 'limited', 'banned')
local limited = tonumber(b[1] or '0') or 0
local banned = tonumber(b[2] or '0') or 0
if banned > now then
  return {1, math.max(banned, limited), 1}
end
if limited > now then
  return {1, limited, 0}
end
local wait = 0
for i = 2, #KEYS do
  local a = 2 + (i - 2) * 4
  local used = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  if used + tonumber(ARGV[a]) > tonumber(ARGV[a + 1]) then
    wait = math.max(wait, tonumber(ARGV[a + 3]))
  end
end
if wait > 0 then
  return {2, wait}
end
for i = 2, #KEYS do
  local a = 2 + (i - 2) * 4
  redis.call('INCRBY', KEYS[i], ARGV[a])
  redis.call('PEXPIRE', KEYS[i], ARGV[a + 2])
end
return {0}
`

// reconcileLua raises a window counter to the server's count, never lowers it.
//
//	KEYS[1] window counter; ARGV[1] used; ARGV[2] ttl ms
const reconcileLua = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0
`

// blockLua extends (never shortens) a host's 429 block or 418 ban.
//
//	KEYS[1] block hash; ARGV[1] field (limited|banned); ARGV[2] until ms; ARGV[3] ttl ms
const blockLua = `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') or 0
if tonumber(ARGV[2]) > cur then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 0
`

// RedisOptions configures NewRedis.
type RedisOptions struct {
	// Prefix starts every key (default "mbx:rl"); give each fleet that must
	// not share budgets its own.
	Prefix string
	// Fallback counts locally while Redis is unreachable (default NewMemory()).
	Fallback Backend
	// LocalShare scales every Max while the fallback is in use (default
	// 0.25): the other processes of the fleet are still sending, so one
	// process alone may use only its share.
	LocalShare float64
	// RetryInterval is how long to stay on the fallback after a failure
	// before trying Redis again (default 1s), so that an outage does not
	// add a network timeout to every request.
	RetryInterval time.Duration
	// Logger gets one warning per outage (default slog.Default()).
	Logger *slog.Logger
}

// Redis is a Backend shared through Redis by every process that uses the
// same server and Prefix. Keys of one host carry the host as a hash tag, so
// it works on Redis Cluster too.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	fb      Backend
	share   float64
	retry   time.Duration
	log     *slog.Logger
	reserve *redis.Script
	recon   *redis.Script
	block   *redis.Script

	down      atomic.Bool // fast path: no lock while Redis is healthy
	mu        sync.Mutex
	nextProbe time.Time
	keys      keyCache
}

// NewRedis returns a Backend on client. The scripts are sent with EVALSHA,
// so after the first use (which loads them with EVAL) every reservation is
// one round trip.
func NewRedis(client redis.UniversalClient, opt RedisOptions) *Redis {
	r := &Redis{
		client:  client,
		prefix:  opt.Prefix,
		fb:      opt.Fallback,
		share:   opt.LocalShare,
		retry:   opt.RetryInterval,
		log:     opt.Logger,
		reserve: redis.NewScript(reserveLua),
		recon:   redis.NewScript(reconcileLua),
		block:   redis.NewScript(blockLua),
	}
	if r.prefix == "" {
		r.prefix = "mbx:rl"
	}
	if r.fb == nil {
		r.fb = NewMemory()
	}
	if r.share <= 0 || r.share > 1 {
		r.share = 0.25
	}
	if r.retry <= 0 {
		r.retry = time.Second
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

func (r *Redis) windowKey(s slot) string {
	return r.prefix + ":" + s.id + ":" + strconv.FormatInt(s.start, 10)
}

func (r *Redis) blockKey(host string) string { return r.prefix + ":{" + host + "}:block" }

// usable says whether to try Redis now: always while healthy; during an
// outage, once per RetryInterval.
func (r *Redis) usable() bool {
	if !r.down.Load() {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Now().Before(r.nextProbe) {
		return false
	}
	r.nextProbe = time.Now().Add(r.retry)
	return true
}

// failed records an unreachable Redis; it warns once per outage.
func (r *Redis) failed(ctx context.Context, op string, err error) {
	r.mu.Lock()
	r.nextProbe = time.Now().Add(r.retry)
	r.mu.Unlock()
	if r.down.CompareAndSwap(false, true) {
		r.log.WarnContext(ctx, "ratelimit: Redis unreachable; counting locally with a share of each limit until it is back",
			"op", op, "share", r.share, "err", err)
	}
}

func (r *Redis) succeeded(ctx context.Context) {
	if r.down.Load() && r.down.CompareAndSwap(true, false) {
		r.log.InfoContext(ctx, "ratelimit: Redis reachable again; sharing budgets with the fleet")
	}
}

// callerGone tells a cancelled caller apart from a Redis failure: only the
// latter switches to the fallback.
func callerGone(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

func (r *Redis) scaled(limits []Limit) []Limit {
	out := make([]Limit, len(limits))
	for i, l := range limits {
		l.Max = max(1, int(float64(l.Max)*r.share))
		out[i] = l
	}
	return out
}

// Reserve implements Backend.
func (r *Redis) Reserve(ctx context.Context, c Cost, limits []Limit, now time.Time) (time.Duration, time.Time, error) {
	// A block recorded locally (for example while Redis was down) holds
	// even if Redis never heard of it.
	if until, _, err := r.fb.Blocked(ctx, c.Host, now); err == nil && !until.IsZero() {
		return 0, until, nil
	}
	var buf [8]slot
	slots, err := reservePlan(buf[:0], c, limits, now, &r.keys)
	if err != nil {
		return 0, time.Time{}, err
	}
	if !r.usable() {
		return r.fb.Reserve(ctx, c, r.scaled(limits), now)
	}
	keys := make([]string, 1, 1+len(slots))
	keys[0] = r.blockKey(c.Host)
	args := make([]any, 1, 1+4*len(slots))
	args[0] = now.UnixMilli()
	for _, s := range slots {
		keys = append(keys, r.windowKey(s))
		args = append(args, s.amount, s.limit.Max, s.ttl, s.wait)
	}
	res, err := r.reserve.Run(ctx, r.client, keys, args...).Int64Slice()
	if err != nil {
		if callerGone(ctx, err) {
			return 0, time.Time{}, fmt.Errorf("ratelimit: reserving on Redis for %s: %w", c.Host, err)
		}
		r.failed(ctx, "reserve", err)
		return r.fb.Reserve(ctx, c, r.scaled(limits), now)
	}
	r.succeeded(ctx)
	switch {
	case len(res) >= 1 && res[0] == 0:
		return 0, time.Time{}, nil
	case len(res) >= 2 && res[0] == 1:
		return 0, time.UnixMilli(res[1]), nil
	case len(res) >= 2 && res[0] == 2:
		return time.Duration(res[1]) * time.Millisecond, time.Time{}, nil
	}
	return 0, time.Time{}, fmt.Errorf("ratelimit: unexpected reply %v from the reserve script", res)
}

// Reconcile implements Backend.
func (r *Redis) Reconcile(ctx context.Context, c Cost, l Limit, used int, now time.Time) error {
	s, err := currentSlot(c, l, now, &r.keys)
	if err != nil {
		return err
	}
	// The fallback learns the server's count too, so that an outage starts
	// from it rather than from zero.
	_ = r.fb.Reconcile(ctx, c, l, used, now)
	if !r.usable() {
		return nil
	}
	if err := r.recon.Run(ctx, r.client, []string{r.windowKey(s)}, used, s.ttl).Err(); err != nil {
		if callerGone(ctx, err) {
			return fmt.Errorf("ratelimit: reconciling %s on Redis for %s: %w", l, c.Host, err)
		}
		r.failed(ctx, "reconcile", err)
		return nil
	}
	r.succeeded(ctx)
	return nil
}

// Block implements Backend. The block is recorded locally as well, so it
// holds in this process even if Redis cannot be reached.
func (r *Redis) Block(ctx context.Context, host string, until time.Time, banned bool) error {
	if err := r.fb.Block(ctx, host, until, banned); err != nil {
		return err
	}
	if !r.usable() {
		return nil
	}
	field := "limited"
	if banned {
		field = "banned"
	}
	// The key outlives the block by a day; it is measured on the wall clock
	// because Redis expires keys by its own clock, not by the caller's.
	ttl := max(time.Until(until), 0) + 24*time.Hour
	err := r.block.Run(ctx, r.client, []string{r.blockKey(host)}, field, until.UnixMilli(), ttl.Milliseconds()).Err()
	if err != nil {
		if callerGone(ctx, err) {
			return fmt.Errorf("ratelimit: recording the block of %s on Redis: %w", host, err)
		}
		r.failed(ctx, "block", err)
		return nil
	}
	r.succeeded(ctx)
	return nil
}

// Blocked implements Backend; it merges the local and the shared block.
func (r *Redis) Blocked(ctx context.Context, host string, now time.Time) (time.Time, bool, error) {
	until, banned, err := r.fb.Blocked(ctx, host, now)
	if err != nil || !r.usable() {
		return until, banned, err
	}
	vals, err := r.client.HMGet(ctx, r.blockKey(host), "limited", "banned").Result()
	if err != nil {
		if callerGone(ctx, err) {
			return until, banned, fmt.Errorf("ratelimit: reading the block of %s from Redis: %w", host, err)
		}
		r.failed(ctx, "blocked", err)
		return until, banned, nil
	}
	r.succeeded(ctx)
	var hb hostBlock
	if ms, ok := redisInt(vals[0]); ok {
		hb.limited = time.UnixMilli(ms)
	}
	if ms, ok := redisInt(vals[1]); ok {
		hb.banned = time.UnixMilli(ms)
	}
	ru, rb := hb.at(now)
	return later(until, ru), banned || rb, nil
}

func redisInt(v any) (int64, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// Used implements Backend.
func (r *Redis) Used(ctx context.Context, c Cost, limits []Limit, now time.Time) ([]int, error) {
	if !r.usable() {
		return r.fb.Used(ctx, c, limits, now)
	}
	out := make([]int, len(limits))
	var keys []string
	var idx []int
	for i, l := range limits {
		if _, ok := amountFor(c, l); !ok {
			continue
		}
		s, err := currentSlot(c, l, now, &r.keys)
		if err != nil {
			return nil, err
		}
		keys = append(keys, r.windowKey(s))
		idx = append(idx, i)
	}
	if len(keys) == 0 {
		return out, nil
	}
	vals, err := r.client.MGet(ctx, keys...).Result()
	if err != nil {
		if callerGone(ctx, err) {
			return nil, fmt.Errorf("ratelimit: reading usage from Redis for %s: %w", c.Host, err)
		}
		r.failed(ctx, "used", err)
		return r.fb.Used(ctx, c, limits, now)
	}
	r.succeeded(ctx)
	for j, v := range vals {
		if n, ok := redisInt(v); ok {
			out[idx[j]] = int(n)
		}
	}
	return out, nil
}
