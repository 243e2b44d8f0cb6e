import ByteFormats
import Foundation

/// Writes images for tests into a temporary directory: OCI layouts (with tags, nested indexes,
/// several platforms) and docker archives, from layer tars built with `TarBuilder`. Hostile
/// variants (wrong digests, missing blobs, malformed JSON) are made by editing the result.
public struct ImageBuilder {
  public enum Compression: Sendable { case none, gzip, zstd }

  public struct Layer {
    public var tar: [UInt8]
    public var compression: Compression
    public var createdBy: String?
    public init(_ tar: [UInt8], compression: Compression = .gzip, createdBy: String? = nil) {
      self.tar = tar
      self.compression = compression
      self.createdBy = createdBy
    }
  }

  public struct Written {
    public var manifestDigest: String
    public var configDigest: String
    public var layerDigests: [String]
    public var diffIDs: [String]
    public var configBytes: [UInt8]
    public var manifestBytes: [UInt8]
  }

  public var layers: [Layer]
  public var os = "linux"
  public var architecture = "amd64"
  public var variant: String?
  public var env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
  public var entrypoint: [String]? = ["/bin/sh"]
  public var cmd: [String]? = ["-c", "true"]
  public var user: String? = "1000"
  public var labels: [String: String] = ["org.example.fixture": "yes"]
  public var created = "2026-11-29T00:00:00Z"
  /// Extra history entries with `empty_layer: true`, inserted before layer `n`'s entry.
  public var emptyHistoryBefore: [Int: String] = [:]

  public init(layers: [Layer]) { self.layers = layers }

  public static func compress(_ bytes: [UInt8], _ c: Compression) throws -> [UInt8] {
    switch c {
    case .none: return bytes
    case .gzip: return try FixtureProcess.run("gzip", ["-c", "-n", "-1"], stdin: bytes)
    case .zstd: return try FixtureProcess.run("zstd", ["-c", "-q", "-3"], stdin: bytes)
    }
  }

  static func mediaType(_ c: Compression) -> String {
    switch c {
    case .none: return "application/vnd.oci.image.layer.v1.tar"
    case .gzip: return "application/vnd.oci.image.layer.v1.tar+gzip"
    case .zstd: return "application/vnd.oci.image.layer.v1.tar+zstd"
    }
  }

  public static func json(_ object: Any) -> [UInt8] {
    (try? [UInt8](JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))) ?? []
  }

  func configObject(diffIDs: [String]) -> [String: Any] {
    var history: [[String: Any]] = []
    for (i, l) in layers.enumerated() {
      if let e = emptyHistoryBefore[i] {
        history.append(["created": created, "created_by": e, "empty_layer": true])
      }
      history.append(["created": created, "created_by": l.createdBy ?? "layer \(i + 1)"])
    }
    var inner: [String: Any] = ["Env": env, "Labels": labels]
    if let entrypoint { inner["Entrypoint"] = entrypoint }
    if let cmd { inner["Cmd"] = cmd }
    if let user { inner["User"] = user }
    var o: [String: Any] = [
      "architecture": architecture, "os": os, "created": created, "config": inner,
      "rootfs": ["type": "layers", "diff_ids": diffIDs], "history": history,
    ]
    if let variant { o["variant"] = variant }
    return o
  }

  /// Writes blobs, the config and the manifest into `dir` (an OCI layout, created if needed);
  /// does not touch `index.json` (see `writeOCILayout`).
  public func writeBlobs(into dir: String) throws -> Written {
    let blobs = dir + "/blobs/sha256"
    try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
    var layerDescs: [[String: Any]] = []
    var layerDigests: [String] = []
    var diffIDs: [String] = []
    for l in layers {
      let blob = try Self.compress(l.tar, l.compression)
      let d = FixtureDigest.sha256(blob)
      try Data(blob).write(to: URL(fileURLWithPath: blobs + "/" + d.dropFirst(7)))
      layerDigests.append(d)
      diffIDs.append(FixtureDigest.sha256(l.tar))
      layerDescs.append([
        "mediaType": Self.mediaType(l.compression), "digest": d, "size": blob.count,
      ])
    }
    let config = Self.json(configObject(diffIDs: diffIDs))
    let configDigest = FixtureDigest.sha256(config)
    try Data(config).write(to: URL(fileURLWithPath: blobs + "/" + configDigest.dropFirst(7)))
    let manifest = Self.json([
      "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": [
        "mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest,
        "size": config.count,
      ],
      "layers": layerDescs,
    ])
    let manifestDigest = FixtureDigest.sha256(manifest)
    try Data(manifest).write(to: URL(fileURLWithPath: blobs + "/" + manifestDigest.dropFirst(7)))
    return Written(
      manifestDigest: manifestDigest, configDigest: configDigest, layerDigests: layerDigests,
      diffIDs: diffIDs, configBytes: config, manifestBytes: manifest)
  }

  /// Writes a complete OCI layout with one image tagged `tag`.
  @discardableResult
  public func writeOCILayout(at dir: String, tag: String? = "latest") throws -> Written {
    let w = try writeBlobs(into: dir)
    var desc: [String: Any] = [
      "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": w.manifestDigest,
      "size": w.manifestBytes.count,
    ]
    if let tag { desc["annotations"] = ["org.opencontainers.image.ref.name": tag] }
    try Self.writeIndex(at: dir, manifests: [desc])
    return w
  }

  public static func writeIndex(at dir: String, manifests: [[String: Any]]) throws {
    try Data(json(["imageLayoutVersion": "1.0.0"])).write(
      to: URL(fileURLWithPath: dir + "/oci-layout"))
    try Data(
      json([
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
      ])
    )
    .write(to: URL(fileURLWithPath: dir + "/index.json"))
  }

  /// Writes a blob into a layout and returns its digest.
  public static func writeBlob(_ bytes: [UInt8], into dir: String) throws -> String {
    let blobs = dir + "/blobs/sha256"
    try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
    let d = FixtureDigest.sha256(bytes)
    try Data(bytes).write(to: URL(fileURLWithPath: blobs + "/" + d.dropFirst(7)))
    return d
  }

  /// Writes a `docker save` style archive (`manifest.json`, `<hex>.json` config,
  /// `<hex>/layer.tar` layers as given, i.e. possibly compressed) and returns the outer tar.
  public func dockerArchive(repoTags: [String] = ["fixture:latest"]) throws -> [UInt8] {
    var outer = TarBuilder()
    var diffIDs: [String] = []
    var names: [String] = []
    for (i, l) in layers.enumerated() {
      diffIDs.append(FixtureDigest.sha256(l.tar))
      let blob = try Self.compress(l.tar, l.compression)
      let id = String(FixtureDigest.sha256("\(i)-".utf8 + blob).dropFirst(7))
      outer.directory(id + "/")
      outer.file(id + "/VERSION", "1.0")
      outer.file(id + "/layer.tar", blob)
      names.append(id + "/layer.tar")
    }
    let config = Self.json(configObject(diffIDs: diffIDs))
    let configName = String(FixtureDigest.sha256(config).dropFirst(7)) + ".json"
    outer.file(configName, config)
    outer.file(
      "manifest.json", Self.json([["Config": configName, "RepoTags": repoTags, "Layers": names]]))
    return outer.finished()
  }
}
