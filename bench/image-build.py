#!/usr/bin/env python3
"""Builds benchmark images as OCI layouts without network access.

  image-build.py large OUT_DIR [SRC_DIR...]   one gzip layer per source directory (default /usr, /etc)
  image-build.py many  OUT_DIR [COUNT]        one gzip layer with COUNT small files (default 1,000,000)

Layers are compressed with pigz when present (else gzip), at level 6 like docker.
"""
import hashlib, io, json, os, shutil, subprocess, sys, tarfile, tempfile

def compressor():
    return ["pigz", "-6", "-n", "-c"] if shutil.which("pigz") else ["gzip", "-6", "-n", "-c"]

def add_blob(out, path_or_bytes):
    h = hashlib.sha256()
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    if isinstance(path_or_bytes, (bytes, bytearray)):
        h.update(path_or_bytes)
        d = h.hexdigest()
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(path_or_bytes)
        return "sha256:" + d, len(path_or_bytes)
    with open(path_or_bytes, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    d = h.hexdigest()
    size = os.path.getsize(path_or_bytes)
    os.replace(path_or_bytes, os.path.join(blobs, d))
    return "sha256:" + d, size

class Hashing(io.RawIOBase):
    """A writable file that hashes what tarfile writes and pipes it to the compressor."""
    def __init__(self, sink):
        self.h = hashlib.sha256(); self.sink = sink
    def writable(self): return True
    def write(self, b):
        self.h.update(b); self.sink.write(b); return len(b)

def write_layer(out, fill):
    tmp = os.path.join(out, "layer.tmp")
    with open(tmp, "wb") as gz:
        p = subprocess.Popen(compressor(), stdin=subprocess.PIPE, stdout=gz)
        hw = Hashing(p.stdin)
        with tarfile.open(fileobj=hw, mode="w|", format=tarfile.PAX_FORMAT) as t:
            fill(t)
        p.stdin.close(); p.wait()
    diff_id = "sha256:" + hw.h.hexdigest()
    digest, size = add_blob(out, tmp)
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}, diff_id

def finish(out, layers, diff_ids, tag):
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "bench layer %d" % i} for i in range(len(layers))]}).encode()
    cd, cs = add_blob(out, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
        "layers": layers}).encode()
    md, ms = add_blob(out, manifest)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": md, "size": ms, "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')

def main():
    kind, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    layers, diff_ids = [], []
    if kind == "large":
        for src in (sys.argv[3:] or ["/usr", "/etc"]):
            def fill(t, src=src):
                def skip(ti):
                    return ti if ti.type in (tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE) else None
                t.add(src, arcname=src.lstrip("/"), filter=skip)
            l, d = write_layer(out, fill); layers.append(l); diff_ids.append(d)
        finish(out, layers, diff_ids, "large")
    elif kind == "many":
        count = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
        def fill(t):
            body = b"x\n"
            for i in range(count):
                ti = tarfile.TarInfo("data/d%04d/f%07d.txt" % (i // 1000, i)); ti.size = len(body); ti.mtime = 1700000000
                t.addfile(ti, io.BytesIO(body))
        l, d = write_layer(out, fill); layers.append(l); diff_ids.append(d)
        finish(out, layers, diff_ids, "many")
    else:
        sys.exit("usage: image-build.py large|many OUT_DIR [...]")

main()
