#!/usr/bin/env python3
"""Writes the fixture of bench/rematch.sh and bench/server-load.sh, deterministically (no clock,
no randomness beyond a seeded PRNG):

- OUT/a/pypa-osv-json/: the PyPA OSV records of SHARED/advisories/pypa-osv-json minus CHANGE of them, as
  symlinks in the same <pkg>/<id>.json layout (import it for advisory db A; the whole directory is
  db B). The CHANGE records left out are spread evenly over the sorted file list: file i is left
  out when (i * CHANGE) mod TOTAL < CHANGE (exactly CHANGE files, since gcd(CHANGE, TOTAL) = 1
  for 1,000 of 2,661; otherwise every k-th file, k = TOTAL // CHANGE).
- OUT/sboms.jsonl: N CycloneDX 1.5 JSON documents, one a line, each a "Python image": the 88
  Debian packages of the real bookworm-minbase dpkg status (SHARED/pkgdb/debian-bookworm-minbase)
  with pkg:deb purls and distro=debian-12, plus 20-60 PyPI packages whose names are drawn from
  the package names of the PyPA records (half of them weighted towards the first names of a
  seeded shuffle, so some packages are common as in a real fleet), each at a version taken from
  the records themselves: an enumerated affected version, a fixed version, or the introduced
  version of a range (inside or outside the affected ranges).
- OUT/images.tsv: digest TAB reference, one a line, same order.
- OUT/expected.json: the PyPI names the change touches, how many of them some image holds (the
  server's keysChanged) and how many images hold one of them (its imagesRematched).

usage: rematch-gen.py SHARED_DATA OUT [N] [CHANGE]
"""
import hashlib, json, math, os, random, re, sys

shared, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
change = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000
src = os.path.join(shared, "advisories", "pypa-osv-json")


def norm(name):  # PEP 503, as the matcher looks PyPI names up
    return re.sub(r"[-_.]+", "-", name).lower()


files = sorted(
    os.path.join(d, f) for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))
    for f in os.listdir(os.path.join(src, d)) if f.endswith(".json"))
total = len(files)
if math.gcd(change, total) == 1:
    left_out = {i for i in range(total) if (i * change) % total < change}
else:
    k = max(1, total // change)
    left_out = set(list(range(0, total, k))[:change])
assert len(left_out) == change, (len(left_out), change)

adv_a = os.path.join(out, "a", "pypa-osv-json")
os.makedirs(adv_a, exist_ok=True)
versions = {}  # name -> ordered candidate versions (set semantics)
touched = set()
for i, rel in enumerate(files):
    path = os.path.join(src, rel)
    record = json.load(open(path))
    names = set()
    for aff in record.get("affected", []):
        pkg = aff.get("package", {})
        if pkg.get("ecosystem") != "PyPI" or not pkg.get("name"):
            continue
        name = norm(pkg["name"])
        names.add(name)
        cand = versions.setdefault(name, {})
        for v in aff.get("versions", [])[-6:]:
            cand[v] = None
        for r in aff.get("ranges", []):
            if r.get("type") != "ECOSYSTEM":
                continue
            for e in r.get("events", []):
                for kind in ("fixed", "introduced", "last_affected"):
                    v = e.get(kind)
                    if v and v != "0":
                        cand[v] = None
    if i in left_out:
        touched |= names
    else:
        dst = os.path.join(adv_a, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.lexists(dst):
            os.symlink(os.path.abspath(path), dst)

names = sorted(name for name, c in versions.items() if c)
rng = random.Random(20261207)
popular = names[:]
rng.shuffle(popular)
weights = [1.0 / (r + 1) ** 0.8 for r in range(len(popular))]

debs = []
stanza = {}
for line in open(os.path.join(shared, "pkgdb", "debian-bookworm-minbase", "var", "lib", "dpkg",
                              "status"), encoding="utf-8"):
    line = line.rstrip("\n")
    if not line:
        if "Package" in stanza:
            debs.append((stanza["Package"], stanza["Version"], stanza.get("Architecture", "all")))
        stanza = {}
    elif not line.startswith(" ") and ":" in line:
        k, v = line.split(":", 1)
        stanza[k] = v.strip()
if "Package" in stanza:
    debs.append((stanza["Package"], stanza["Version"], stanza.get("Architecture", "all")))


def purl_version(v):
    return v.replace("%", "%25").replace(":", "%3A").replace("+", "%2B").replace("~", "%7E")


os.makedirs(out, exist_ok=True)
holding = 0
held = set()
sizes = []
with open(os.path.join(out, "sboms.jsonl"), "w") as sboms, \
        open(os.path.join(out, "images.tsv"), "w") as index:
    for i in range(n):
        r = random.Random(i * 7919 + 1)
        count = r.randint(20, 60)
        chosen = set()
        while len(chosen) < count // 2:  # common packages, long-tailed
            chosen.add(r.choices(popular, weights)[0])
        while len(chosen) < count:  # the rest uniformly
            chosen.add(r.choice(names))
        digest = "sha256:" + hashlib.sha256(f"tailguard-bench-image-{i}".encode()).hexdigest()
        reference = f"bench.example/team{i % 40}/pyapp{i}:1.{i % 7}"
        components = [{"type": "operating-system", "name": "debian", "version": "12",
                       "description": "Debian GNU/Linux 12 (bookworm)"}]
        for name, version, arch in debs:
            components.append({
                "type": "library", "bom-ref": f"deb:{name}", "name": name, "version": version,
                "purl": f"pkg:deb/debian/{name}@{purl_version(version)}?arch={arch}&distro=debian-12"})
        for name in sorted(chosen):
            cand = list(versions[name])
            version = cand[r.randrange(len(cand))]
            components.append({
                "type": "library", "bom-ref": f"pypi:{name}", "name": name, "version": version,
                "purl": f"pkg:pypi/{name}@{purl_version(version)}"})
        doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
               "serialNumber": "urn:uuid:" + hashlib.sha256(digest.encode()).hexdigest()[:32],
               "metadata": {"component": {"type": "container", "bom-ref": "image",
                                          "name": reference, "version": digest}},
               "components": components}
        line = json.dumps(doc, separators=(",", ":"))
        sizes.append(len(line))
        sboms.write(line + "\n")
        index.write(f"{digest}\t{reference}\n")
        held |= chosen
        if chosen & touched:
            holding += 1

expected = {"images": n, "advisoryFiles": total, "leftOut": change, "pypiNames": len(names),
            "touchedNames": len(touched), "touchedNamesHeld": len(touched & held),
            "imagesHoldingTouchedNames": holding,
            "debianPackagesPerImage": len(debs), "meanSBOMBytes": sum(sizes) // max(1, n)}
json.dump(dict(expected, touched=sorted(touched)), open(os.path.join(out, "expected.json"), "w"),
          indent=1)
print(json.dumps(expected))
