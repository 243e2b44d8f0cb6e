#!/usr/bin/env python3
"""Runs the tailguard binary on hostile inputs under an enforced memory limit.

Every input is made here, in a temporary directory: decompression bombs (gzip, zstd, a zip
inside a jar), tar headers that lie about sizes, path traversal and absolute paths, symlink
loops and escapes, wrong digests, malformed and deeply nested JSON (image metadata, SBOMs,
advisories), and a Rego policy that never ends. Each run is limited to MEMORY_LIMIT of address
space (prlimit --as) and TIME_LIMIT seconds, and must end with exit code 0, 1 or 2 (never a
signal: a crash, an abort, an out-of-memory kill), with an error or diagnostic on stderr when
the input is rejected, a peak RSS under RSS_LIMIT, and no file written outside the temporary
directory (the traversal targets must not exist afterwards).

Usage: scripts/hostile-inputs.py path/to/tailguard        (CI runs it after the tests)
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
import zipfile
import zlib

MEMORY_LIMIT = 1536 << 20  # address space; the Swift runtime and NIO threads reserve some
RSS_LIMIT_KB = 512 << 10
TIME_LIMIT = 180

TG = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
if not TG or not os.access(TG, os.X_OK):
    sys.exit("usage: hostile-inputs.py path/to/tailguard")
W = tempfile.mkdtemp(prefix="tailguard-hostile-")
TAG = uuid.uuid4().hex[:12]
# Files a traversal bug would create: they must never appear.
ESCAPES = [
    f"/tmp/tailguard-escape-{TAG}",
    os.path.join(os.path.dirname(W), f"tailguard-escape-rel-{TAG}"),
]


def sha(b):
    return hashlib.sha256(b).hexdigest()


class Layout:
    """An OCI layout written by hand, so every field can be made wrong on purpose."""

    def __init__(self, name):
        self.dir = os.path.join(W, name)
        os.makedirs(self.dir + "/blobs/sha256")
        with open(self.dir + "/oci-layout", "w") as f:
            f.write('{"imageLayoutVersion": "1.0.0"}')

    def blob(self, data, digest=None):
        d = digest or sha(data)
        with open(f"{self.dir}/blobs/sha256/{d}", "wb") as f:
            f.write(data)
        return d

    def blob_file(self, path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        d = h.hexdigest()
        shutil.move(path, f"{self.dir}/blobs/sha256/{d}")
        return d, os.path.getsize(f"{self.dir}/blobs/sha256/{d}")

    def image(self, layers, diff_ids, media="application/vnd.oci.image.layer.v1.tar+gzip",
              config_extra=None, index_bytes=None):
        config = {"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
                  "config": {}}
        config.update(config_extra or {})
        cb = json.dumps(config).encode()
        cd = self.blob(cb)
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": "sha256:" + cd, "size": len(cb)},
                    "layers": [{"mediaType": media, "digest": "sha256:" + d, "size": s}
                               for d, s in layers]}
        mb = json.dumps(manifest).encode()
        md = self.blob(mb)
        index = index_bytes or json.dumps({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "digest": "sha256:" + md, "size": len(mb),
                           "annotations": {"org.opencontainers.image.ref.name": "t"}}]}).encode()
        with open(self.dir + "/index.json", "wb") as f:
            f.write(index)
        return "oci:" + self.dir + ":t"


def tar_bytes(entries):
    """entries: list of (TarInfo, bytes or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def file_info(name, data=b"", **kw):
    i = tarfile.TarInfo(name)
    i.size = len(data)
    for k, v in kw.items():
        setattr(i, k, v)
    return i, data


def simple_image(name, entries, compress=True, **kw):
    raw = tar_bytes(entries)
    blob = gzip.compress(raw, 6) if compress else raw
    lay = Layout(name)
    d = lay.blob(blob)
    media = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if compress else "")
    return lay.image([(d, len(blob))], [sha(raw)], media=media, **kw)


def zeros_tar_stream(out, size, name="zeros"):
    """Writes a tar holding one file of `size` zero bytes into a writable stream, in chunks."""
    info = tarfile.TarInfo(name)
    info.size = size
    header = info.tobuf(format=tarfile.PAX_FORMAT)
    h = hashlib.sha256()
    for part in [header]:
        out.write(part)
        h.update(part)
    chunk = bytes(1 << 20)
    left = size
    while left:
        n = min(left, len(chunk))
        out.write(chunk[:n])
        h.update(chunk[:n])
        left -= n
    pad = (-size) % 512 + 1024
    out.write(bytes(pad))
    h.update(bytes(pad))
    return h.hexdigest()


CASES = []


def case(name, expect, keywords=()):
    def wrap(fn):
        CASES.append((name, fn, expect, keywords))
        return fn
    return wrap


@case("gzip bomb layer (1 GiB of zeros)", "error", ("ratio", "limit", "exceeds"))
def gzip_bomb():
    lay = Layout("gzip-bomb")
    path = W + "/gzip-bomb.blob"
    with open(path, "wb") as f:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)

        class Sink:
            def write(self, b):
                f.write(z.compress(b))
        diff = zeros_tar_stream(Sink(), 1 << 30)
        f.write(z.flush())
    d, size = lay.blob_file(path)
    return ["inventory", lay.image([(d, size)], [diff])]


@case("zstd bomb layer (2 GiB of zeros)", "error", ("ratio", "limit", "exceeds"))
def zstd_bomb():
    if not shutil.which("zstd"):
        return None
    lay = Layout("zstd-bomb")
    path = W + "/zstd-bomb.blob"
    p = subprocess.Popen(["zstd", "-q", "-19", "-c"], stdin=subprocess.PIPE,
                         stdout=open(path, "wb"))
    diff = zeros_tar_stream(p.stdin, 2 << 30)
    p.stdin.close()
    p.wait()
    d, size = lay.blob_file(path)
    return ["inventory", lay.image([(d, size)], [diff],
                                   media="application/vnd.oci.image.layer.v1.tar+zstd")]


@case("tar header declares 1 TiB, data truncated", "error", ("truncat", "ended", "short", "end of", "declares"))
def huge_declared():
    first, data = file_info("etc/os-release", b"ID=debian\nVERSION_ID=12\n")
    raw = first.tobuf(format=tarfile.PAX_FORMAT) + data + bytes((-len(data)) % 512)
    info = tarfile.TarInfo("big")
    info.size = 1 << 40
    raw += info.tobuf(format=tarfile.PAX_FORMAT) + b"\x01" * 4096
    lay = Layout("huge-declared")
    blob = gzip.compress(raw)
    d = lay.blob(blob)
    return ["inventory", lay.image([(d, len(blob))], [sha(raw)])]


@case("path traversal, absolute paths, escaping symlinks and hard links", "ok")
def traversal():
    rel = os.path.relpath(ESCAPES[1], "/")
    entries = [
        file_info("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
        file_info("../../../../../../.." + ESCAPES[0], b"escaped"),
        file_info("/" + rel, b"escaped"),
        file_info("a/../../../../../../../../" + rel, b"escaped"),
        file_info("var/lib/dpkg/status", b"", type=tarfile.SYMTYPE,
                  linkname="../../../../../../etc/shadow"),
        file_info("usr/lib/os-release", b"", type=tarfile.LNKTYPE, linkname="../../../etc/passwd"),
    ]
    return ["sbom", "-o", "cyclonedx-json", simple_image("traversal", entries)]


@case("symlink loops (self, pair, 100-hop chain)", "ok")
def loops():
    entries = [file_info("etc/os-release", b"ID=alpine\nVERSION_ID=3.19.0\n"),
               file_info("lib/apk/db/installed", b"", type=tarfile.SYMTYPE, linkname="installed"),
               file_info("a", b"", type=tarfile.SYMTYPE, linkname="b"),
               file_info("b", b"", type=tarfile.SYMTYPE, linkname="a"),
               file_info("var/lib/dpkg/status", b"", type=tarfile.SYMTYPE, linkname="/l0")]
    entries += [file_info(f"l{i}", b"", type=tarfile.SYMTYPE, linkname=f"/l{i + 1}")
                for i in range(100)]
    return ["sbom", simple_image("loops", entries)]


@case("layer digest does not match its content", "error", ("digest",))
def wrong_digest():
    raw = tar_bytes([file_info("x", b"x")])
    blob = gzip.compress(raw)
    lay = Layout("wrong-digest")
    d = lay.blob(blob, digest=sha(b"something else"))
    return ["inventory", lay.image([(d, len(blob))], [sha(raw)])]


@case("diff_id does not match the uncompressed layer", "error", ("digest", "diff_id"))
def wrong_diff_id():
    raw = tar_bytes([file_info("x", b"x")])
    blob = gzip.compress(raw)
    lay = Layout("wrong-diffid")
    d = lay.blob(blob)
    return ["inventory", lay.image([(d, len(blob))], [sha(b"other")])]


@case("index.json nested 100,000 deep", "error", ())
def deep_index():
    lay = Layout("deep-index")
    bomb = ("[" * 100_000 + "]" * 100_000).encode()
    return ["inventory", lay.image([], [], index_bytes=b'{"schemaVersion":2,"manifests":' + bomb + b"}")]


@case("index.json of 200 MiB", "error", ())
def huge_index():
    lay = Layout("huge-index")
    path = lay.dir + "/index.json"
    lay.image([], [])
    with open(path, "wb") as f:
        f.write(b'{"schemaVersion":2,"annotations":{"x":"')
        f.write(b"a" * (200 << 20))
        f.write(b'"},"manifests":[]}')
    return ["inventory", "oci:" + lay.dir + ":t"]


@case("path of 10,000 components and a 1 MiB name", "error", ("limit", "exceeds"))
def long_paths():
    deep = "/".join(["d"] * 10_000) + "/f"
    entries = [file_info("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
               file_info(deep, b"x"), file_info("n" * (1 << 20), b"x")]
    return ["inventory", simple_image("long-paths", entries)]


@case("dpkg status of 100 MiB with one endless field", "ok")
def huge_status():
    body = (b"Package: a\nStatus: install ok installed\nVersion: 1\nDescription: "
            + os.urandom(50 << 20).hex().encode() + b"\n")
    entries = [file_info("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
               file_info("var/lib/dpkg/status", body)]
    return ["sbom", simple_image("huge-status", entries)]


@case("jar holding a zip bomb nested five deep", "ok")
def jar_bomb():
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros", bytes(512 << 20))
    data = inner.getvalue()
    for depth in range(5):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
            z.writestr(f"lib/nested{depth}.jar", data)
        data = buf.getvalue()
    entries = [file_info("app/app.jar", data)]
    return ["sbom", simple_image("jar-bomb", entries)]


@case("ELF with a lying Go build-info header", "ok")
def bad_elf():
    elf = bytearray(b"\x7fELF\x02\x01\x01" + bytes(9))
    elf += bytes(4096)
    elf[0x28:0x30] = (1 << 60).to_bytes(8, "little")  # section header offset far away
    elf[0x3C:0x3E] = (0xFFFF).to_bytes(2, "little")  # 65535 sections
    elf += b"\xff Go buildinf:" + bytes([8, 2]) + bytes(14) + b"\xff\xff\xff\xff\x0f"
    entries = [file_info("usr/bin/go-thing", bytes(elf), mode=0o755)]
    return ["sbom", simple_image("bad-elf", entries)]


@case("CycloneDX SBOM nested 100,000 deep", "error", ("deeper", "limit"))
def deep_sbom():
    path = W + "/deep.cdx.json"
    with open(path, "w") as f:
        f.write('{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"components":'
                + "[" * 100_000 + "]" * 100_000 + "}]}")
    return ["sbom", "sbom:" + path]


def wide_cyclonedx(name, count):
    path = f"{W}/{name}.cdx.json"
    comps = [{"type": "library", "name": f"p{i}", "version": "1.0.0",
              "purl": f"pkg:pypi/p{i}@1.0.0"} for i in range(count)]
    with open(path, "w") as f:
        json.dump({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": comps}, f)
    return path


@case("CycloneDX SBOM with 100,000 components", "ok")
def wide_sbom():
    return ["sbom", "-o", "json", "sbom:" + wide_cyclonedx("wide", 100_000)]


@case("CycloneDX SBOM with 400,000 components", "error", ("limit", "exceeds"))
def too_wide_sbom():
    return ["sbom", "-o", "json", "sbom:" + wide_cyclonedx("too-wide", 400_000)]


@case("SPDX SBOM that is not JSON at all", "error", ())
def junk_sbom():
    path = W + "/junk.spdx.json"
    with open(path, "wb") as f:
        f.write(os.urandom(1 << 20))
    return ["sbom", "sbom:" + path]


@case("advisories: malformed OSV records and a zip bomb", "ok")
def bad_advisories():
    d = W + "/advisories"
    os.makedirs(d)
    with open(d + "/bad-types.json", "w") as f:
        json.dump({"id": 7, "affected": "nope", "modified": []}, f)
    with open(d + "/deep.json", "w") as f:
        f.write('{"id":"X","affected":' + "[" * 50_000 + "]" * 50_000 + "}")
    with open(d + "/events.json", "w") as f:
        json.dump({"id": "HOSTILE-1", "modified": "2026-01-01T00:00:00Z",
                   "affected": [{"package": {"ecosystem": "PyPI", "name": "x"},
                                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}] * 100_000}]}]}, f)
    with zipfile.ZipFile(d + "/all.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.json", b" " * (1 << 30))
    return ["db", "import", "--db", W + "/adv.db", d]


@case("Rego policy that recurses and loops without end", "error", ())
def endless_policy():
    d = W + "/policy"
    os.makedirs(d)
    with open(d + "/p.rego", "w") as f:
        f.write("package p\n\n"
                "import rego.v1\n\n"
                "n := numbers.range(1, 100000000)\n\n"
                "deny contains x if {\n  some i in n\n  some j in n\n  x := i * j\n}\n")
    inp = W + "/input.json"
    with open(inp, "w") as f:
        f.write("{}")
    return ["policy", "eval", "--data", d, "--input", inp, "data.p.deny"]


@case("fleet scan: hostile usage file and manifests (deep JSON, huge and broken CSV rows, bad YAML)", "error", ("resolved", "scanned"))
def hostile_fleet():
    d = W + "/fleet"
    os.makedirs(d)
    with open(d + "/usage.csv", "w") as f:
        f.write('image,pulls,replicas\n"unterminated,1\n')
        f.write("x" * (2 << 20) + ",1,1\n")
        for i in range(50_000):
            f.write(f"127.0.0.1:9/none/x{i % 97}:1,{i},-1\n")
        f.write("../../../etc/passwd,1,1\n")
    with open(d + "/deep.yaml", "w") as f:
        f.write("apiVersion: v1\nkind: Pod\nspec: " + "[" * 20_000 + "]" * 20_000 + "\n")
    with open(d + "/k.yaml", "w") as f:
        f.write("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: 99999999999999999999\n"
                "  template: {spec: {containers: [{name: a, image: \"127.0.0.1:9/none/app:1\"}]}}\n")
    return ["fleet", "scan", d, "--usage", d + "/usage.csv", "--insecure-registry", "127.0.0.1:9",
            "--sbom-cache", W + "/fleet-sboms", "-o", "json", "--output", W + "/fleet.json"]


def run(args):
    cmd = ["/usr/bin/time", "-f", "%M", "prlimit", f"--as={MEMORY_LIMIT}", TG] + args
    env = dict(os.environ, HOME=W + "/home", XDG_CACHE_HOME=W + "/cache", TMPDIR=W + "/tmp",
               TAILGUARD_DB=W + "/none.db")
    os.makedirs(W + "/tmp", exist_ok=True)
    try:
        p = subprocess.run(cmd, cwd=W, env=env, capture_output=True, timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        return None, "", 0
    err = p.stderr.decode(errors="replace").rstrip().splitlines()
    rss = int(err[-1]) if err and err[-1].isdigit() else 0
    # /usr/bin/time reports "Command exited with non-zero status N" / "Command terminated by signal N"
    body = [l for l in err[:-1] if not l.startswith("Command ")]
    status = p.returncode
    for l in err:
        if l.startswith("Command terminated by signal"):
            status = 128 + int(l.split()[-1])
    return status, "\n".join(body), rss


def main():
    failures = 0
    print(f"hostile inputs in {W} (address space {MEMORY_LIMIT >> 20} MiB, {TIME_LIMIT} s each)")
    for name, build, expect, keywords in CASES:
        args = build()
        if args is None:
            print(f"SKIP  {name} (tool missing)")
            continue
        status, stderr, rss = run(args)
        problems = []
        if status is None:
            problems.append(f"did not finish in {TIME_LIMIT} s")
        elif status not in (0, 1, 2):
            problems.append(f"exit status {status} (crash, abort or kill)")
        elif expect == "error" and status != 2:
            problems.append(f"expected a clear error (exit 2), got exit {status}")
        elif expect == "ok" and status == 2 and not stderr:
            problems.append("exit 2 without a message")
        if expect == "error" and status == 2:
            if not stderr.strip():
                problems.append("rejected without a message on stderr")
            elif keywords and not any(k in stderr.lower() for k in keywords):
                problems.append(f"message does not say why ({'/'.join(keywords)}): {stderr[:200]}")
        if rss > RSS_LIMIT_KB:
            problems.append(f"peak RSS {rss >> 10} MiB > {RSS_LIMIT_KB >> 10} MiB")
        for e in ESCAPES:
            if os.path.exists(e):
                problems.append(f"wrote outside its directory: {e}")
                os.remove(e)
        first = stderr.strip().splitlines()[0][:160] if stderr.strip() else ""
        verdict = "FAIL" if problems else "ok  "
        print(f"{verdict}  {name}: exit {status}, {rss >> 10} MiB  {first}")
        for pr in problems:
            print(f"        {pr}")
        failures += bool(problems)
    shutil.rmtree(W, ignore_errors=True)
    print(f"{len(CASES) - failures}/{len(CASES)} hostile inputs handled")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
