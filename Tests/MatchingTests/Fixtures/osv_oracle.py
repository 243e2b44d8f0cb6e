#!/usr/bin/env python3
"""Independent OSV evaluator used as a test oracle by MatchingTests.

Written separately from the Swift matcher: it reads the OSV JSON (or Alpine secdb YAML)
itself and compares versions with third-party implementations (univers / packaging).

usage:
  osv_oracle.py osv DIR ECOSYSTEM SCHEME NAME=VERSION...   # prints "NAME<TAB>ID" per affected record
  osv_oracle.py secdb YAML... -- NAME=VERSION...            # prints "NAME<TAB>CVE" for secdb
SCHEME: semver | pypi | apk
"""
import json, os, sys


def parser_for(scheme):
    if scheme == "pypi":
        from packaging.version import Version
        return Version
    if scheme == "semver":
        from univers.versions import SemverVersion
        return SemverVersion
    if scheme == "apk":
        from univers.versions import AlpineLinuxVersion
        return AlpineLinuxVersion
    raise SystemExit("unknown scheme " + scheme)


def affected_by_range(version, events, parse):
    # OSV schema "Evaluation": limit check, then walk events sorted by version.
    def key(e):
        (k, v), = e.items()
        if k == "introduced" and v == "0":
            return (0, None)
        if k == "limit" and v == "*":
            return (2, None)
        return (1, parse(v))
    try:
        evs = sorted(events, key=lambda e: (key(e)[0], key(e)[1] if key(e)[1] is not None else 0))
    except Exception:
        return False
    limits = [e["limit"] for e in events if "limit" in e]
    if limits and not any(l == "*" or version < parse(l) for l in limits):
        return False
    vuln = False
    for e in evs:
        (k, v), = e.items()
        if k == "introduced" and (v == "0" or version >= parse(v)):
            vuln = True
        elif k == "fixed" and version >= parse(v):
            vuln = False
        elif k == "last_affected" and version > parse(v):
            vuln = False
    return vuln


def osv_mode(args):
    root, ecosystem, scheme = args[0], args[1], args[2]
    parse = parser_for(scheme)
    wanted = dict(a.split("=", 1) for a in args[3:])
    out = set()
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".json"):
                continue
            d = json.load(open(os.path.join(dirpath, f)))
            if d.get("withdrawn"):
                continue
            for a in d.get("affected", []):
                pkg = a.get("package", {})
                if pkg.get("ecosystem") != ecosystem or pkg.get("name") not in wanted:
                    continue
                name = pkg["name"]
                installed = wanted[name]
                hit = installed in a.get("versions", [])
                for r in a.get("ranges", []):
                    if r.get("type") not in ("SEMVER", "ECOSYSTEM"):
                        continue
                    if affected_by_range(parse(installed), r["events"], parse):
                        hit = True
                if hit:
                    out.add((name, d["id"]))
    for name, i in sorted(out):
        print(f"{name}\t{i}")


def secdb_mode(args):
    import yaml
    sep = args.index("--")
    files, pkgs = args[:sep], args[sep + 1:]
    wanted = dict(a.split("=", 1) for a in pkgs)
    from univers.versions import AlpineLinuxVersion as V
    out = set()
    for path in files:
        doc = yaml.load(open(path), Loader=yaml.BaseLoader)  # BaseLoader: every scalar stays a string
        for p in doc.get("packages") or []:
            pkg = p["pkg"]
            name = pkg["name"]
            if name not in wanted:
                continue
            for fixed, cves in (pkg.get("secfixes") or {}).items():
                if fixed == "0":
                    continue
                if V(wanted[name]) < V(fixed):
                    for c in cves or []:
                        for tok in c.split():
                            out.add((name, tok))
    for name, i in sorted(out):
        print(f"{name}\t{i}")


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    {"osv": osv_mode, "secdb": secdb_mode}[mode](rest)
