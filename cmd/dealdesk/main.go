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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
