package main

import (
	"context"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// streams are the command's standard files, injectable for tests.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func stdio() streams { return streams{in: os.Stdin, out: os.Stdout, err: os.Stderr} }

func newRootCmd(ctx context.Context, s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "mbx",
		Short: "Sign, check and explain Binance API requests; run a local Binance-compatible exchange",
		Long: `mbx makes Binance API authentication failures (-1022 invalid signature, -1021
timestamp, -2014/-2015 key errors, 429/418 bans) impossible by construction and
explains them when they happen anyway.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetContext(ctx)
	root.AddCommand(newSignCmd(s), newKeysCmd(s), newVersionCmd(s), newServeCmd(s), newTimeCmd(s), newCallCmd(s), newDoctorCmd(s), newExplainCmd(s), newProxyCmd(s))
	return root
}
