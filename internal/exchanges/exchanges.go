// Package exchanges is the registry of the exchanges mbx speaks: adding an
// exchange means adding its folder and one entry here. The CLI reads it for
// --exchange on sign, explain, doctor, call, time and serve.
//
// Binance is listed by name only: its richer tools (typed client, WebSocket
// API, catalogue, proxy) are wired into the CLI directly.
package exchanges

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/mbxkit/mbx/bybit"
	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/gate"
	"github.com/mbxkit/mbx/kucoin"
	"github.com/mbxkit/mbx/okx"
	"github.com/mbxkit/mbx/secret"
)

// Binance is the default exchange's name.
const Binance = "binance"

// Entry is one registered exchange.
type Entry struct {
	Name  string
	Title string
	// New returns the exchange's rules and tools (nil for Binance).
	New func() exchange.Exchange
	// BaseURL is the production REST base URL.
	BaseURL string
	// NeedsPassphrase is true where every key has an API passphrase.
	NeedsPassphrase bool
	// APIKeyHeader is the header that carries the API key (for explain to
	// find the key a pasted request was sent with).
	APIKeyHeader string
	// Balance is a signed, read-only request that proves a round trip
	// (wallet balance), used by doctor.
	Balance exchange.Request
	// Envelope reads the exchange's response envelope: nil when the call
	// succeeded, else the exchange's code and message.
	Envelope func(status int, body []byte) error
	// TestKey is the local exchange's documented public test key, accepted
	// when `mbx serve --exchange NAME` runs without --config.
	TestKey exchange.EmulatorKey
}

// All lists the registered exchanges, Binance first.
func All() []Entry {
	return []Entry{
		{Name: Binance, Title: "Binance", BaseURL: "https://api.binance.com", APIKeyHeader: "X-MBX-APIKEY"},
		{
			Name: "bybit", APIKeyHeader: "X-BAPI-API-KEY", Title: "Bybit", New: func() exchange.Exchange { return bybit.New() }, BaseURL: "https://api.bybit.com",
			Balance:  exchange.Request{Method: "GET", Path: "/v5/account/wallet-balance", Params: []exchange.Param{{Name: "accountType", Value: "UNIFIED"}}},
			Envelope: codeEnvelope("retCode", "retMsg", "0"),
			TestKey:  testKey("bybit", false),
		},
		{
			Name: "okx", APIKeyHeader: "OK-ACCESS-KEY", Title: "OKX", New: func() exchange.Exchange { return okx.New() }, BaseURL: "https://www.okx.com", NeedsPassphrase: true,
			Balance:  exchange.Request{Method: "GET", Path: "/api/v5/account/balance"},
			Envelope: codeEnvelope("code", "msg", "0"),
			TestKey:  testKey("okx", true),
		},
		{
			Name: "kucoin", APIKeyHeader: "KC-API-KEY", Title: "KuCoin", New: func() exchange.Exchange { return kucoin.New() }, BaseURL: "https://api.kucoin.com", NeedsPassphrase: true,
			Balance:  exchange.Request{Method: "GET", Path: "/api/v1/accounts"},
			Envelope: codeEnvelope("code", "msg", "200000"),
			TestKey:  testKey("kucoin", true),
		},
		{
			Name: "gate", APIKeyHeader: "KEY", Title: "Gate.io", New: func() exchange.Exchange { return gate.New() }, BaseURL: "https://api.gateio.ws",
			Balance:  exchange.Request{Method: "GET", Path: "/api/v4/spot/accounts"},
			Envelope: statusEnvelope("label", "message"),
			TestKey:  testKey("gate", false),
		},
	}
}

// Names lists the registered exchanges' names, sorted.
func Names() []string {
	var out []string
	for _, e := range All() {
		out = append(out, e.Name)
	}
	sort.Strings(out)
	return out
}

// Lookup finds an exchange by name (case-insensitive); an unknown name is an
// error listing the known ones.
func Lookup(name string) (Entry, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		n = Binance
	}
	for _, e := range All() {
		if e.Name == n {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("--exchange %q: unknown exchange; use one of %s", name, strings.Join(Names(), ", "))
}

// testKey is the shape of every local exchange's public test key: public by
// design (documented in the README), like the Binance docs' example key.
func testKey(name string, passphrase bool) exchange.EmulatorKey {
	k := exchange.EmulatorKey{
		APIKey:   "mbx-" + name + "-test-key",
		Secret:   secret.FromString("mbx-" + name + "-test-secret"),
		Balances: map[string]string{"USDT": "100000", "BTC": "10", "ETH": "100"},
	}
	if passphrase {
		k.Passphrase = secret.FromString("mbx-" + name + "-test-passphrase")
	}
	return k
}

// EnvelopeError is an exchange's answer that is not a success.
type EnvelopeError struct {
	Status  int
	Code    string
	Message string
}

func (e *EnvelopeError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("HTTP %d, code %s: %s", e.Status, e.Code, e.Message)
}

// codeEnvelope reads envelopes of the form {"<codeField>": X, "<msgField>":
// "..."} where success is code == ok.
func codeEnvelope(codeField, msgField, ok string) func(int, []byte) error {
	return func(status int, body []byte) error {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			if status/100 == 2 {
				return &EnvelopeError{Status: status, Message: "the response is not JSON"}
			}
			return &EnvelopeError{Status: status, Message: snippet(body)}
		}
		code := strings.Trim(string(m[codeField]), `"`)
		var msg string
		_ = json.Unmarshal(m[msgField], &msg)
		if status/100 == 2 && code == ok {
			return nil
		}
		return &EnvelopeError{Status: status, Code: code, Message: msg}
	}
}

// statusEnvelope reads exchanges that answer errors with an HTTP status and
// {"<labelField>": "...", "<msgField>": "..."}.
func statusEnvelope(labelField, msgField string) func(int, []byte) error {
	return func(status int, body []byte) error {
		if status/100 == 2 {
			return nil
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		label, _ := m[labelField].(string)
		msg, _ := m[msgField].(string)
		if msg == "" {
			msg = snippet(body)
		}
		return &EnvelopeError{Status: status, Code: label, Message: msg}
	}
}

func snippet(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
