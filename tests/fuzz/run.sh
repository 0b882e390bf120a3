#!/usr/bin/env bash
# run.sh BINARY CORPUS SECONDS: a short libFuzzer run seeded with the committed corpus.
# New inputs go to a scratch copy so the committed corpus stays as it is.
set -euo pipefail
bin=$1 corpus=$2 secs=$3
[ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ] || { echo "no seed corpus at $corpus"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
exec "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
  -print_final_stats=1 "$work"
