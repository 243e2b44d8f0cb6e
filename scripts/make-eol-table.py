#!/usr/bin/env python3
"""Writes Sources/Fleet/Resources/eol-distros.json: the release cycles of the Linux
distributions tailguard recognises (os-release ID -> endoflife.date product), taken from an
endoflife.date checkout's products/*.md front matter. The embedded default of the image-health
end-of-life check; `fleet scan --eol-data DIR` reads a newer checkout directly.

usage: scripts/make-eol-table.py [ENDOFLIFE_DIR] [DATA_DATE]
  ENDOFLIFE_DIR  default ../shared/data/endoflife (with products/)
  DATA_DATE      the snapshot's date (default: the date in ../shared/data/MANIFEST.md)
"""
import json, os, re, sys
import yaml

PRODUCTS = {  # os-release ID -> endoflife.date product
    "debian": "debian", "ubuntu": "ubuntu", "alpine": "alpine-linux", "rhel": "rhel",
    "amzn": "amazon-linux", "rocky": "rocky-linux", "almalinux": "almalinux",
    "centos": "centos", "fedora": "fedora", "ol": "oracle-linux", "sles": "sles",
    "opensuse-leap": "opensuse", "photon": "vmware-photon",
}

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../shared/data/endoflife")
date = sys.argv[2] if len(sys.argv) > 2 else None
if date is None:
    manifest = open(os.path.join(root, "..", "MANIFEST.md")).read()
    m = re.search(r"endoflife-date/endoflife\.date @(\w+) \((\d{4}-\d{2}-\d{2})\)", manifest)
    date = m.group(2)
    source = f"endoflife.date @{m.group(1)}"
else:
    source = "endoflife.date"

def text(v):
    if v is None: return None
    if isinstance(v, bool): return v
    return str(v)

products = {}
for osid, product in sorted(PRODUCTS.items()):
    body = open(os.path.join(root, "products", product + ".md")).read()
    front = yaml.safe_load(body.split("---")[1])
    releases = []
    for r in front.get("releases", []):
        releases.append({k: text(r.get(k)) for k in ("releaseCycle", "codename", "eol", "eoes") if r.get(k) is not None})
    products[osid] = {"product": product, "releases": releases}

out = {"source": source, "dataDate": date, "products": products}
path = os.path.join(os.path.dirname(__file__), "..", "Sources/Fleet/Resources/eol-distros.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print(path, sum(len(p["releases"]) for p in products.values()), "releases")
