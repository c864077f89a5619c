#!/usr/bin/env bash
# Runs every dealdesk test on a fresh machine: makes sure PostgreSQL runs at 127.0.0.1:5432
# (installing or starting it when needed) and that boto3, curl, jq and chromium are installed, then checks formatting,
# vet and staticcheck, then runs the whole suite with the race detector. CI runs exactly this script (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

postgres_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

ensure_postgres() {
	if command -v pg_isready >/dev/null && postgres_ready; then
		return
	fi
	if ! command -v pg_ctlcluster >/dev/null; then
		echo "== installing PostgreSQL"
		apt-get update -q
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
	fi
	local version
	version=$(ls /etc/postgresql | sort -V | tail -n 1)
	local hba="/etc/postgresql/$version/main/pg_hba.conf"
	if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
		# Tests connect as postgres over TCP without a password.
		sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
	fi
	echo "== starting PostgreSQL $version"
	pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
	for _ in $(seq 1 60); do
		postgres_ready && return
		sleep 1
	done
	echo "PostgreSQL did not start at 127.0.0.1:5432" >&2
	exit 1
}

# The simulator's fidelity tests check it with a second, independent AWS client: boto3 from
# Debian's packages, run by the system Python; its SNS signatures are checked with Python's
# cryptography package.
ensure_boto3() {
	if /usr/bin/python3 -c 'import boto3, cryptography' 2>/dev/null; then
		return
	fi
	echo "== installing boto3"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-boto3 python3-cryptography >/dev/null
}

# The README's examples, which a test runs as written, use curl (7.75 or later: --aws-sigv4)
# and jq.
ensure_readme_tools() {
	local missing=()
	for tool in curl jq; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return
	fi
	echo "== installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

# The console's browser test (web/browser_test.go) drives Debian's chromium headless; it skips
# without one only outside CI, so CI must have it.
ensure_chromium() {
	if command -v chromium >/dev/null; then
		return
	fi
	echo "== installing chromium"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
}

ensure_postgres
ensure_boto3
ensure_readme_tools
ensure_chromium

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go tool staticcheck ./...

echo "== go test -race"
go test -race -count=1 -timeout 20m ./...
