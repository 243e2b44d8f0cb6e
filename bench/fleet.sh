#!/usr/bin/env bash
# Benchmark (not a test): `tailguard pin lint` over the whole fleet corpus (803 files) against
# hadolint (one call over the 347 Dockerfiles) and checkov (dockerfile + kubernetes frameworks,
# the three pinning checks) on the same corpus. Wall time via hyperfine, peak RSS via
# /usr/bin/time -v. Goal (issue 8): faster than both, under 1 s, memory a fraction of checkov's.
#   TAILGUARD=path/to/tailguard bench/fleet.sh      (default: .build/release/tailguard)
#   RUNS=5 CHECKOV_RUNS=2 to change the number of runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${TAILGUARD_SHARED_DATA:-$(cd "$root/.." && pwd)/shared/data}
corpus="$data/fleet/corpus"
tg=${TAILGUARD:-$root/.build/release/tailguard}
runs=${RUNS:-5}
checkov_runs=${CHECKOV_RUNS:-2}
for tool in hyperfine hadolint checkov "$tg"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -F'\t' 'NR>1 && $5=="dockerfile" {print $6}' "$data/fleet/PROVENANCE.tsv" | tr -d '\r' | sed 's|^corpus/||' > "$tmp/dockerfiles"
cd "$corpus"
tg_cmd="$tg pin lint . -o json -q"
hl_cmd="xargs -d '\n' hadolint -f json --no-fail < $tmp/dockerfiles"
ck_cmd="checkov -d . -o json --framework dockerfile kubernetes --check CKV_DOCKER_7,CKV_K8S_14,CKV_K8S_43 --compact --quiet"
echo "== wall time (hyperfine) on $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 1 --runs "$runs" -i --export-markdown "$tmp/a.md" "$tg_cmd" 2>&1 | grep -E "Time|Range|±" || true
hyperfine --warmup 1 --runs "$runs" -i --export-markdown "$tmp/b.md" "$hl_cmd" 2>&1 | grep -E "Time|Range" || true
hyperfine --runs "$checkov_runs" -i --export-markdown "$tmp/c.md" "$ck_cmd" 2>&1 | grep -E "Time|Range" || true
cat "$tmp/a.md" "$tmp/b.md" "$tmp/c.md" | grep -v "^|:" | awk '!seen[$0]++'
echo "== peak RSS and CPU time (/usr/bin/time -v)"
peak() {
  /usr/bin/time -v bash -c "$2" > /dev/null 2> "$tmp/t" || true
  printf '%-10s max RSS %8s KB  user %6s s  sys %6s s  wall %s\n' "$1" \
    "$(awk -F': ' '/Maximum resident/ {print $2}' "$tmp/t")" \
    "$(awk -F': ' '/User time/ {print $2}' "$tmp/t")" \
    "$(awk -F': ' '/System time/ {print $2}' "$tmp/t")" \
    "$(awk -F': ' '/Elapsed/ {print $2}' "$tmp/t")"
}
peak tailguard "$tg_cmd"
peak hadolint "$hl_cmd"
peak checkov "$ck_cmd"
