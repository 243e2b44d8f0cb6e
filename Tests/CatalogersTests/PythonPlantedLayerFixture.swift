import ByteFormats
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting

/// Layer 2 of the planted image (`images/built/oci-layout`, tag `planted`): Python site-packages,
/// log4j jars, Go binaries and npm semver, unpacked once with the system `tar` into a
/// temporary directory shared by the language-cataloger tests.
enum PlantedLayerFixture {
  static let layout = "images/built/oci-layout"
  static let manifestDigest = "76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50"

  static let available: Bool =
    SharedData.isAvailable && FixtureProcess.which("tar") != nil
    && FileManager.default.fileExists(
      atPath: SharedData.path("\(layout)/blobs/sha256/\(manifestDigest)"))

  /// The unpacked directory (kept for the life of the test process).
  static let directory: Result<String, FixtureError> = {
    do {
      let manifestPath = SharedData.path("\(layout)/blobs/sha256/\(manifestDigest)")
      let manifest = try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
      guard let layers = (manifest as? [String: Any])?["layers"] as? [[String: Any]],
        layers.count == 2,
        let digest = layers[1]["digest"] as? String
      else { return .failure(FixtureError("planted manifest does not have two layers")) }
      let blob = SharedData.path("\(layout)/blobs/sha256/" + digest.dropFirst("sha256:".count))
      // Unpacked once per machine (keyed by the layer digest) and reused by later test runs.
      let fm = FileManager.default
      let hex = digest.dropFirst("sha256:".count).prefix(16)
      let dir = fm.temporaryDirectory.appendingPathComponent("tailguard-planted-layer-\(hex)")
      let root = dir.appendingPathComponent("root").path
      let done = dir.appendingPathComponent(".complete").path
      if fm.fileExists(atPath: done) { return .success(root) }
      let staging = fm.temporaryDirectory.appendingPathComponent(
        "tailguard-planted-\(UUID().uuidString)")
      try fm.createDirectory(at: staging, withIntermediateDirectories: true)
      try FixtureProcess.run("tar", ["-xzf", blob, "-C", staging.path])
      try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
      if (try? fm.moveItem(atPath: staging.path, toPath: root)) != nil {
        _ = fm.createFile(atPath: done, contents: Data())
        return .success(root)
      }
      // Another test process got there first: use its copy once complete, else ours.
      if fm.fileExists(atPath: done) {
        try? fm.removeItem(at: staging)
        return .success(root)
      }
      return .success(staging.path)
    } catch {
      return .failure(FixtureError("cannot unpack the planted layer: \(error)"))
    }
  }()

  static func resolver(selectors: [FileSelector]) throws -> InMemoryFileResolver {
    try InMemoryFileResolver.loading(directory: try directory.get(), selectors: selectors)
  }

  static var expectedInventory: [String: Any] {
    get throws {
      let data = try Data(
        contentsOf: URL(
          fileURLWithPath: SharedData.path("images/built/planted.expected-inventory.json")))
      return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
  }
}

/// Presents every file of an inner resolver as written by one given layer of a layer list, so
/// layer attribution can be checked with the planted image's real layer digests.
struct LayerShiftedResolver: FileResolver {
  let inner: InMemoryFileResolver
  let layers: [LayerInfo]
  let layerIndex: Int

  var diagnostics: [Diagnostic] { inner.diagnostics }
  func entry(at path: String) -> FileEntry? {
    guard var e = inner.entry(at: path) else { return nil }
    e.addedInLayer = layerIndex
    e.changedInLayer = layerIndex
    return e
  }
  func resolve(_ path: String) -> String? { inner.resolve(path) }
  func contents(at path: String) -> (any ByteSource)? { inner.contents(at: path) }
  func history(of path: String) -> [FileVersion] {
    inner.history(of: path).map { FileVersion(layerIndex: layerIndex, contents: $0.contents) }
  }
  func paths(matching selector: FileSelector) -> [String] { inner.paths(matching: selector) }
  func children(of directory: String) -> [String] { inner.children(of: directory) }
}

extension PlantedLayerFixture {
  /// The planted image's two layers as the manifest lists them.
  static func layers() throws -> [LayerInfo] {
    let manifestPath = SharedData.path("\(layout)/blobs/sha256/\(manifestDigest)")
    let manifest = try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
    let entries = (manifest as? [String: Any])?["layers"] as? [[String: Any]] ?? []
    return try entries.enumerated().map { i, layer in
      LayerInfo(
        index: i, digest: try Digest(parsing: layer["digest"] as? String ?? ""),
        mediaType: layer["mediaType"] as? String ?? "", compression: .gzip,
        size: (layer["size"] as? NSNumber)?.int64Value ?? 0)
    }
  }
}
