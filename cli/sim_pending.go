package cli

import (
	"context"
	"errors"
)

func runSim(ctx context.Context, args []string, env Env) error {
	return errors.New("sim: not built yet")
}
