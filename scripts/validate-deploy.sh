#!/usr/bin/env bash
# Validates the Kubernetes manifests under deploy/kubernetes (or DIR): every manifest file
# against the Kubernetes OpenAPI schemas with `kubernetes-validate --strict` (unknown fields,
# wrong types and missing required fields fail; so does a kind it has no schema for), for each
# version in KUBERNETES_VERSIONS; and the kustomize layout: every resources:/components: entry
# exists, every manifest file is listed by exactly one kustomization, no file is empty, every
# workload image and kustomize images: entry is pinned by digest, and the ConfigMap's
# tailguard.yaml parses and holds only keys of tailguard's config file.
#
#   scripts/validate-deploy.sh [DIR]            exit 0 valid, 1 invalid, 2 tool missing
#   KUBERNETES_VERSIONS="1.29.0 1.37.0"         the versions validated against (the default)
#   TAILGUARD=path/to/tailguard                 also runs `tailguard pin lint --fail` on DIR
#
# kubectl/kustomize are not needed: the files are validated one by one, the way
# `kubectl apply -k` would send them (no kustomize transformer changes their schema here).
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${1:-deploy/kubernetes}"
versions="${KUBERNETES_VERSIONS:-1.29.0 1.37.0}"

if ! command -v kubernetes-validate >/dev/null 2>&1; then
  echo "validate-deploy: kubernetes-validate is not installed (PyPI kubernetes-validate;" \
    "scripts/install-test-deps.sh installs it:" \
    "pip install --break-system-packages kubernetes-validate)" >&2
  exit 2
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import yaml' 2>/dev/null; then
  echo "validate-deploy: python3 with PyYAML is needed (it comes with kubernetes-validate)" >&2
  exit 2
fi
if [ ! -d "$dir" ]; then
  echo "validate-deploy: $dir is not a directory" >&2
  exit 2
fi

# The layout: kustomization files hold kustomize's own kinds (no Kubernetes schema); the
# rest are manifests. Prints the manifest files, one a line, for the schema check.
status=0
set +e
manifests="$(
  python3 - "$dir" <<'PY'
import os, re, sys, yaml

root = sys.argv[1]
errors = []
kustomizations, manifests = [], []
for base, dirs, files in os.walk(root):
    dirs.sort()
    for f in sorted(files):
        if not f.endswith((".yaml", ".yml")):
            continue
        path = os.path.join(base, f)
        (kustomizations if f in ("kustomization.yaml", "kustomization.yml") else manifests).append(path)

known_config_keys = {"listen", "database", "db", "workers", "registries", "webhooks", "sla", "tls",
                     "advisoryUpdateInterval", "admission", "otel"}
digest = re.compile(r"@sha256:[0-9a-f]{64}$")
listed = {}
for k in kustomizations:
    with open(k) as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict) or doc.get("kind") not in ("Kustomization", "Component"):
        errors.append(f"{k}: not a Kustomization or Component")
        continue
    here = os.path.dirname(k)
    for field in ("resources", "components"):
        for entry in doc.get(field) or []:
            target = os.path.normpath(os.path.join(here, entry))
            if os.path.isdir(target):
                if not any(os.path.exists(os.path.join(target, n))
                           for n in ("kustomization.yaml", "kustomization.yml")):
                    errors.append(f"{k}: {field} entry {entry} is a directory without a kustomization")
            elif os.path.isfile(target):
                listed.setdefault(target, []).append(k)
            else:
                errors.append(f"{k}: {field} entry {entry} does not exist")
    for image in doc.get("images") or []:
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", str(image.get("digest", ""))):
            errors.append(f"{k}: images entry {image.get('name')} is not pinned by a sha256 digest")

def images(node):
    """Every container image of a pod template, at any depth (Pod, workloads, CronJob)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers", "ephemeralContainers") and isinstance(value, list):
                for c in value:
                    if isinstance(c, dict):
                        yield c.get("name"), c.get("image")
            else:
                yield from images(value)
    elif isinstance(node, list):
        for value in node:
            yield from images(value)

for m in manifests:
    norm = os.path.normpath(m)
    if len(listed.get(norm, [])) != 1:
        by = listed.get(norm, [])
        errors.append(f"{m}: listed by {len(by)} kustomizations ({', '.join(by) or 'none'}), not one")
    try:
        with open(m) as fh:
            docs = [d for d in yaml.safe_load_all(fh) if d is not None]
    except yaml.YAMLError as e:
        errors.append(f"{m}: not YAML: {e}".replace("\n", " "))
        continue
    if not docs:
        errors.append(f"{m}: no Kubernetes object in the file")
    for d in docs:
        if not isinstance(d, dict) or not d.get("apiVersion") or not d.get("kind") \
                or not (d.get("metadata") or {}).get("name"):
            errors.append(f"{m}: a document without apiVersion, kind and metadata.name")
            continue
        if d["kind"] == "ConfigMap":
            # Embedded YAML files must parse; tailguard.yaml holds only the config file's keys.
            for key, text in (d.get("data") or {}).items():
                if not key.endswith((".yaml", ".yml")):
                    continue
                try:
                    config = yaml.safe_load(text)
                except yaml.YAMLError as e:
                    errors.append(f"{m}: data {key}: not YAML: {e}".replace("\n", " "))
                    continue
                if key == "tailguard.yaml":
                    unknown = sorted(set(config or {}) - known_config_keys) \
                        if isinstance(config, dict) else ["(not a mapping)"]
                    if unknown:
                        errors.append(f"{m}: data {key}: unknown keys {unknown}")
        for name, image in images(d.get("spec")):
            if not isinstance(image, str) or not digest.search(image):
                errors.append(f"{m}: {d['kind']}/{d['metadata']['name']} container {name}: "
                              f"image {image!r} is not pinned by a sha256 digest")

for e in errors:
    print(f"validate-deploy: {e}", file=sys.stderr)
print("\n".join(manifests))
sys.exit(1 if errors else 0)
PY
)"
if [ $? -ne 0 ]; then
  echo "validate-deploy: FAILED (layout)" >&2
  status=1
fi
set -e

mapfile -t files <<<"$manifests"
if [ ${#files[@]} -eq 0 ] || [ -z "${files[0]}" ]; then
  echo "validate-deploy: no manifest under $dir" >&2
  exit 1
fi

for v in $versions; do
  # --quiet prints failures and warnings only; a kind without a schema (a typo in apiVersion or
  # kind) is a warning with exit 0 there, and a failure here.
  set +e
  out="$(kubernetes-validate --strict --quiet -k "$v" "${files[@]}" 2>&1)"
  rc=$?
  set -e
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    printf '%s\n' "$out" >&2
    echo "validate-deploy: FAILED against Kubernetes $v (strict)" >&2
    status=1
  else
    echo "validate-deploy: ${#files[@]} files valid against Kubernetes $v (strict)"
  fi
done

if [ -n "${TAILGUARD:-}" ]; then
  if "$TAILGUARD" pin lint --fail "$dir"; then
    echo "validate-deploy: tailguard pin lint: every image pinned"
  else
    echo "validate-deploy: FAILED tailguard pin lint" >&2
    status=1
  fi
fi

[ $status -eq 0 ] && echo "validate-deploy: OK ($dir)"
exit $status
