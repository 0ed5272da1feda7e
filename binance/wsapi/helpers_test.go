package wsapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/binance/wsapi"
	"github.com/mbxkit/mbx/secret"
	"github.com/mbxkit/mbx/sign"
)

const (
	docsKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	edKey      = "mbxTestEd25519Key0000000000000000000000000000000000000000000000"
	rsaKey     = "mbxTestRSAKey000000000000000000000000000000000000000000000000000"
)

// keys are one signer per key type, registered with the exchange.
type keys struct {
	hmac, rsa, ed sign.Signer
}

// One RSA key per test binary: generating it per test is slow under -race,
// and no key is committed to the repository.
var (
	rsaOnce   sync.Once
	rsaSigner *sign.RSA
	rsaErr    error
)

// loadKeys returns the test keys: the docs' HMAC secret, the RSA key
// generated once for this test binary, and an Ed25519 key from a fixed seed.
func loadKeys(t testing.TB) keys {
	t.Helper()
	var k keys
	var err error
	if k.hmac, err = sign.NewHMAC(secret.FromString(docsSecret)); err != nil {
		t.Fatal(err)
	}
	rsaOnce.Do(func() { rsaSigner, rsaErr = sign.GenerateRSA(2048) })
	if rsaErr != nil {
		t.Fatal(rsaErr)
	}
	k.rsa = rsaSigner
	if k.ed, err = sign.NewEd25519FromSeed(bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	return k
}

func balances() map[string]string {
	return map[string]string{"USDT": "100000000", "BTC": "100", "１２３": "1000000", "４５６": "100000000", "这是测试币": "1000", "456": "1000000"}
}

func keyConfig(t testing.TB, apiKey, typ string, s sign.Signer) emulator.KeyConfig {
	t.Helper()
	pub, err := sign.MarshalPublicKeyPEM(s)
	if err != nil {
		t.Fatal(err)
	}
	return emulator.KeyConfig{APIKey: apiKey, Type: typ, PublicKey: string(pub),
		Permissions: []string{emulator.PermUserData, emulator.PermTrade}, Balances: balances()}
}

// exchange starts the real local exchange on 127.0.0.1 with the HMAC docs
// key and an RSA and an Ed25519 key, and returns it with its REST base URL
// and WebSocket API URL.
func exchange(t testing.TB, mutate func(*emulator.Config)) (*emulator.Server, string, string) {
	t.Helper()
	k := loadKeys(t)
	cfg := emulator.DefaultConfig()
	cfg.Keys[0].Balances = balances()
	cfg.Keys = append(cfg.Keys, keyConfig(t, rsaKey, "rsa", k.rsa), keyConfig(t, edKey, "ed25519", k.ed))
	if mutate != nil {
		mutate(&cfg)
	}
	ctx := context.Background()
	srv, err := emulator.New(ctx, cfg, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	u, err := wsapi.URLFromREST(base)
	if err != nil {
		t.Fatal(err)
	}
	return srv, base, u
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// dial connects with one of the test keys; typ is hmac, rsa or ed25519.
func dial(t testing.TB, url, typ string, mutate func(*wsapi.Options)) *wsapi.Client {
	t.Helper()
	k := loadKeys(t)
	opt := wsapi.Options{URL: url, Logger: slog.New(slog.DiscardHandler),
		Reconnect: wsapi.ReconnectPolicy{BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		Orders:    wsapi.OrderPolicy{QueryDelay: 20 * time.Millisecond, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}}
	switch typ {
	case "hmac":
		opt.APIKey, opt.Signer = docsKey, k.hmac
	case "rsa":
		opt.APIKey, opt.Signer = rsaKey, k.rsa
	case "ed25519":
		opt.APIKey, opt.Signer = edKey, k.ed
	default:
		t.Fatalf("key type %q", typ)
	}
	if mutate != nil {
		mutate(&opt)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := wsapi.Dial(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// countOrders counts the exchange's orders of an API key's account with a
// given client order id.
func countOrders(t testing.TB, srv *emulator.Server, apiKey, symbol string) map[string]int {
	t.Helper()
	acct, ok := srv.AccountOf(apiKey)
	if !ok {
		t.Fatalf("no account for %s", apiKey)
	}
	all, err := srv.Store().AllOrders(context.Background(), acct, symbol, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, o := range all {
		out[o.ClientOrderID]++
	}
	return out
}

// A proxy is a TCP relay on 127.0.0.1 in front of the exchange that reads
// the WebSocket frames in both directions (unmasking the client's) and
// lets a test cut connections at exact points: just before a request
// reaches the exchange, or just after the exchange answered it.
type proxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	// hook sees each text message; returning cut closes both sides
	// without forwarding it.
	hook atomic.Pointer[func(toServer bool, msg frameInfo) verdict]

	mu      sync.Mutex
	conns   map[*proxyConn]bool
	methods map[string]string // request id -> method, across connections
	accepts atomic.Int64
	logons  atomic.Int64
}

type verdict int

const (
	forward verdict = iota
	cut
)

type frameInfo struct {
	ID     string
	Method string // for answers: the method of the request they answer
	Status int
	Raw    []byte
}

type proxyConn struct {
	client, server net.Conn
	once           sync.Once
}

func (pc *proxyConn) kill() {
	pc.once.Do(func() {
		pc.client.Close()
		pc.server.Close()
	})
}

func newProxy(t testing.TB, wsURL string) (*proxy, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostport := strings.TrimPrefix(wsURL, "ws://")
	hostport, path, _ := strings.Cut(hostport, "/")
	p := &proxy{t: t, ln: ln, target: hostport, conns: map[*proxyConn]bool{}, methods: map[string]string{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.killAll()
	})
	return p, "ws://" + ln.Addr().String() + "/" + path
}

func (p *proxy) setHook(h func(toServer bool, msg frameInfo) verdict) { p.hook.Store(&h) }

func (p *proxy) killAll() int {
	p.mu.Lock()
	cs := make([]*proxyConn, 0, len(p.conns))
	for pc := range p.conns {
		cs = append(cs, pc)
	}
	p.mu.Unlock()
	for _, pc := range cs {
		pc.kill()
	}
	return len(cs)
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.accepts.Add(1)
		pc := &proxyConn{client: c, server: s}
		p.mu.Lock()
		p.conns[pc] = true
		p.mu.Unlock()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); p.pump(pc, c, s, true) }()
		go func() { defer wg.Done(); p.pump(pc, s, c, false) }()
		go func() {
			wg.Wait()
			p.mu.Lock()
			delete(p.conns, pc)
			p.mu.Unlock()
		}()
	}
}

// pump relays the HTTP upgrade as is, then frame by frame.
func (p *proxy) pump(pc *proxyConn, from, to net.Conn, toServer bool) {
	defer pc.kill()
	r := bufio.NewReader(from)
	var head bytes.Buffer
	for !bytes.HasSuffix(head.Bytes(), []byte("\r\n\r\n")) {
		b, err := r.ReadByte()
		if err != nil {
			return
		}
		head.WriteByte(b)
	}
	if _, err := to.Write(head.Bytes()); err != nil {
		return
	}
	for {
		raw, opcode, text, err := readFrame(r)
		if err != nil {
			return
		}
		if opcode == 1 {
			fi := p.inspect(toServer, text)
			if h := p.hook.Load(); h != nil && (*h)(toServer, fi) == cut {
				return
			}
		}
		if _, err := to.Write(raw); err != nil {
			return
		}
	}
}

func (p *proxy) inspect(toServer bool, text []byte) frameInfo {
	var m struct {
		ID     any    `json:"id"`
		Method string `json:"method"`
		Status int    `json:"status"`
	}
	_ = json.Unmarshal(text, &m)
	fi := frameInfo{Status: m.Status, Raw: text}
	if s, ok := m.ID.(string); ok {
		fi.ID = s
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if toServer {
		fi.Method = m.Method
		p.methods[fi.ID] = m.Method
		if m.Method == "session.logon" {
			p.logons.Add(1)
		}
	} else {
		fi.Method = p.methods[fi.ID]
	}
	return fi
}

// readFrame reads one RFC 6455 frame and returns its bytes as received
// and, for a text frame, its unmasked payload.
func readFrame(r *bufio.Reader) (raw []byte, opcode byte, text []byte, err error) {
	var h [14]byte
	if _, err = io.ReadFull(r, h[:2]); err != nil {
		return
	}
	opcode = h[0] & 0x0f
	masked := h[1]&0x80 != 0
	n := uint64(h[1] & 0x7f)
	hl := 2
	switch n {
	case 126:
		if _, err = io.ReadFull(r, h[2:4]); err != nil {
			return
		}
		n, hl = uint64(binary.BigEndian.Uint16(h[2:4])), 4
	case 127:
		if _, err = io.ReadFull(r, h[2:10]); err != nil {
			return
		}
		n, hl = binary.BigEndian.Uint64(h[2:10]), 10
	}
	if n > 64<<20 {
		return nil, 0, nil, errors.New("frame too large")
	}
	var key []byte
	if masked {
		if _, err = io.ReadFull(r, h[hl:hl+4]); err != nil {
			return
		}
		key = h[hl : hl+4]
		hl += 4
	}
	raw = make([]byte, hl+int(n))
	copy(raw, h[:hl])
	if _, err = io.ReadFull(r, raw[hl:]); err != nil {
		return
	}
	if opcode == 1 {
		text = make([]byte, n)
		copy(text, raw[hl:])
		if masked {
			for i := range text {
				text[i] ^= key[i%4]
			}
		}
	}
	return raw, opcode, text, nil
}
