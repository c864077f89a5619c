// Command dealdesk runs the CPPO deal desk: the service, the AWS Marketplace simulator and the
// admin commands. See `dealdesk help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dealdesk/dealdesk/cli"
)

func main() {
	// The first SIGINT or SIGTERM starts a graceful shutdown; default handling is restored
	// before it starts, so that a second signal stops the process at once.
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		signal.Stop(sig)
		cancel()
	}()
	os.Exit(cli.Run(ctx, os.Args[1:], cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
