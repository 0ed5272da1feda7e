package wsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Call states: a call is written by the connection's writer only if it
// moves it from queued to sending, and abandoned (never to be written) only
// if its caller or the connection's teardown moves it from queued to
// abandoned. One compare-and-swap decides, so "not sent" is never wrong.
const (
	stateQueued int32 = iota
	stateSending
	stateAbandoned
)

// call is one request in flight.
type call struct {
	id     uint64
	method string
	frame  []byte
	state  atomic.Int32
	seq    atomic.Uint64 // send order on its connection, from 1; 0 until sent
	done   chan result   // buffered 1; written once, by whoever unregisters the call
}

type result struct {
	resp *response
	err  error // a *TransportError-to-be: errNotSent or why the connection died
}

// conn is one WebSocket connection and what lives and dies with it: the
// calls waiting for an answer and the session logon.
type conn struct {
	ws    *websocket.Conn
	gen   uint64 // which connection of the client this is (1, 2, ...)
	log   *slog.Logger
	sendq chan *call
	dead  chan struct{} // closed once the reader has failed every pending call

	mu      sync.Mutex
	pending map[uint64]*call
	closed  bool
	err     error // why it died

	closeOnce sync.Once

	loggedOn atomic.Bool
	logonMu  sync.Mutex // one session.logon at a time

	sent atomic.Uint64 // requests written, for call.seq
}

func newConn(ws *websocket.Conn, gen uint64, log *slog.Logger) *conn {
	return &conn{ws: ws, gen: gen, log: log, sendq: make(chan *call, 256),
		dead: make(chan struct{}), pending: make(map[uint64]*call)}
}

// register adds a call; false if the connection is already gone.
func (c *conn) register(cl *call) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.pending[cl.id] = cl
	return true
}

// take removes and returns a pending call; nil if someone else took it.
func (c *conn) take(id uint64) *call {
	c.mu.Lock()
	cl := c.pending[id]
	if cl != nil {
		delete(c.pending, id)
	}
	c.mu.Unlock()
	return cl
}

// takeOldestSent removes and returns the pending call sent first: the one
// an answer without an id (a session revocation) is about, when the server
// answers in order.
func (c *conn) takeOldestSent() *call {
	c.mu.Lock()
	defer c.mu.Unlock()
	var oldest *call
	for _, cl := range c.pending {
		if s := cl.seq.Load(); s != 0 && (oldest == nil || s < oldest.seq.Load()) {
			oldest = cl
		}
	}
	if oldest != nil {
		delete(c.pending, oldest.id)
	}
	return oldest
}

// shutdown closes the socket (once) and remembers why.
func (c *conn) shutdown(err error) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
		_ = c.ws.CloseNow()
	})
}

// closeGracefully sends a close frame, then tears down.
func (c *conn) closeGracefully(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		_ = c.ws.Close(websocket.StatusNormalClosure, "")
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	c.shutdown(err)
}

func (c *conn) why() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// failAll ends every pending call once the connection is gone: calls that
// were written (or being written) get the connection's error, the others
// errNotSent.
func (c *conn) failAll() {
	c.mu.Lock()
	c.closed = true
	calls := c.pending
	c.pending = nil
	err := c.err
	c.mu.Unlock()
	for _, cl := range calls {
		if cl.state.CompareAndSwap(stateQueued, stateAbandoned) {
			cl.done <- result{err: errNotSent}
			continue
		}
		cl.done <- result{err: err}
	}
}

// writer sends queued calls in order until the connection dies. Writes use
// no deadline of their own: a stalled socket is caught by the heartbeat,
// which tears the connection down and so unblocks the write.
func (c *conn) writer() {
	for {
		select {
		case <-c.dead:
			return
		case cl := <-c.sendq:
			if !cl.state.CompareAndSwap(stateQueued, stateSending) {
				continue // its caller gave up before it was sent
			}
			cl.seq.Store(c.sent.Add(1))
			if err := c.ws.Write(context.Background(), websocket.MessageText, cl.frame); err != nil {
				c.shutdown(err)
				return
			}
		}
	}
}

// reader dispatches answers to their calls until the connection fails,
// then fails the rest and marks the connection dead.
func (c *conn) reader(dispatch func(*conn, *response, []byte)) {
	var buf bytes.Buffer
	for {
		_, r, err := c.ws.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			c.shutdown(readError(err))
			c.failAll()
			close(c.dead)
			return
		}
		var resp response
		if err := json.Unmarshal(buf.Bytes(), &resp); err != nil {
			c.log.Warn("wsapi: unreadable message from the server, ignored", slog.Uint64("conn", c.gen),
				slog.Int("bytes", buf.Len()), slog.String("error", err.Error()))
			continue
		}
		dispatch(c, &resp, buf.Bytes())
	}
}

// readError names a server close plainly.
func readError(err error) error {
	if s := websocket.CloseStatus(err); s != -1 {
		return errors.Join(errors.New("the server closed the connection ("+s.String()+")"), err)
	}
	if errors.Is(err, io.EOF) {
		return errors.Join(errors.New("the connection was closed"), err)
	}
	return err
}

// heartbeat pings the server so that a half-open connection (no FIN, no
// RST: a dead NAT or a pulled cable) is noticed and replaced.
func (c *conn) heartbeat(every, timeout time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.dead:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				select {
				case <-c.dead:
					return
				default:
				}
				c.log.Warn("wsapi: ping unanswered, dropping the connection", slog.Uint64("conn", c.gen), slog.String("error", err.Error()))
				c.shutdown(errors.Join(errors.New("ping unanswered"), err))
				return
			}
		}
	}
}
