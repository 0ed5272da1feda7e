package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mbxkit/mbx/binance"
	"github.com/mbxkit/mbx/clock"
	"github.com/spf13/cobra"
)

type timeOpts struct {
	target   targetFlags
	venue    venueFlags
	watch    bool
	interval time.Duration
	count    int
	family   string
}

// timeReport is one measurement, as --json prints it.
type timeReport struct {
	Base             string  `json:"base_url"`
	OffsetMs         float64 `json:"offset_ms"` // exchange clock minus local clock
	BoundMs          float64 `json:"bound_ms"`  // ± error bound
	RTTMs            float64 `json:"rtt_ms"`    // best round trip
	Samples          int     `json:"samples"`   // successful samples
	AheadHeadroomMs  float64 `json:"ahead_headroom_ms"`
	RecvHeadroomMs   float64 `json:"recv_window_headroom_ms"`
	RecvWindowMs     float64 `json:"recv_window_ms"`
	ServerTimeUnixMs int64   `json:"server_time_ms"`
}

func newTimeCmd(s streams) *cobra.Command {
	var o timeOpts
	cmd := &cobra.Command{
		Use:   "time [--watch]",
		Short: "Measure the local clock against the exchange's",
		Long: `Measure the offset to the exchange's clock with Cristian's algorithm (several
samples, the fastest round trip wins), with its error bound, and the headroom
left against Binance's two timing rules: timestamp < serverTime + 1000ms, and
serverTime - timestamp <= recvWindow.`,
		Example: "  mbx time --base-url http://127.0.0.1:8765\n  mbx time --env prod --watch --interval 10s\n  mbx time --exchange okx --base-url https://www.okx.com",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e, other, err := o.venue.entry(o.target.profile, o.target.credsPath); err != nil {
				return err
			} else if other {
				return runVenueTime(cmd.Context(), s, e, o)
			}
			return runTime(cmd.Context(), s, o)
		},
	}
	o.target.register(cmd.Flags())
	o.venue.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.watch, "watch", false, "keep measuring")
	cmd.Flags().DurationVar(&o.interval, "interval", 5*time.Second, "time between measurements with --watch")
	cmd.Flags().IntVar(&o.count, "count", 0, "with --watch, stop after this many measurements (0: until Ctrl-C)")
	cmd.Flags().StringVar(&o.family, "family", "api", "which host's clock: api (spot) or fapi (USDⓈ-M futures), dapi, eapi")
	return cmd
}

func measure(ctx context.Context, t *target, fam binance.Family) (timeReport, clock.Estimate, error) {
	ck, err := t.Client.Clock(fam)
	if err != nil {
		return timeReport{}, clock.Estimate{}, err
	}
	est, err := ck.Sync(ctx)
	if err != nil {
		return timeReport{}, est, err
	}
	rw := t.Profile.RecvWindow
	if rw == 0 {
		rw = 5 * time.Second
	}
	h := ck.Headroom(rw)
	base, _ := t.Client.BaseURL(fam)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return timeReport{Base: base, OffsetMs: ms(est.Offset), BoundMs: ms(est.Bound), RTTMs: ms(est.RTT), Samples: est.Samples,
		AheadHeadroomMs: ms(h.Ahead), RecvHeadroomMs: ms(h.RecvWindow), RecvWindowMs: ms(rw),
		ServerTimeUnixMs: time.Now().Add(est.Offset).UnixMilli()}, est, nil
}

func runTime(ctx context.Context, s streams, o timeOpts) error {
	t, err := o.target.resolve(ctx, s, false)
	if err != nil {
		return err
	}
	defer t.close()
	fam := binance.Family(o.family)
	if _, err := binance.FamilyOf("/" + o.family + "/"); err != nil {
		return fmt.Errorf("--family %q: want api, fapi, dapi or eapi", o.family)
	}
	return timeLoop(ctx, s, o, func(ctx context.Context) (timeReport, clock.Estimate, error) { return measure(ctx, t, fam) })
}

// timeLoop measures once, or with --watch until the count or Ctrl-C, and
// prints each measurement.
func timeLoop(ctx context.Context, s streams, o timeOpts, measure func(context.Context) (timeReport, clock.Estimate, error)) error {
	for i := 1; ; i++ {
		r, est, err := measure(ctx)
		if err != nil {
			return err
		}
		if o.target.jsonOut {
			b, _ := json.Marshal(r)
			fmt.Fprintln(s.out, string(b))
		} else {
			fmt.Fprintf(s.out, "%s  %s\n", time.Now().Format("15:04:05"), r.Base)
			fmt.Fprintf(s.out, "  offset     %+.1f ms ± %.1f ms  (exchange clock minus this machine's; rtt %.1f ms, %d samples)\n",
				r.OffsetMs, r.BoundMs, r.RTTMs, r.Samples)
			if r.RecvWindowMs > 0 { // Binance's rules; other exchanges' windows differ
				fmt.Fprintf(s.out, "  headroom   %.0f ms before a timestamp is 1000ms ahead; %.0f ms of the %.0f ms recvWindow left for the network\n",
					r.AheadHeadroomMs, r.RecvHeadroomMs, r.RecvWindowMs)
			}
			if est.Offset.Abs() > 500*time.Millisecond {
				fmt.Fprintln(s.out, "  note       this machine's clock is off by more than 0.5s: mbx corrects for it, other tools will not; sync it with NTP")
			}
		}
		if !o.watch || (o.count > 0 && i >= o.count) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.interval):
		}
	}
}
