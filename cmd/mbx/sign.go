package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/mbxkit/mbx/binance/payload"
	"github.com/mbxkit/mbx/params"
	"github.com/spf13/cobra"
)

type signOpts struct {
	key         keyFlags
	ws          bool
	apiKey      string
	jsonOut     bool
	method      string
	path        string
	baseURL     string
	bodyParams  []string
	wsMethod    string
	micro       bool
	venue       venueFlags
	timestampMS string
	baseURLSet  bool
	pathSet     bool
}

// signOutput is the --json shape of `mbx sign`.
type signOutput struct {
	Kind        string            `json:"kind"` // rest or ws
	KeyType     string            `json:"key_type"`
	Method      string            `json:"method,omitempty"`
	Payload     string            `json:"payload"`
	Signature   string            `json:"signature"`
	Query       string            `json:"query"`
	Body        string            `json:"body"`
	SignatureIn string            `json:"signature_in,omitempty"`
	Timestamp   int64             `json:"timestamp"`
	URL         string            `json:"url,omitempty"`
	Curl        string            `json:"curl,omitempty"`
	Params      map[string]string `json:"params,omitempty"`  // ws: the request's params object
	Request     json.RawMessage   `json:"request,omitempty"` // ws: the whole request frame
}

func newSignCmd(s streams) *cobra.Command {
	var o signOpts
	cmd := &cobra.Command{
		Use:   "sign --key-file FILE [--ws] [--api-key KEY] [--json] NAME=VALUE...",
		Short: "Sign parameters exactly as they will be sent",
		Long: `Sign the given parameters, in the order given, with raw (unencoded) values.

REST (default): values are percent-encoded once (RFC 3986), the payload is the
query string followed by the body with no separator, and the signature goes
last in the part that carries timestamp. --body NAME moves a parameter into a
form body (POST/PUT only).

WebSocket API (--ws): apiKey is added, parameters are sorted by name and the
values stay raw UTF-8.

If no timestamp is given, the current time is added. The secret is never printed.`,
		Example: `  mbx sign --key-file secret.txt symbol=BTCUSDT side=BUY type=LIMIT timeInForce=GTC quantity=1 price=0.1 recvWindow=5000
  mbx sign --key-file ed25519.pem --api-key KEY --method POST --path /api/v3/order symbol=这是测试币456 side=BUY type=MARKET quantity=1
  mbx sign --ws --api-key KEY --key-file secret.txt --json symbol=BTCUSDT side=SELL type=LIMIT timeInForce=GTC quantity=0.01 price=52000
  mbx sign --exchange okx --api-key KEY --key-file secret.txt --api-passphrase-file pass.txt --path /api/v5/account/balance ccy=BTC`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.baseURLSet = cmd.Flags().Changed("base-url")
			o.pathSet = cmd.Flags().Changed("path")
			if e, other, err := o.venue.entry(); err != nil {
				return err
			} else if other {
				return runVenueSign(s, e, o.venue, o, args)
			}
			if o.timestampMS != "" {
				ps, err := parseArgs(args)
				if err != nil {
					return err
				}
				for _, p := range ps {
					if p.Name == "timestamp" {
						return fmt.Errorf("--timestamp and a timestamp=%s parameter: give one", p.Value)
					}
				}
				args = append(args, "timestamp="+o.timestampMS)
			}
			return runSign(s, o, args)
		},
	}
	f := cmd.Flags()
	o.key.register(f)
	f.BoolVar(&o.ws, "ws", false, "build a WebSocket API payload (sorted, raw values, apiKey included)")
	f.StringVar(&o.apiKey, "api-key", "", "API key (required with --ws; adds a curl line for REST)")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object")
	f.StringVar(&o.method, "method", "GET", "REST method: GET, POST, PUT or DELETE")
	f.StringVar(&o.path, "path", "/api/v3/order", "REST path, for the printed URL and curl line")
	f.StringVar(&o.baseURL, "base-url", "https://api.binance.com", "REST base URL, for the printed URL and curl line")
	f.StringSliceVar(&o.bodyParams, "body", nil, "parameter NAME to send in the form body instead of the query (repeatable; POST/PUT)")
	f.StringVar(&o.wsMethod, "ws-method", "order.place", "WebSocket API method for the printed request frame")
	f.BoolVar(&o.micro, "micro", false, "add the timestamp in microseconds")
	o.venue.register(f)
	f.StringVar(&o.timestampMS, "timestamp", "", "the timestamp to sign, in milliseconds since 1970 (default now; converted to the exchange's unit)")
	return cmd
}

func parseArgs(args []string) ([]params.Param, error) {
	out := make([]params.Param, 0, len(args))
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("argument %q: want NAME=VALUE (for example symbol=BTCUSDT)", a)
		}
		out = append(out, params.Param{Name: name, Value: value})
	}
	return out, nil
}

func runSign(s streams, o signOpts, args []string) error {
	ps, err := parseArgs(args)
	if err != nil {
		return err
	}
	signer, err := o.key.load(s)
	if err != nil {
		return err
	}
	opt := payload.Options{Microseconds: o.micro}
	var out signOutput
	out.KeyType = signer.Algorithm().String()
	if o.ws {
		if o.apiKey == "" {
			return fmt.Errorf("--ws needs --api-key: the WebSocket API signs apiKey as one of the parameters")
		}
		var w payload.WS
		for _, p := range ps {
			w.Params.AddString(p.Name, p.Value)
		}
		signed, err := w.Sign(signer, o.apiKey, opt)
		if err != nil {
			return err
		}
		out.Kind, out.Payload, out.Signature, out.Timestamp = "ws", signed.Payload, signed.Signature, signed.Timestamp
		out.Params = signed.Map()
		frame, err := wsFrame(o.wsMethod, signed)
		if err != nil {
			return err
		}
		out.Request = frame
	} else {
		r := payload.REST{Method: strings.ToUpper(o.method)}
		inBody := map[string]bool{}
		for _, n := range o.bodyParams {
			inBody[n] = true
		}
		for _, p := range ps {
			if inBody[p.Name] {
				r.Body.AddString(p.Name, p.Value)
			} else {
				r.Query.AddString(p.Name, p.Value)
			}
		}
		signed, err := r.Sign(signer, opt)
		if err != nil {
			return err
		}
		out.Kind, out.Method, out.Payload, out.Signature = "rest", signed.Method, signed.Payload, signed.Signature
		out.Query, out.Body, out.SignatureIn, out.Timestamp = signed.Query, signed.Body, signed.SignatureIn.String(), signed.Timestamp
		out.URL = signed.URL(o.baseURL, o.path)
		if o.apiKey != "" {
			out.Curl = curlLine(o.apiKey, &signed, out.URL)
		}
	}
	if o.jsonOut {
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printSign(s, out)
}

func wsFrame(method string, signed payload.WSSigned) (json.RawMessage, error) {
	// A json.Marshal of a map sorts keys, which matches the signed order and
	// makes the frame easy to compare with the payload by eye.
	b, err := json.Marshal(struct {
		ID     string            `json:"id"`
		Method string            `json:"method"`
		Params map[string]string `json:"params"`
	}{ID: "mbx-sign", Method: method, Params: signed.Map()})
	return b, err
}

func curlLine(apiKey string, signed *payload.Signed, url string) string {
	var b strings.Builder
	b.WriteString("curl -H ")
	b.WriteString(shellQuote("X-MBX-APIKEY: " + apiKey))
	if signed.Method != http.MethodGet {
		b.WriteString(" -X " + signed.Method)
	}
	if signed.Body != "" {
		b.WriteString(" -H 'Content-Type: application/x-www-form-urlencoded' --data-raw ")
		b.WriteString(shellQuote(signed.Body))
	}
	b.WriteString(" ")
	b.WriteString(shellQuote(url))
	return b.String()
}

func printSign(s streams, out signOutput) error {
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("key type", out.KeyType)
	if out.Kind == "ws" {
		row("payload", out.Payload+"   (sorted, raw UTF-8: WebSocket API rules)")
		row("signature", out.Signature)
		row("request", string(out.Request))
		return tw.Flush()
	}
	row("payload", out.Payload+"   (the exact bytes signed: query‖body, no separator)")
	row("signature", out.Signature+"   (in the "+out.SignatureIn+")")
	row("query", orNone(out.Query))
	row("body", orNone(out.Body))
	row("url", out.URL)
	if out.Curl != "" {
		row("curl", out.Curl)
	}
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
