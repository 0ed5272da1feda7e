// Command mbx signs, checks and explains Binance API requests, and runs a
// local Binance-compatible exchange.
//
//	mbx doctor                    check a setup end to end
//	mbx sign --key-file K a=b     sign parameters exactly as they will be sent
//	mbx keys gen --type ed25519   make a key pair to register with Binance
//	mbx serve                     run the local exchange
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRootCmd(ctx, stdio()).ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "mbx:", err)
		os.Exit(1)
	}
}

// exitError carries an exit code for a failure that was already reported.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
