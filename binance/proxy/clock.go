package proxy

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/clock"
)

// famClock is the upstream's clock for one product family, synced on its
// time endpoint in the background.
type famClock struct {
	ck        *clock.Clock
	once      sync.Once
	ready     chan struct{} // closed after the first sync attempt
	resyncing atomic.Bool
}

// clockFor returns the family's clock, starting its sync on first use.
func (p *Proxy) clockFor(f binance.Family) *famClock {
	p.cmu.Lock()
	fc := p.clocks[f]
	if fc == nil {
		src := &binance.TimeSource{
			Client:  &http.Client{Transport: &governed{p: p}, Timeout: 10 * time.Second},
			BaseURL: p.Upstream(), Path: f.TimePath(),
		}
		fc = &famClock{ready: make(chan struct{}),
			ck: clock.New(src, clock.Options{Samples: p.samples, ResyncEvery: p.resync, Now: p.now, Logger: p.log})}
		p.clocks[f] = fc
	}
	p.cmu.Unlock()
	fc.once.Do(func() { p.goClock(f, fc) })
	return fc
}

// goClock syncs fc once, then keeps it fresh until Close.
func (p *Proxy) goClock(f binance.Family, fc *famClock) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		close(fc.ready)
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		est, err := fc.ck.Sync(ctx)
		cancel()
		if err != nil {
			p.log.Warn("proxy: syncing with the upstream's clock failed; timestamps are not judged locally until it succeeds",
				"family", string(f), "err", err)
		} else {
			p.log.Info("proxy: synced with the upstream's clock", "family", string(f), "clock", est)
			p.govTime.CompareAndSwap(nil, fc.ck)
		}
		close(fc.ready)
		_ = fc.ck.Run(p.ctx) // Run retries a failed first sync with backoff
	}()
}

// estimate waits up to ClockWait for the family's first sync and returns
// the estimate, with Synced false when there is none.
func (p *Proxy) estimate(ctx context.Context, f binance.Family) (clock.Estimate, *famClock) {
	fc := p.clockFor(f)
	t := time.NewTimer(p.clockWait)
	defer t.Stop()
	select {
	case <-fc.ready:
	case <-t.C:
	case <-ctx.Done():
	}
	est := fc.ck.Estimate()
	if est.Synced {
		p.govTime.CompareAndSwap(nil, fc.ck)
	}
	return est, fc
}

// onUpstreamTimestampError resyncs after the upstream answered -1021 to a
// request the proxy judged in time: the estimate may have drifted.
func (p *Proxy) onUpstreamTimestampError(fc *famClock) {
	if fc == nil || !fc.resyncing.CompareAndSwap(false, true) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		fc.resyncing.Store(false)
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer fc.resyncing.Store(false)
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer cancel()
		_, _ = fc.ck.OnTimestampError(ctx)
	}()
}

// governed sends the clock's time requests through the weight governor, so
// that a sync never goes out while the upstream has the host blocked.
type governed struct{ p *Proxy }

func (g *governed) RoundTrip(req *http.Request) (*http.Response, error) {
	p := g.p
	cost := p.gov.Cost(p.upBase, req.Method, req.URL.Path, nil)
	if err := p.gov.Wait(req.Context(), cost); err != nil {
		return nil, err
	}
	resp, err := p.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, clock.MaxBodyBytes+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if oerr := p.gov.ObserveBody(req.Context(), cost, resp.StatusCode, resp.Header, body); oerr != nil {
		p.log.Debug("proxy: rate-limit headers of the time endpoint", "err", oerr)
	}
	if rerr != nil {
		return nil, rerr
	}
	return resp, nil
}
