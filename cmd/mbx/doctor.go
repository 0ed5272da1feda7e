package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mbxkit/mbx/internal/doctor"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newDoctorCmd(s streams) *cobra.Command {
	var tf targetFlags
	var noColor bool
	var v venueFlags
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a Binance setup end to end and say what to fix",
		Long: `Check the host clock against the exchange, the credentials and key format, a
signed round trip (ASCII and non-ASCII), what the key may do and the
rate-limit state. Each check gives pass, warn or fail, and a fix.

With no credentials and no base URL, doctor starts the embedded local exchange
in-process with the Binance docs' example key and checks against it, so it
works on a fresh clone. With --profile, --creds, --env or --base-url it checks
that target instead. Exit code: 0 when every check passes, 2 with warnings,
1 with failures.`,
		Example: `  mbx doctor
  mbx doctor --profile main
  mbx doctor --env testnet --api-key KEY --key-file ed25519.pem
  mbx doctor --base-url http://127.0.0.1:8765 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e, other, err := v.entry(tf.profile, tf.credsPath); err != nil {
				return err
			} else if other {
				return runVenueDoctor(cmd.Context(), s, e, v, tf, noColor)
			}
			return runDoctor(cmd.Context(), s, tf, noColor)
		},
	}
	tf.register(cmd.Flags())
	v.register(cmd.Flags())
	cmd.Flags().BoolVar(&noColor, "no-color", false, "no colour even on a terminal")
	return cmd
}

// isTTY reports whether w is a terminal.
func isTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func runDoctor(ctx context.Context, s streams, tf targetFlags, noColor bool) error {
	tty := isTTY(s.out) && !tf.jsonOut
	color := tty && !noColor && os.Getenv("NO_COLOR") == ""
	if !tf.given() && !tf.jsonOut {
		fmt.Fprintln(s.out, "No credentials or base URL given: starting the embedded local exchange in-process")
		fmt.Fprintln(s.out, "(a Binance-compatible exchange on 127.0.0.1 with the Binance docs' example key) and checking against it.")
		fmt.Fprintln(s.out)
	}
	t, err := tf.resolve(ctx, s, true)
	if err != nil {
		return err
	}
	defer t.close()
	dt := &doctor.Target{Client: t.Client, Profile: t.Profile, Signer: t.Signer, SignerErr: t.SignerErr,
		CredsPath: t.CredsPath, Where: t.Where, Embedded: t.Embedded != nil, Warnings: t.Warnings}
	progress := func(i, n int, title string) {
		if tty {
			fmt.Fprintf(s.out, "\r\033[K[%d/%d] %s…", i+1, n, title)
		}
	}
	rep := doctor.Run(ctx, dt, progress)
	if tty {
		fmt.Fprint(s.out, "\r\033[K")
	}
	return finishDoctor(s, rep, tf.jsonOut, color)
}

// finishDoctor renders a report and turns its verdict into the exit code.
func finishDoctor(s streams, rep *doctor.Report, jsonOut, color bool) error {
	if jsonOut {
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		renderReport(s.out, rep, color)
	}
	switch rep.Worst() {
	case doctor.Fail:
		return &exitError{code: 1}
	case doctor.Warn:
		return &exitError{code: 2}
	}
	return nil
}

const (
	ansiReset  = "\033[0m"
	ansiBold   = "\033[1m"
	ansiDim    = "\033[2m"
	ansiGreen  = "\033[32m"
	ansiYellow = "\033[33m"
	ansiRed    = "\033[31m"
)

func renderReport(w io.Writer, rep *doctor.Report, color bool) {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	mark := map[doctor.Status]string{
		doctor.Pass: paint(ansiGreen, "PASS"), doctor.Warn: paint(ansiYellow, "WARN"),
		doctor.Fail: paint(ansiRed, "FAIL"), doctor.Skip: paint(ansiDim, "SKIP"),
	}
	fmt.Fprintf(w, "%s %s\n", paint(ansiBold, "mbx doctor:"), rep.Target)
	for _, r := range rep.Results {
		fmt.Fprintf(w, "  %s  %s: %s\n", mark[r.Status], paint(ansiBold, r.Title), r.Summary)
		for _, d := range r.Details {
			fmt.Fprintf(w, "        %s\n", paint(ansiDim, d))
		}
		if r.Fix != "" {
			fmt.Fprintf(w, "        %s %s\n", paint(ansiBold, "fix:"), r.Fix)
		}
	}
	counts := map[doctor.Status]int{}
	for _, r := range rep.Results {
		counts[r.Status]++
	}
	var parts []string
	for _, st := range []doctor.Status{doctor.Pass, doctor.Warn, doctor.Fail, doctor.Skip} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	verdict := map[doctor.Status]string{
		doctor.Pass: paint(ansiGreen, "all checks passed"),
		doctor.Warn: paint(ansiYellow, "passed with warnings"),
		doctor.Fail: paint(ansiRed, "some checks failed"),
	}[rep.Worst()]
	fmt.Fprintf(w, "\n%s (%s)\n", verdict, strings.Join(parts, ", "))
}
