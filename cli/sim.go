package cli

import (
	"context"

	"github.com/dealdesk/dealdesk/sim"
)

// runSim runs the AWS Marketplace simulator until ctx ends.
func runSim(ctx context.Context, args []string, env Env) error {
	return sim.Main(ctx, args, env.Stdout, env.Stderr)
}
