#!/usr/bin/env python3
"""Differential test of `tailguard version compare --stdin` against the real implementations.

Usage: scripts/differential-versions.py TAILGUARD_BINARY [SHARED_DATA_DIR] [--pairs N] [--seed S]

For each scheme whose oracle is installed (dpkg, python3-rpm, packaging, npm's bundled
node-semver, Maven's maven3-artifact.jar), builds N version pairs from real data (the upstream
vector files under SHARED_DATA_DIR/versions/normalized and installed-package lists) plus seeded
random mutations, runs tailguard once with --stdin and the oracle once per batch, and prints
every disagreement. Exit 0 when there are none, 1 otherwise, 2 on a usage error. The Swift test
suite (Tests/VersionSchemesTests/DifferentialTests.swift) runs the same comparison on the
library; this script checks the shipped command line end to end.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

SCHEMES = ["deb", "rpm", "pypi", "npm", "semver", "maven"]


def read_tsv(path, cols=(0, 1)):
    out = []
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                out.extend(fields[c] for c in cols if c < len(fields))
    except OSError:
        pass
    return out


def real_versions(data, scheme):
    n = os.path.join(data, "versions", "normalized")
    if scheme == "deb":
        return read_tsv(os.path.join(n, "dpkg.tsv")) + read_tsv(
            os.path.join(data, "pkgdb", "expected", "debian-bookworm-minbase.dpkg-query.tsv"), (1, 4))
    if scheme == "rpm":
        return read_tsv(os.path.join(n, "rpm.tsv"))
    if scheme == "pypi":
        try:
            with open(os.path.join(n, "pep440_sorted.txt")) as f:
                return [l.strip() for l in f if l.strip() and not l.startswith("#")]
        except OSError:
            return []
    if scheme in ("npm", "semver"):
        try:
            with open(os.path.join(n, "node-semver-fixtures.json")) as f:
                fx = json.load(f)
            return [v for row in fx["comparisons"] + fx["equality"] for v in row[:2]
                    if isinstance(v, str) and " " not in v]
        except (OSError, KeyError, ValueError):
            return []
    return ["1.0", "1.0-SNAPSHOT", "2.17.1", "2.0-beta9", "1.0.0.Final", "5.3.18.RELEASE", "31.1-jre",
            "1.2.3-M1", "3.0.0-RC2", "1-sp", "1-ga", "1.0-cr1", "9.4.51.v20230217"]


def mutate(rng, v, alphabet):
    chars = list(v)
    for _ in range(rng.randint(1, 2)):
        op = rng.randint(0, 3)
        if op == 0 and chars:
            i = rng.randrange(len(chars))
            chars[i] = str((int(chars[i]) + rng.randint(1, 9)) % 10) if chars[i].isdigit() else rng.choice(alphabet)
        elif op == 1:
            chars.insert(rng.randint(0, len(chars)), rng.choice(alphabet))
        elif op == 2 and len(chars) > 1:
            chars.pop(rng.randrange(len(chars)))
        else:
            chars.extend("." + str(rng.randint(0, 20)))
    return "".join(chars) or "0"


ALPHABETS = {
    "deb": "0123456789.+~-:abzAZ", "rpm": "0123456789._+~^-:abpAZ", "pypi": "0123456789.-_+!abcdeprvlostx",
    "npm": "0123456789.-+vxaZ=", "semver": "0123456789.-+vxaZ", "maven": "0123456789.-abcfgilmnoprstxRS",
}


def make_pairs(rng, pool, scheme, count):
    pool = [v for v in dict.fromkeys(pool) if v and not any(c.isspace() for c in v)]
    pairs = list(zip(pool, pool[1:]))
    while len(pairs) < count and pool:
        a = rng.choice(pool)
        b = mutate(rng, a, ALPHABETS[scheme]) if rng.random() < 0.7 else rng.choice(pool)
        if rng.random() < 0.5:
            pool.append(b)
        pairs.append((a, b) if rng.random() < 0.5 else (b, a))
    return pairs[:count]


def run(cmd, text):
    p = subprocess.run(cmd, input=text, capture_output=True, text=True)
    return p.stdout.splitlines()


ORACLE_RPM = r'''
import sys, rpm
def evr(s):
    i = 0
    while i < len(s) and s[i].isdigit() and s[i].isascii(): i += 1
    e = None
    if i < len(s) and s[i] == ":":
        e = s[:i] or "0"; s = s[i+1:]
    r = None
    if "-" in s: s, r = s.rsplit("-", 1)
    return (e, s, r)
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try: print(rpm.labelCompare(evr(a), evr(b)))
    except Exception: print("ERR")
'''

ORACLE_PEP440 = r'''
import sys
from packaging.version import Version, InvalidVersion
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    try:
        x, y = Version(a), Version(b); print((x > y) - (x < y))
    except InvalidVersion: print("ERR")
'''

ORACLE_SEMVER = r'''
const semver = require(process.argv[1]); const loose = process.argv[2] === "loose";
const out = [];
for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
  if (!line) continue; const [a, b] = line.split("\t");
  try { out.push(String(semver.compare(a, b, { loose }))); } catch (e) { out.push("ERR"); }
}
console.log(out.join("\n"));
'''

ORACLE_DPKG = r'''
while IFS="$(printf '\t')" read -r a b; do
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; r=$?
  if [ $r -eq 0 ]; then echo -1; elif [ $r -ne 1 ]; then echo ERR
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0; else echo 1; fi
done
'''


def oracle(scheme, pairs):
    tsv = "".join(f"{a}\t{b}\n" for a, b in pairs)
    if scheme == "deb":
        return run(["sh", "-c", ORACLE_DPKG], tsv) if shutil.which("dpkg") else None
    if scheme == "rpm":
        ok = subprocess.run(["/usr/bin/python3", "-c", "import rpm"], capture_output=True).returncode == 0
        return run(["/usr/bin/python3", "-c", ORACLE_RPM], tsv) if ok else None
    if scheme == "pypi":
        ok = subprocess.run([sys.executable, "-c", "import packaging"], capture_output=True).returncode == 0
        return run([sys.executable, "-c", ORACLE_PEP440], tsv) if ok else None
    if scheme in ("npm", "semver"):
        if not shutil.which("npm") or not shutil.which("node"):
            return None
        root = os.environ.get("NPM_SEMVER") or run(["npm", "root", "-g"], "")[0] + "/npm/node_modules/semver"
        return run(["node", "-e", ORACLE_SEMVER, root, "loose" if scheme == "npm" else "strict"], tsv)
    if scheme == "maven":
        jar = "/usr/share/java/maven3-artifact.jar"
        if not os.path.exists(jar) or not shutil.which("java"):
            return None
        args = [v for pair in pairs for v in pair]
        lines = [l for l in run(["java", "-cp", jar, "org.apache.maven.artifact.versioning.ComparableVersion"] + args, "")
                 if l.startswith("   ")]
        ops = {"<": "-1", "==": "0", ">": "1"}
        return [ops.get(l.split(" ")[4] if len(l.split(" ")) == 6 else "?", "ERR") for l in lines[0::2]]
    return None


def main():
    args = [a for a in sys.argv[1:]]
    count, seed = 2000, 20261129
    if "--pairs" in args:
        i = args.index("--pairs"); count = int(args[i + 1]); del args[i:i + 2]
    if "--seed" in args:
        i = args.index("--seed"); seed = int(args[i + 1]); del args[i:i + 2]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    binary = args[0]
    data = args[1] if len(args) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
    rng = random.Random(seed)
    failures = 0
    for scheme in SCHEMES:
        pairs = make_pairs(rng, real_versions(data, scheme), scheme, count if scheme != "deb" else min(count, 1000))
        expected = oracle(scheme, pairs)
        if expected is None:
            print(f"{scheme}: oracle not installed, skipped")
            continue
        mine = run([binary, "version", "compare", "--scheme", scheme, "--stdin", "--quiet"],
                   "".join(f"{a} {b}\n" for a, b in pairs))
        mine = ["ERR" if m.startswith("error:") else {"<": "-1", "=": "0", ">": "1"}.get(m, m) for m in mine]
        bad = []
        for (a, b), o, m in zip(pairs, expected, mine):
            if scheme == "rpm" and m == "ERR":
                continue  # rpm compares any string; tailguard refuses an empty version or release
            if o != m:
                bad.append(f"  {a} {b}: oracle {o}, tailguard {m}")
        if len(mine) != len(pairs) or len(expected) != len(pairs):
            bad.append(f"  result count mismatch: pairs {len(pairs)}, oracle {len(expected)}, tailguard {len(mine)}")
        print(f"{scheme}: {len(pairs)} pairs, {len(bad)} disagreements")
        for line in bad[:20]:
            print(line)
        failures += len(bad)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
