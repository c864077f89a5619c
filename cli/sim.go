package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/dealdesk/dealdesk/sim"
)

const simUsage = `Usage: dealdesk sim [flags]

Runs a local AWS Marketplace simulator speaking the real wire protocols of the Catalog,
Agreement, Metering, Entitlement and SQS APIs (point aws-sdk clients at it with BaseEndpoint),
plus a control API under /_sim/ that plays resellers and buyers (see README), until interrupted.
Each flag is also read from the DEALDESK_SIM_* environment variable named in its description.
`

// runSim runs the AWS Marketplace simulator until ctx ends.
func runSim(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("sim", simUsage, env)
	addr := fs.String("addr", envDefault(env, "DEALDESK_SIM_ADDR", "127.0.0.1:4566"), "listen `address` host:port (DEALDESK_SIM_ADDR)")
	statePath := fs.String("state", envDefault(env, "DEALDESK_SIM_STATE", ""), "state `file` kept across restarts; empty keeps state in memory (DEALDESK_SIM_STATE)")
	seedPath := fs.String("seed", envDefault(env, "DEALDESK_SIM_SEED", ""), "seed `file` (JSON: seller, products, resellers, buyers); empty uses the built-in demo seed (DEALDESK_SIM_SEED)")
	region := fs.String("region", envDefault(env, "DEALDESK_SIM_REGION", sim.DefaultRegion), "AWS `region` requests must be signed for (DEALDESK_SIM_REGION)")
	baseURL := fs.String("base-url", envDefault(env, "DEALDESK_SIM_BASE_URL", ""), "public `URL` of the simulator, for SQS queue URLs and the SNS certificate and SubscribeURL; default http://<addr> (DEALDESK_SIM_BASE_URL)")
	window, err := envDuration(env, "DEALDESK_SIM_METERING_WINDOW", sim.DefaultMeteringWindow)
	if err != nil {
		return err
	}
	fs.DurationVar(&window, "metering-window", window, "how far in the past BatchMeterUsage accepts a timestamp (DEALDESK_SIM_METERING_WINDOW)")
	delay, err := envDuration(env, "DEALDESK_SIM_CHANGESET_DELAY", sim.DefaultChangeSetDelay)
	if err != nil {
		return err
	}
	fs.DurationVar(&delay, "changeset-delay", delay, "time a Catalog change set takes from PREPARING to its end; 0 ends it at once (DEALDESK_SIM_CHANGESET_DELAY)")
	quotas, err := envBool(env, "DEALDESK_SIM_QUOTAS", true)
	if err != nil {
		return err
	}
	fs.BoolVar(&quotas, "quotas", quotas, "enforce AWS's per-operation request rates with ThrottlingException (DEALDESK_SIM_QUOTAS)")
	manufacturerReads, err := envBool(env, "DEALDESK_SIM_MANUFACTURER_READS_AGREEMENTS", false)
	if err != nil {
		return err
	}
	fs.BoolVar(&manufacturerReads, "manufacturer-reads-agreements", manufacturerReads,
		"let the vendor DescribeAgreement/GetAgreementTerms CPPO agreements it is not a party to; AWS does not document this (DEALDESK_SIM_MANUFACTURER_READS_AGREEMENTS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if window <= 0 {
		fmt.Fprintf(env.Stderr, "dealdesk sim: --metering-window must be positive, got %s\n", window)
		return errUsage
	}
	if delay < 0 {
		fmt.Fprintf(env.Stderr, "dealdesk sim: --changeset-delay must not be negative, got %s\n", delay)
		return errUsage
	}
	cfg := sim.Config{
		StatePath:                   *statePath,
		BaseURL:                     *baseURL,
		MeteringWindow:              window,
		ChangeSetDelay:              delay,
		DisableQuotas:               !quotas,
		ManufacturerReadsAgreements: manufacturerReads,
		Region:                      *region,
		Logger:                      slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if delay == 0 {
		cfg.ChangeSetDelay = -1 // sim.Config: negative ends change sets at once, zero is the default
	}
	if *seedPath != "" {
		seed, err := sim.LoadSeed(*seedPath)
		if err != nil {
			return err
		}
		cfg.Seed = &seed
	}
	return sim.Serve(ctx, *addr, cfg, env.Stdout)
}
