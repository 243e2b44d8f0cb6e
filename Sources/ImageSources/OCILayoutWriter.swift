import ByteFormats
import Foundation
import TailguardModel

/// Writes a new image into an OCI image layout: an existing image from a layout with one more
/// layer on top, a config that records it (`rootfs.diff_ids`, one `history` entry) and a
/// manifest naming both. JSON is written with sorted keys and every time comes from the input,
/// so the same input gives the same digests on every run.
public struct OCILayoutWriter: Sendable {
  public let directory: String

  public init(directory: String) { self.directory = directory }

  /// What was written.
  public struct Written: Sendable, Hashable {
    public var manifestDigest: Digest
    public var configDigest: Digest
    public var layerDigest: Digest
    public var manifestSize: Int
  }

  /// Appends `layerTar` (uncompressed) to the image `manifestDigest` of the layout `source`,
  /// writing every blob and an `index.json` that tags the result `tag`. `history` is the
  /// `created_by` of the new history entry, `comment` its comment.
  public func appendLayer(
    to manifestDigest: Digest, from source: OCILayout, layerTar: [UInt8], tag: String,
    createdBy: String, comment: String
  ) throws -> Written {
    let manifestBytes = try source.blob(manifestDigest, what: "manifest")
    guard
      var manifest = try JSONSerialization.jsonObject(with: Data(manifestBytes)) as? [String: Any],
      var configDescriptor = manifest["config"] as? [String: Any],
      let configDigestText = configDescriptor["digest"] as? String,
      let configDigest = try? Digest(parsing: configDigestText)
    else {
      throw ImageSourceError(.malformed, "manifest \(manifestDigest) is not an image manifest")
    }
    let configBytes = try source.blob(configDigest, what: "config")
    guard var config = try JSONSerialization.jsonObject(with: Data(configBytes)) as? [String: Any]
    else {
      throw ImageSourceError(.malformed, "config \(configDigest) is not a JSON object")
    }
    let layerHex = BlobHasher.sha256Hex(layerTar)
    var rootfs = config["rootfs"] as? [String: Any] ?? ["type": "layers"]
    rootfs["diff_ids"] = (rootfs["diff_ids"] as? [Any] ?? []) + ["sha256:\(layerHex)"]
    config["rootfs"] = rootfs
    var entry: [String: Any] = ["created_by": createdBy, "comment": comment]
    if let created = config["created"] { entry["created"] = created }
    config["history"] = (config["history"] as? [Any] ?? []) + [entry]
    let newConfig = try Self.json(config)
    let configHex = BlobHasher.sha256Hex(newConfig)
    configDescriptor["digest"] = "sha256:\(configHex)"
    configDescriptor["size"] = newConfig.count
    manifest["config"] = configDescriptor
    manifest["layers"] =
      (manifest["layers"] as? [Any] ?? []) + [
        [
          "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:\(layerHex)",
          "size": layerTar.count,
        ] as [String: Any]
      ]
    manifest["mediaType"] = manifest["mediaType"] ?? "application/vnd.oci.image.manifest.v1+json"
    let newManifest = try Self.json(manifest)
    let manifestHex = BlobHasher.sha256Hex(newManifest)

    let fm = FileManager.default
    try fm.createDirectory(atPath: directory + "/blobs/sha256", withIntermediateDirectories: true)
    for layer in manifest["layers"] as? [[String: Any]] ?? [] {
      guard let text = layer["digest"] as? String, let d = try? Digest(parsing: text),
        text != "sha256:\(layerHex)"
      else { continue }
      let to = "\(directory)/blobs/\(d.algorithm)/\(d.hex)"
      if fm.fileExists(atPath: to) { continue }
      try fm.createDirectory(
        atPath: "\(directory)/blobs/\(d.algorithm)", withIntermediateDirectories: true)
      try fm.copyItem(atPath: source.blobPath(d), toPath: to)
    }
    try Self.write(layerTar, to: "\(directory)/blobs/sha256/\(layerHex)")
    try Self.write(newConfig, to: "\(directory)/blobs/sha256/\(configHex)")
    try Self.write(newManifest, to: "\(directory)/blobs/sha256/\(manifestHex)")
    try Self.write(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: directory + "/oci-layout")
    // index.json: keep other tags already in the output layout, replace this tag.
    var manifests: [[String: Any]] = []
    if let existing = try? Data(contentsOf: URL(fileURLWithPath: directory + "/index.json")),
      let index = try? JSONSerialization.jsonObject(with: existing) as? [String: Any]
    {
      manifests = (index["manifests"] as? [[String: Any]] ?? []).filter {
        ($0["annotations"] as? [String: Any])?[OCIDescriptor.refNameAnnotation] as? String != tag
      }
    }
    manifests.append([
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:\(manifestHex)", "size": newManifest.count,
      "annotations": [OCIDescriptor.refNameAnnotation: tag],
    ])
    try Self.write(
      try Self.json(["schemaVersion": 2, "manifests": manifests] as [String: Any]),
      to: directory + "/index.json")
    return Written(
      manifestDigest: try Digest(parsing: "sha256:\(manifestHex)"),
      configDigest: try Digest(parsing: "sha256:\(configHex)"),
      layerDigest: try Digest(parsing: "sha256:\(layerHex)"), manifestSize: newManifest.count)
  }

  static func json(_ object: Any) throws -> [UInt8] {
    [UInt8](
      try JSONSerialization.data(
        withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
  }

  static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}
