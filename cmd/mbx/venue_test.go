package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mbxkit/mbx/exchange"
	"github.com/mbxkit/mbx/internal/doctor"
	"github.com/mbxkit/mbx/internal/exchanges"
	"github.com/mbxkit/mbx/secret"
)

// venueVector is the first published vector of an exchange, read from its
// package's testdata (each package keeps its own format).
type venueVector struct {
	apiKey, secret, passphrase string
	method, path               string
	params                     []string // NAME=VALUE
	timeMS                     int64
	payload, signature         string
	headers                    map[string]string // headers the output must show as they are
}

func loadVenueVector(t *testing.T, name string) venueVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name, "testdata", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	pairs := func(ps [][2]string) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p[0]+"="+p[1])
		}
		return out
	}
	var v venueVector
	switch name {
	case "bybit", "okx":
		var vs []struct {
			APIKey, Secret, Passphrase, Method, Path, Timestamp string
			TimestampMs                                         int64
			Params                                              [][2]string
			WantPayload, WantSignature                          string
		}
		if err := json.Unmarshal(b, &vs); err != nil {
			t.Fatal(err)
		}
		x := vs[0]
		v = venueVector{apiKey: x.APIKey, secret: x.Secret, passphrase: x.Passphrase, method: x.Method, path: x.Path,
			params: pairs(x.Params), timeMS: x.TimestampMs, payload: x.WantPayload, signature: x.WantSignature}
		if x.Timestamp != "" {
			ts, err := time.Parse(time.RFC3339Nano, x.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			v.timeMS = ts.UnixMilli()
		}
	case "kucoin", "gate":
		var f struct {
			Vectors []struct {
				APIKey           string `json:"api_key"`
				Secret           string
				Passphrase       string
				Method, Path     string
				Params           [][2]string
				TimeMS           int64  `json:"time_ms"`
				TimeS            int64  `json:"time_s"`
				Payload          string `json:"payload"`
				Signature        string `json:"signature"`
				PassphraseHeader string `json:"passphrase_header"`
			}
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		x := f.Vectors[0]
		v = venueVector{apiKey: x.APIKey, secret: x.Secret, passphrase: x.Passphrase, method: x.Method, path: x.Path,
			params: pairs(x.Params), timeMS: x.TimeMS, payload: x.Payload, signature: x.Signature}
		if x.TimeS != 0 {
			v.timeMS = x.TimeS * 1000
		}
		if x.PassphraseHeader != "" {
			// KuCoin v2 sends HMAC(secret, passphrase), not the passphrase.
			v.headers = map[string]string{"KC-API-PASSPHRASE": x.PassphraseHeader}
		}
	default:
		t.Fatalf("no vector reader for %s", name)
	}
	if v.timeMS == 0 || v.signature == "" || v.payload == "" {
		t.Fatalf("%s: vector not read: %+v", name, v)
	}
	return v
}

// Every exchange's first published vector reproduces through `mbx sign
// --exchange NAME --json`, and neither the secret nor the passphrase (which
// OKX sends as it is in a header) appears in the output.
func TestVenueSignVectorsThroughCLI(t *testing.T) {
	for _, e := range exchanges.All() {
		if e.New == nil {
			continue // Binance: TestSignVectorsThroughCLI
		}
		t.Run(e.Name, func(t *testing.T) {
			v := loadVenueVector(t, e.Name)
			args := []string{"sign", "--exchange", e.Name, "--json", "--api-key", v.apiKey,
				"--key-file", writeFile(t, "secret", v.secret, 0o600),
				"--method", v.method, "--path", v.path, "--timestamp", strconv.FormatInt(v.timeMS, 10)}
			if v.passphrase != "" {
				args = append(args, "--api-passphrase-file", writeFile(t, "passphrase", v.passphrase+"\n", 0o600))
			}
			out, errOut, err := run(t, append(args, v.params...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			var got venueSignOutput
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			if got.Payload != v.payload || got.Signature != v.signature {
				t.Errorf("payload %q signature %q; want %q %q", got.Payload, got.Signature, v.payload, v.signature)
			}
			for h, want := range v.headers {
				if got.Headers[h] != want {
					t.Errorf("header %s = %q, want %q", h, got.Headers[h], want)
				}
			}
			if strings.Contains(out+errOut, v.secret) {
				t.Error("the secret appears in the output")
			}
			if v.passphrase != "" && strings.Contains(out+errOut, v.passphrase) {
				t.Errorf("the passphrase appears in the output:\n%s", out)
			}
			// The readable form holds neither either.
			txt, _, err := run(t, append(args[:3:3], append(args[4:], v.params...)...)...)
			if err != nil || !strings.Contains(txt, v.signature) || strings.Contains(txt, v.secret) ||
				(v.passphrase != "" && strings.Contains(txt, v.passphrase)) {
				t.Errorf("readable output (err %v):\n%s", err, txt)
			}
		})
	}
}

// Signing for another exchange without --path is refused with the fix: the
// path is signed, and Binance's default path means nothing there.
func TestVenueSignNeedsPath(t *testing.T) {
	_, _, err := run(t, "sign", "--exchange", "gate", "--api-key", "k", "--key-file", writeFile(t, "s", "secret", 0o600), "currency=USDT")
	if err == nil || !strings.Contains(err.Error(), "--path is required") || !strings.Contains(err.Error(), "/api/v4/spot/accounts") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = run(t, "sign", "--exchange", "kucoin", "--api-key", "k", "--key-file", writeFile(t, "s", "secret", 0o600), "--path", "/api/v1/accounts")
	if err == nil || !strings.Contains(err.Error(), "--api-passphrase-file") {
		t.Fatalf("kucoin without a passphrase: err = %v", err)
	}
	_, _, err = run(t, "sign", "--exchange", "kraken")
	if err == nil || !strings.Contains(err.Error(), "bybit, gate, kucoin, okx") {
		t.Fatalf("unknown exchange: err = %v", err)
	}
}

// `mbx doctor --exchange NAME` with nothing else starts that exchange's
// embedded local exchange and passes every check, as `mbx doctor` does for
// Binance.
func TestVenueDoctorEmbedded(t *testing.T) {
	for _, e := range exchanges.All() {
		if e.New == nil {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			out, errOut, err := run(t, "doctor", "--exchange", e.Name, "--json")
			if err != nil {
				t.Fatalf("%v\n%s%s", err, out, errOut)
			}
			var rep doctor.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out)
			}
			if len(rep.Results) < 4 || rep.Worst() != doctor.Pass || !strings.HasPrefix(rep.BaseURL, "http://127.0.0.1:") {
				t.Fatalf("report: %+v", rep)
			}
			if strings.Contains(out, e.TestKey.Secret.String()) || strings.Contains(out, "test-secret") || strings.Contains(out, "test-passphrase") {
				t.Errorf("the test key's secret or passphrase appears in the report:\n%s", out)
			}
		})
	}
}

// `mbx call --exchange NAME` against a running local exchange: the test
// key's balance call succeeds; a wrong secret exits non-zero with the
// exchange's signature code and its explanation. `mbx time --exchange`
// measures the same exchange's clock.
func TestVenueCallAndTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, e := range exchanges.All() {
		if e.New == nil {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			em, base, err := startVenue(ctx, e, exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{e.TestKey}}, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer em.Close()
			args := func(secretText string) []string {
				a := []string{"call", "--exchange", e.Name, "--base-url", base, "--api-key", e.TestKey.APIKey,
					"--key-file", writeFile(t, "secret", secretText, 0o600)}
				if e.NeedsPassphrase {
					a = append(a, "--api-passphrase-file", writeFile(t, "pass", string(e.TestKey.Passphrase.Expose()), 0o600))
				}
				a = append(a, e.Balance.Method, e.Balance.Path)
				for _, p := range e.Balance.Params {
					a = append(a, p.Name+"="+p.Value)
				}
				return a
			}
			good := string(e.TestKey.Secret.Expose())
			out, errOut, err := run(t, args(good)...)
			if err != nil || !strings.Contains(out, "USDT") {
				t.Fatalf("call with the test key: %v\n%s%s", err, out, errOut)
			}
			out, errOut, err = run(t, args("x"+good[1:])...)
			if err == nil {
				t.Fatalf("a wrong secret exited 0:\n%s", out)
			}
			if !strings.Contains(errOut, "exchange explains:") {
				t.Errorf("no explanation of the rejection:\n%s", errOut)
			}
			if strings.Contains(out+errOut, good[1:]) {
				t.Error("the secret appears in the output")
			}

			js, _, err := run(t, "time", "--exchange", e.Name, "--base-url", base, "--json")
			if err != nil {
				t.Fatal(err)
			}
			var r timeReport
			if err := json.Unmarshal([]byte(js), &r); err != nil || r.Base != base || r.Samples == 0 || r.BoundMs <= 0 ||
				r.OffsetMs > 1000 || r.OffsetMs < -1000 {
				t.Errorf("time report %+v (%v) from %s", r, err, js)
			}
		})
	}
}

// `mbx explain --exchange NAME` on a request signed with the secret read
// with its trailing newline (the commonest key-file mistake): the request
// is judged rejected, the mistake is named, and no secret is printed.
func TestVenueExplainNamesTheMistake(t *testing.T) {
	for _, e := range exchanges.All() {
		if e.New == nil {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			good := string(e.TestKey.Secret.Expose())
			bad := exchange.Credentials{APIKey: e.TestKey.APIKey, Secret: secret.FromString(good + "\n"), Passphrase: e.TestKey.Passphrase}
			req := e.Balance
			req.Time = time.Now()
			signed, err := e.New().Sign(req, bad)
			if err != nil {
				t.Fatal(err)
			}
			curl := "curl"
			for _, h := range signed.Headers {
				curl += " -H '" + h.Name + ": " + h.Value + "'"
			}
			curl += " '" + e.BaseURL + signed.Target() + "'"
			args := []string{"explain", "--exchange", e.Name, "--api-key", e.TestKey.APIKey, "--key-file", writeFile(t, "secret", good, 0o600)}
			if e.NeedsPassphrase {
				args = append(args, "--api-passphrase-file", writeFile(t, "pass", string(e.TestKey.Passphrase.Expose()), 0o600))
			}
			out, errOut, err := run(t, append(args, curl)...)
			if err == nil {
				t.Fatalf("explain accepted a request signed with the wrong secret:\n%s", out)
			}
			if !strings.Contains(out, "newline") {
				t.Errorf("the trailing newline is not named:\n%s%s", out, errOut)
			}
			if strings.Contains(out+errOut, good) {
				t.Error("the secret appears in the output")
			}
		})
	}
}

// A creds profile names its exchange: `mbx call --profile NAME` and `mbx
// doctor --profile NAME` go to that exchange without --exchange, with the
// profile's key, secret file and API passphrase; a profile of another
// exchange is refused with the fix.
func TestVenueProfiles(t *testing.T) {
	e, err := exchanges.Lookup("okx")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	em, base, err := startVenue(ctx, e, exchange.EmulatorConfig{Keys: []exchange.EmulatorKey{e.TestKey}}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	secretFile := writeFile(t, "okx.secret", string(e.TestKey.Secret.Expose())+"\n", 0o600)
	passFile := writeFile(t, "okx.pass", string(e.TestKey.Passphrase.Expose())+"\n", 0o600)
	credsFile := writeFile(t, "creds.yml", "profiles:\n"+
		"  myokx:\n    exchange: okx\n    api_key: "+e.TestKey.APIKey+"\n    secret_file: "+secretFile+"\n    api_passphrase: file:"+passFile+"\n    base_url: "+base+"\n"+
		"  nopass:\n    exchange: okx\n    api_key: "+e.TestKey.APIKey+"\n    secret_file: "+secretFile+"\n    base_url: "+base+"\n", 0o600)

	out, errOut, err := run(t, "call", "--creds", credsFile, "--profile", "myokx", "GET", "/api/v5/account/balance", "ccy=USDT")
	if err != nil || !strings.Contains(out, "USDT") {
		t.Fatalf("call --profile myokx: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err = run(t, "doctor", "--creds", credsFile, "--profile", "myokx", "--json")
	if err != nil {
		t.Fatalf("doctor --profile myokx: %v\n%s%s", err, out, errOut)
	}
	var rep doctor.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Worst() != doctor.Pass || rep.BaseURL != base {
		t.Fatalf("doctor report %+v (%v)", rep, err)
	}
	if strings.Contains(out+errOut, "mbx-okx-test-secret") || strings.Contains(out+errOut, "mbx-okx-test-passphrase") {
		t.Error("a secret appears in the output")
	}
	_, _, err = run(t, "call", "--creds", credsFile, "--profile", "nopass", "GET", "/api/v5/account/balance")
	if err == nil || !strings.Contains(err.Error(), "api_passphrase") {
		t.Errorf("a profile without api_passphrase: err = %v", err)
	}
	_, _, err = run(t, "call", "--exchange", "bybit", "--creds", credsFile, "--profile", "myokx", "GET", "/v5/account/wallet-balance")
	if err == nil || !strings.Contains(err.Error(), "is a okx profile") {
		t.Errorf("an okx profile with --exchange bybit: err = %v", err)
	}
}
