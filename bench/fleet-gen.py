#!/usr/bin/env python3
"""Writes a generated fleet for bench/fleet-scan.sh: an OCI layout of N images that share the real
Debian base layer of the shared `bookworm-minbase` image, each with one small layer of its own
holding a Python package (some of them vulnerable per the PyPA advisories), tagged app0..app{N-1};
and Kubernetes manifests referencing REGISTRY/fleet/appI:v1 with a long-tailed replica count
(replicas ~ 1000 / rank, some scaled to 0).

usage: fleet-gen.py SHARED_LAYOUT OUT_LAYOUT MANIFEST_DIR REGISTRY N
"""
import gzip, hashlib, io, json, os, sys, tarfile

base_layout, out, manifests, registry, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
PACKAGES = [("salt", "3000.1"), ("pyspark", "3.2.1"), ("searchor", "2.4.1"), ("duckdb", "0.9.2"),
            ("numexpr", "2.8.7"), ("six", "1.16.0"), ("requests", "2.19.0")]

os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
os.makedirs(manifests, exist_ok=True)

def put(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = f"{out}/blobs/sha256/{digest}"
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return "sha256:" + digest

def blob(layout, digest):
    return open(f"{layout}/blobs/sha256/{digest[7:]}", "rb").read()

index = json.load(open(f"{base_layout}/index.json"))
entry = next(m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == "bookworm-minbase")
base_manifest = json.loads(blob(base_layout, entry["digest"]))
base_config = json.loads(blob(base_layout, base_manifest["config"]["digest"]))
for layer in base_manifest["layers"]:
    dst = f"{out}/blobs/sha256/{layer['digest'][7:]}"
    if not os.path.exists(dst):
        try:
            os.link(f"{base_layout}/blobs/sha256/{layer['digest'][7:]}", dst)
        except OSError:
            open(dst, "wb").write(blob(base_layout, layer["digest"]))

manifests_out = []
docs = []
for i in range(n):
    name, version = PACKAGES[i % len(PACKAGES)]
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, text in [(f"usr/local/lib/python3.11/site-packages/{name}-{version}.dist-info/METADATA",
                            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
                           ("etc/fleet-image", f"{i}\n")]:
            data = text.encode()
            info = tarfile.TarInfo(path); info.size = len(data); info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    raw = tar_bytes.getvalue()
    layer = gzip.compress(raw, mtime=0)
    config = json.loads(json.dumps(base_config))
    config["rootfs"]["diff_ids"] = config["rootfs"]["diff_ids"] + ["sha256:" + hashlib.sha256(raw).hexdigest()]
    config.setdefault("history", []).append({"created_by": f"fleet image {i}"})
    config["config"] = dict(config.get("config") or {}, User="1000")
    config_bytes = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config_bytes), "size": len(config_bytes)},
        "layers": base_manifest["layers"] + [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(layer), "size": len(layer)}],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    manifests_out.append({"mediaType": manifest["mediaType"], "digest": put(manifest_bytes), "size": len(manifest_bytes),
                          "annotations": {"org.opencontainers.image.ref.name": f"app{i}"}})
    replicas = 0 if i % 37 == 36 else max(1, 1000 // (i + 1))
    docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: app{i}}}
spec:
  replicas: {replicas}
  template:
    metadata: {{labels: {{app: app{i}}}}}
    spec:
      containers: [{{name: main, image: "{registry}/fleet/app{i}:v1"}}]
""")
json.dump({"schemaVersion": 2, "manifests": manifests_out}, open(f"{out}/index.json", "w"))
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
open(f"{manifests}/fleet.yaml", "w").write("---\n".join(docs))
print(f"{n} images in {out}, manifests in {manifests}/fleet.yaml")
