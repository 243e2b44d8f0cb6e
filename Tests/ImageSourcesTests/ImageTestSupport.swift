import ByteFormats
import FileTrees
import Foundation
import ImageSources
import TailguardModel
import TailguardTesting

/// Reads an image fully through its source into a LayerStack, as the scanner does.
func readStack(
  _ source: any ImageSource, selectors: [FileSelector] = [],
  options: CaptureOptions = CaptureOptions()
)
  async throws -> (ImageMetadata, LayerStack)
{
  let meta = try await source.image()
  let stack = try await LayerStack.build(image: meta, selectors: selectors, options: options) {
    layer, sink in
    try await source.readLayer(layer, of: meta, into: sink)
  }
  return (meta, stack)
}

/// One line per squashed entry, in the oracle's format: `path|type|size|link|added|changed`.
func lines(_ stack: LayerStack) -> [String] {
  stack.entries().map { e in
    let t: String
    switch e.kind {
    case .regular: t = "0"
    case .hardlink: t = "1"
    case .symlink: t = "2"
    case .characterDevice: t = "3"
    case .blockDevice: t = "4"
    case .directory: t = "5"
    case .fifo: t = "6"
    case .socket: t = "s"
    }
    return
      "\(e.path)|\(t)|\(e.kind == .regular || e.kind == .hardlink ? e.size : 0)|\(e.linkTarget ?? "")|\(e.addedInLayer)|\(e.changedInLayer)"
  }
}

/// Independent oracle: Python's tarfile reads each layer blob of an OCI layout and applies the
/// OCI whiteout rules (whiteouts of a layer apply to lower layers; opaque markers hide a
/// directory's lower contents); prints the squashed tree in `lines` format.
enum SquashOracle {
  static let script = #"""
    import sys, json, tarfile, posixpath
    layout, tag = sys.argv[1], sys.argv[2]
    idx = json.load(open(layout + "/index.json"))
    desc = [m for m in idx["manifests"] if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag][0]
    def blob(d): return layout + "/blobs/" + d.replace(":", "/")
    man = json.load(open(blob(desc["digest"])))
    def norm(n):
        parts = []
        for c in n.split("/"):
            if c in ("", "."): continue
            if c == "..":
                if parts: parts.pop()
                continue
            parts.append(c)
        return "/".join(parts)
    tree = {}
    def delete_under(p, strict):
        pre = p + "/" if p else ""
        for k in [k for k in tree if (k.startswith(pre) if pre else True) or (not strict and k == p)]:
            if k == p and strict: continue
            del tree[k]
    for li, l in enumerate(man["layers"]):
        t = tarfile.open(blob(l["digest"]), "r:*")
        ms = t.getmembers()
        for m in ms:
            p = norm(m.name); base = posixpath.basename(p); d = posixpath.dirname(p)
            if base == ".wh..wh..opq": delete_under(d, True)
            elif base.startswith(".wh..wh."): pass
            elif base.startswith(".wh."):
                v = posixpath.join(d, base[4:]); tree.pop(v, None); delete_under(v, True)
        for m in ms:
            p = norm(m.name); base = posixpath.basename(p)
            if p == "" or base.startswith(".wh."): continue
            parts = p.split("/")
            for i in range(1, len(parts)):
                q = "/".join(parts[:i])
                if q not in tree: tree[q] = ["5", 0, "", li, li]
            typ = {tarfile.REGTYPE: "0", tarfile.AREGTYPE: "0", tarfile.LNKTYPE: "1", tarfile.SYMTYPE: "2", tarfile.CHRTYPE: "3", tarfile.BLKTYPE: "4", tarfile.DIRTYPE: "5", tarfile.FIFOTYPE: "6", tarfile.CONTTYPE: "0"}[m.type]
            size = m.size if typ == "0" else 0
            link = m.linkname if typ == "2" else (norm(m.linkname) if typ == "1" else "")
            if typ == "1": size = tree[link][1] if link in tree else 0
            added = li
            if p in tree:
                added = tree[p][3]
                if tree[p][0] == "5" and typ != "5": delete_under(p, True)
            tree[p] = [typ, size, link, added, li]
    for k in sorted(tree):
        v = tree[k]
        print("%s|%s|%d|%s|%d|%d" % (k, v[0], v[1], v[2], v[3], v[4]))
    """#

  static func run(layout: String, tag: String) throws -> [String] {
    let out = try FixtureProcess.run("python3", ["-c", script, layout, tag])
    return String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
  }
}

let hasPython = FixtureProcess.which("python3") != nil
let hasSkopeo = FixtureProcess.which("skopeo") != nil
let hasZstd = FixtureProcess.which("zstd") != nil && ZstdDecoder.isAvailable
let sharedData = SharedData.isAvailable
let plantedLayout = SharedData.path("images/built/oci-layout")
let plantedDigest = "sha256:76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50"
