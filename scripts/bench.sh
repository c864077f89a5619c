#!/usr/bin/env bash
# Runs dealdesk's metering benchmarks (issue 8) and prints the markdown table that the README's
# "Metering benchmarks" section keeps: makes sure PostgreSQL runs at 127.0.0.1:5432 (with
# scripts/test.sh's own functions), builds the server, and runs cmd/dealdesk-bench, which
# exits 1 with a "FAIL" line for each target missed.
#
#	bash scripts/bench.sh                        # the full run: 1,000,000 records per engine
#	DEALDESK_BENCH_RECORDS=20000 bash scripts/bench.sh   # a quick run while developing
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

# postgres_ready and ensure_postgres, exactly as scripts/test.sh defines them.
eval "$(sed -n '/^postgres_ready()/p; /^ensure_postgres() {/,/^}/p' scripts/test.sh)"
ensure_postgres

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
echo "== building dealdesk and dealdesk-bench" >&2
go build -o "$bin/dealdesk" ./cmd/dealdesk
go build -o "$bin/dealdesk-bench" ./cmd/dealdesk-bench
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, uptime:$(uptime | sed 's/.*up [^,]*,//')" >&2
"$bin/dealdesk-bench" --dealdesk "$bin/dealdesk" "$@"
