package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/internal/testenv"
	"github.com/mbxkit/mbx/secret"
)

// requirePackage fails (CI) or skips unless compat/js/node_modules holds
// the version of pkg that package.json pins.
func requirePackage(t *testing.T, dir, pkg string) {
	t.Helper()
	var pinned struct{ Dependencies map[string]string }
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pinned); err != nil {
		t.Fatalf("compat/js/package.json: %v", err)
	}
	var installed struct{ Version string }
	b, err = os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg), "package.json"))
	if err != nil {
		testenv.Missing(t, pkg+" is not installed in compat/js/node_modules", "cd compat/js && npm ci")
	}
	if err := json.Unmarshal(b, &installed); err != nil {
		t.Fatal(err)
	}
	if want := pinned.Dependencies[pkg]; installed.Version != want {
		testenv.Missing(t, "compat/js/node_modules holds "+pkg+" "+installed.Version+", package.json pins "+want, "cd compat/js && npm ci")
	}
}

// runScript runs a compat script and returns its steps (parseWSSteps
// checks their names and order).
func runScript(ctx context.Context, t *testing.T, node, dir, script string, want []string, env ...string) (map[string]stepLine, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = dir
	cmd.Env = nodeEnv(env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	t.Logf("node %s:\n%s%s", script, out.Bytes(), errOut.Bytes())
	return parseWSSteps(t, out.Bytes(), want), err
}

func stepData[T any](t *testing.T, steps map[string]stepLine, name string) T {
	t.Helper()
	var v T
	s, ok := steps[name]
	if !ok || !s.OK {
		t.Errorf("step %q: %+v", name, s)
		return v
	}
	if err := json.Unmarshal(s.Data, &v); err != nil {
		t.Errorf("step %q data %s: %v", name, s.Data, err)
	}
	return v
}

type ccxtOrder struct {
	ID, Symbol, Type, Side, Status string
	Price, Amount, Filled, Cost    float64
}

// TestCCXTAndUSDMConnector runs ccxt's binance and binanceusdm classes with
// default options, and the official USDⓈ-M connector, against the local
// exchange; only their URLs point at it.
func TestCCXTAndUSDMConnector(t *testing.T) {
	node := testenv.LookPath(t, "node", "apt-get install -y nodejs")
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	requirePackage(t, dir, "ccxt")
	requirePackage(t, dir, "@binance/derivatives-trading-usds-futures")

	cfg := emulator.DefaultConfig()
	keys := map[string]string{}
	for _, name := range []string{"binance", "binanceusdm", "usdm"} {
		k := apiKey(t)
		keys[name] = k
		cfg.Keys = append(cfg.Keys, emulator.KeyConfig{APIKey: k, Type: "hmac", Secret: secret.FromString(docsSecret),
			Permissions: []string{emulator.PermUserData, emulator.PermTrade, emulator.PermFutures},
			Balances:    map[string]string{"USDT": "10000", "BTC": "1"}})
	}
	srv, base := startExchange(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	ccxtSteps := []string{"loadMarkets", "fetchTicker", "fetchOrderBook", "fetchOHLCV", "fetchBalance", "createOrder limit",
		"createOrder market", "fetchOrder", "fetchOpenOrders", "fetchOrders", "fetchMyTrades", "cancelOrder"}
	for _, tt := range []struct {
		class, symbol, marketID, wantType string
		// paths the class's loadMarkets must have asked for
		loads []string
	}{
		{"binance", "BTC/USDT", "BTCUSDT", "spot", []string{"GET /api/v3/exchangeInfo", "GET /sapi/v1/margin/allPairs",
			"GET /sapi/v1/margin/isolated/allPairs", "GET /fapi/v1/exchangeInfo", "GET /dapi/v1/exchangeInfo", "GET /sapi/v1/capital/config/getall"}},
		{"binanceusdm", "BTC/USDT:USDT", "BTCUSDT", "swap", []string{"GET /fapi/v1/exchangeInfo"}},
	} {
		t.Run(tt.class, func(t *testing.T) {
			key := keys[tt.class]
			since := lastID(srv)
			steps, err := runScript(ctx, t, node, dir, "ccxt-binance.mjs", ccxtSteps,
				"MBX_BASE_URL="+base, "MBX_API_KEY="+key, "MBX_API_SECRET="+docsSecret, "MBX_CLASS="+tt.class)
			if err != nil {
				t.Errorf("node ccxt-binance.mjs: %v", err)
			}
			for _, name := range ccxtSteps {
				if !steps[name].OK {
					t.Errorf("step %q failed: %s", name, steps[name].Error)
				}
			}

			lm := stepData[struct {
				Count int
				Has   *struct{ ID, Type string }
			}](t, steps, "loadMarkets")
			if lm.Has == nil || lm.Has.ID != tt.marketID || lm.Has.Type != tt.wantType {
				t.Errorf("loadMarkets: %s", steps["loadMarkets"].Data)
			}
			tk := stepData[struct{ Last, Bid, Ask, High, Low, BaseVolume float64 }](t, steps, "fetchTicker")
			if tk.Last != 60000 || tk.High < tk.Last || tk.Low > tk.Last || tk.BaseVolume <= 0 {
				t.Errorf("fetchTicker: %s", steps["fetchTicker"].Data)
			}
			book := stepData[struct{ Bids, Asks [][2]float64 }](t, steps, "fetchOrderBook")
			if len(book.Bids) != 5 || len(book.Asks) != 5 || book.Asks[0][0] != 60000 || book.Bids[0][0] >= book.Asks[0][0] || book.Bids[1][0] >= book.Bids[0][0] {
				t.Errorf("fetchOrderBook: %s", steps["fetchOrderBook"].Data)
			}
			ohlcv := stepData[struct{ Candles [][6]float64 }](t, steps, "fetchOHLCV")
			if n := len(ohlcv.Candles); n != 10 {
				t.Errorf("fetchOHLCV: %d candles", n)
			} else {
				last := ohlcv.Candles[n-1]
				if last[4] != 60000 || last[0]-ohlcv.Candles[n-2][0] != 60000 {
					t.Errorf("fetchOHLCV: the last candle %v should close at the price, one minute after the one before", last)
				}
				for _, c := range ohlcv.Candles {
					if c[2] < c[1] || c[2] < c[4] || c[3] > c[1] || c[3] > c[4] {
						t.Errorf("candle %v: high/low do not bound open/close", c)
					}
				}
			}
			bal := stepData[struct{ USDT struct{ Free, Total float64 } }](t, steps, "fetchBalance")
			if bal.USDT.Free != 10000 {
				t.Errorf("fetchBalance: %s", steps["fetchBalance"].Data)
			}
			limit := stepData[ccxtOrder](t, steps, "createOrder limit")
			market := stepData[ccxtOrder](t, steps, "createOrder market")
			if limit.Status != "open" || limit.Price != 48000 || limit.Amount != 0.001 {
				t.Errorf("limit order: %+v", limit)
			}
			if market.Status != "closed" || market.Filled != 0.001 || market.Cost != 60 {
				t.Errorf("market order: %+v", market)
			}
			if got := stepData[ccxtOrder](t, steps, "fetchOrder"); got.ID != limit.ID || got.Status != "open" {
				t.Errorf("fetchOrder: %+v", got)
			}
			if open := stepData[struct{ IDs []string }](t, steps, "fetchOpenOrders"); strings.Join(open.IDs, ",") != limit.ID {
				t.Errorf("fetchOpenOrders: %v, want [%s]", open.IDs, limit.ID)
			}
			if all := stepData[struct{ IDs []string }](t, steps, "fetchOrders"); strings.Join(all.IDs, ",") != limit.ID+","+market.ID {
				t.Errorf("fetchOrders: %v", all.IDs)
			}
			trades := stepData[struct {
				Trades []struct {
					Order  string
					Price  float64
					Amount float64
				}
			}](t, steps, "fetchMyTrades")
			if len(trades.Trades) != 1 || trades.Trades[0].Order != market.ID || trades.Trades[0].Price != 60000 || trades.Trades[0].Amount != 0.001 {
				t.Errorf("fetchMyTrades: %s", steps["fetchMyTrades"].Data)
			}
			if c := stepData[ccxtOrder](t, steps, "cancelOrder"); c.ID != limit.ID || c.Status != "canceled" {
				t.Errorf("cancelOrder: %+v", c)
			}

			// The exchange's side: every request accepted, loadMarkets read
			// what it reads on Binance, and the ledger holds the orders.
			seen := map[string]bool{}
			for _, e := range srv.Recent() {
				if e.ID <= since {
					continue
				}
				seen[e.Method+" "+e.Path] = true
				if e.Verdict != emulator.VerdictAccepted {
					t.Errorf("#%d %s %s: %s %d %s", e.ID, e.Method, e.Path, e.Verdict, e.Code, e.Msg)
				}
			}
			for _, p := range tt.loads {
				if !seen[p] {
					t.Errorf("ccxt %s never asked for %s", tt.class, p)
				}
			}
			account, _ := srv.AccountOf(key)
			bals, err := srv.Store().Balances(context.Background(), account)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bals {
				if tt.class == "binance" && b.Asset == "BTC" && b.Free.String() != "1.001" {
					t.Errorf("ledger BTC after a 0.001 market buy: %s", b.Free)
				}
			}
		})
	}

	t.Run("usdm connector", func(t *testing.T) {
		since := lastID(srv)
		want := []string{"time", "exchangeInfo", "account", "newOrder", "queryOrder", "cancelOrder"}
		steps, err := runScript(ctx, t, node, dir, "usdm.mjs", want,
			"MBX_BASE_URL="+base, "MBX_API_KEY="+keys["usdm"], "MBX_API_SECRET="+docsSecret)
		if err != nil {
			t.Errorf("node usdm.mjs: %v", err)
		}
		info := stepData[struct{ Symbols []string }](t, steps, "exchangeInfo")
		if !strings.Contains(strings.Join(info.Symbols, ","), "BTCUSDT") {
			t.Errorf("exchangeInfo symbols %v", info.Symbols)
		}
		acct := stepData[struct{ TotalWalletBalance string }](t, steps, "account")
		if !decEq(acct.TotalWalletBalance, "10000") {
			t.Errorf("account: %s", steps["account"].Data)
		}
		placed := stepData[orderData](t, steps, "newOrder")
		got := stepData[orderData](t, steps, "queryOrder")
		canceled := stepData[orderData](t, steps, "cancelOrder")
		if placed.OrderID == 0 || placed.Status != "NEW" || got.OrderID != placed.OrderID || canceled.Status != "CANCELED" {
			t.Errorf("orders: placed %+v, queried %+v, canceled %+v", placed, got, canceled)
		}
		for _, e := range srv.Recent() {
			if e.ID > since && e.Verdict != emulator.VerdictAccepted {
				t.Errorf("#%d %s %s: %s %d %s", e.ID, e.Method, e.Path, e.Verdict, e.Code, e.Msg)
			}
		}
	})
}
