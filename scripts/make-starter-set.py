#!/usr/bin/env python3
"""Writes Sources/Advisories/Resources/starter-set.json, tailguard's embedded starter advisories.

Each record is a real OSV document read from ../shared/data (provenance in its MANIFEST.md),
unchanged except that a record carrying no CVSS vector gets the one its own source records
give (GHSA or NVD, listed with provenance in scripts/starter-set-severities.tsv), so the
Quick start shows real severities. Run from the repository root:

    python3 scripts/make-starter-set.py [--check]

--check exits 1 when the committed file differs from what this script would write.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("TAILGUARD_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
OUT = os.path.join(ROOT, "Sources", "Advisories", "Resources", "starter-set.json")

PYPA = "pypa/advisory-database @3ccb6125 vulns/{pkg}/{id}.yaml (CC-BY-4.0), converted to JSON"
GO = "golang/vulndb @a752ea54 data/osv/{id}.json (CC-BY-4.0)"

# The starter records: checked by hand against the planted demo image's packages
# (requests 2.19.0, urllib3 1.24.1, PyYAML 5.3, Jinja2 2.10, certifi 2018.4.16, idna 2.7,
# a go1.15.2 binary).
RECORDS = [
    ("advisories/pypa-osv-json/requests/PYSEC-2018-28.json", PYPA),
    ("advisories/pypa-osv-json/requests/PYSEC-2023-74.json", PYPA),
    ("advisories/pypa-osv-json/urllib3/PYSEC-2019-132.json", PYPA),
    ("advisories/pypa-osv-json/pyyaml/PYSEC-2020-96.json", PYPA),
    ("advisories/pypa-osv-json/pyyaml/PYSEC-2021-142.json", PYPA),
    ("advisories/pypa-osv-json/jinja2/PYSEC-2019-217.json", PYPA),
    ("advisories/pypa-osv-json/certifi/PYSEC-2023-135.json", PYPA),
    ("advisories/pypa-osv-json/idna/PYSEC-2024-60.json", PYPA),
    ("advisories/go-vulndb/osv/GO-2022-0493.json", GO),
]


def severities():
    table = {}
    with open(os.path.join(ROOT, "scripts", "starter-set-severities.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rid, vector, source = line.rstrip("\n").split("\t")
            table[rid] = (vector, source)
    return table


def build():
    table = severities()
    out = []
    for rel, provenance in RECORDS:
        with open(os.path.join(DATA, rel), encoding="utf-8") as f:
            record = json.load(f)
        rid = record["id"]
        pkg = rel.split("/")[-2]
        entry = {"provenance": provenance.format(pkg=pkg, id=rid)}
        if rid in table:
            if record.get("severity"):
                sys.exit(f"{rid} already carries a severity; drop it from the table")
            vector, source = table.pop(rid)
            record["severity"] = [{"type": "CVSS_V3", "score": vector}]
            entry["severitySource"] = source
        entry["record"] = record
        out.append(entry)
    if table:
        sys.exit(f"severities for records not in the set: {sorted(table)}")
    return json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main():
    text = build()
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print(f"{OUT} is out of date: run scripts/make-starter-set.py", file=sys.stderr)
                sys.exit(1)
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT} ({len(RECORDS)} records)")


if __name__ == "__main__":
    main()
