package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/mbxkit/mbx/binance/emulator"
	"github.com/mbxkit/mbx/internal/exchanges"
	"github.com/mbxkit/mbx/sim/inspector"
	"github.com/spf13/cobra"
)

type serveOpts struct {
	addr     string
	data     string
	config   string
	reset    bool
	logJSON  bool
	exchange string
}

func newServeCmd(s streams) *cobra.Command {
	var o serveOpts
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8765] [--data DIR] [--config FILE] [--reset]",
		Short: "Run the local Binance-compatible exchange",
		Long: `Run a local exchange that verifies signatures and timing exactly as Binance does,
answers with Binance's error codes, tracks weights, bans, IP whitelists and
permissions, keeps its state on disk, and explains every rejection (response
header X-MBX-EXPLAIN, inspector page at /mbx/).

With no --config it accepts the Binance docs' public example HMAC key, so every
sample in Binance's docs runs against it unchanged.`,
		Example: `  mbx serve
  mbx serve --data ~/.mbx/exchange --config exchange.yml
  curl -s http://127.0.0.1:8765/api/v3/time`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := exchanges.Lookup(o.exchange)
			if err != nil {
				return err
			}
			if e.New != nil {
				return runVenueServe(cmd.Context(), s, e, o)
			}
			return runServe(cmd.Context(), s, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8765", "address to listen on (loopback by default; 127.0.0.1:0 picks a free port)")
	f.StringVar(&o.data, "data", "", "directory for the exchange's state (SQLite); empty keeps it in memory")
	f.StringVar(&o.config, "config", "", "YAML config: keys, limits, faults, symbols")
	f.BoolVar(&o.reset, "reset", false, "wipe the stored state and start clean")
	f.BoolVar(&o.logJSON, "log-json", false, "log requests as JSON lines instead of text")
	f.StringVar(&o.exchange, "exchange", exchanges.Binance, "which exchange to run: "+strings.Join(exchanges.Names(), ", "))
	return cmd
}

// lazySource lets the inspector be built before the server it shows.
type lazySource struct{ srv *emulator.Server }

func (l *lazySource) Recent() []emulator.Entry { return l.srv.Recent() }
func (l *lazySource) Lookup(id uint64) (emulator.Entry, bool) {
	return l.srv.Lookup(id)
}

// startExchange starts the local exchange with its inspector page.
func startExchange(ctx context.Context, cfg emulator.Config, opt emulator.Options, addr string) (*emulator.Server, string, error) {
	src := &lazySource{}
	opt.Inspector = inspector.New(src, inspector.Options{})
	srv, err := emulator.New(ctx, cfg, opt)
	if err != nil {
		return nil, "", err
	}
	src.srv = srv
	base, err := srv.Start(ctx, addr)
	if err != nil {
		srv.Close()
		return nil, "", err
	}
	return srv, base, nil
}

func runServe(ctx context.Context, s streams, o serveOpts) error {
	cfg := emulator.DefaultConfig()
	if o.config != "" {
		var err error
		if cfg, err = emulator.LoadConfig(o.config); err != nil {
			return err
		}
	}
	if host, _, err := net.SplitHostPort(o.addr); err == nil {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			fmt.Fprintf(s.err, "warning: listening on %s, not loopback: anyone who can reach it can use the configured keys (the inspector and admin API still answer loopback only)\n", o.addr)
		}
	}
	var h slog.Handler = slog.NewTextHandler(s.err, nil)
	if o.logJSON {
		h = slog.NewJSONHandler(s.err, nil)
	}
	srv, base, err := startExchange(ctx, cfg, emulator.Options{DataDir: o.data, Logger: slog.New(h), Reset: o.reset}, o.addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(s.out, "mbx local exchange listening on %s\n", base)
	fmt.Fprintf(s.out, "  inspector  %s/mbx/\n  metrics    %s/metrics\n", base, base)
	if o.data != "" {
		fmt.Fprintf(s.out, "  state      %s (survives restarts; --reset wipes it)\n", o.data)
	} else {
		fmt.Fprintf(s.out, "  state      in memory (use --data DIR to keep it)\n")
	}
	fmt.Fprintln(s.out, "  accepted keys:")
	for _, k := range srv.Keys() {
		note := ""
		if k.DocsExample {
			note = "  (Binance docs' public example key)"
		}
		wl := "any IP"
		if len(k.IPWhitelist) > 0 {
			wl = strings.Join(k.IPWhitelist, ",")
		}
		fmt.Fprintf(s.out, "    %s  %-7s  %s  [%s]%s\n", k.APIKey, k.Type, wl, strings.Join(k.Permissions, " "), note)
	}
	fmt.Fprintln(s.out, "Press Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Fprintln(s.out, "stopping")
	return srv.Close()
}
