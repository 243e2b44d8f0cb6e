import ByteFormats
import TailguardModel

/// Raw bytes of a blob, pulled in chunks (a file read 1 MiB at a time, an HTTP body).
/// Not verified unless `verifiesDigest` says so: `ImageSource.readLayer` verifies the rest.
public protocol BlobReader: AnyObject {
  /// The next chunk, or nil at the end.
  func next() async throws -> [UInt8]?
  /// True when the reader itself checks the blob's digest and throws from `next()` instead of
  /// returning the end on a mismatch (a registry stream does): `readLayer` then hashes the
  /// stored bytes only once.
  var verifiesDigest: Bool { get }
}

extension BlobReader {
  public var verifiesDigest: Bool { false }
}

/// Where an image comes from: an OCI layout, a docker archive, a registry, a directory.
///
/// A source resolves the platform manifest and config once (`image()`), then opens each layer
/// blob by digest. Every reader of layers goes through `readLayer`, which verifies the blob
/// digest and the config's `diff_id` as the bytes stream, so nothing downstream keeps
/// unverified bytes (a mismatch throws at the end of the layer, before the walk returns).
public protocol ImageSource: Sendable {
  /// How the user named the target.
  var target: String { get }
  /// Identity, layers and config of the selected image.
  func image() async throws -> ImageMetadata
  /// The stored bytes of a layer blob, unverified.
  func openLayerBlob(_ layer: LayerInfo) async throws -> any BlobReader
}

/// Progress of a layer read, for `layer N of M, bytes` lines on stderr.
public struct LayerProgress: Sendable {
  public var layerIndex: Int
  public var layerCount: Int
  public var bytesIn: Int64
  public var bytesOut: Int64
  public var done: Bool
  public init(layerIndex: Int, layerCount: Int, bytesIn: Int64, bytesOut: Int64, done: Bool) {
    self.layerIndex = layerIndex
    self.layerCount = layerCount
    self.bytesIn = bytesIn
    self.bytesOut = bytesOut
    self.done = done
  }
}

extension ImageSource {
  /// Streams the uncompressed tar of `layer` into `sink`, verifying the blob digest (when the
  /// layer's digest is the blob's content digest) and the `diff_id`; throws `ImageSourceError`.
  public func readLayer(
    _ layer: LayerInfo, of image: ImageMetadata, limits: DecompressionLimits = .layer,
    progress: ((LayerProgress) -> Void)? = nil,
    into sink: (UnsafeRawBufferPointer) throws -> Void
  ) async throws {
    let what = "layer \(layer.index + 1) (\(layer.digest))"
    let reader = try await openLayerBlob(layer)
    var decoder: LayerStreamDecoder
    do {
      decoder = try LayerStreamDecoder(
        what: what,
        blobDigest: reader.verifiesDigest
          ? nil : .init(algorithm: layer.digest.algorithm, hex: layer.digest.hex),
        diffID: layer.diffID.map { .init(algorithm: $0.algorithm, hex: $0.hex) }, limits: limits)
    } catch {
      throw ImageSourceError(error, reading: what, blob: layer.digest)
    }
    var lastReport: Int64 = 0
    do {
      while let chunk = try await reader.next() {
        try chunk.withUnsafeBytes { try decoder.push($0, into: sink) }
        if let progress, decoder.bytesIn - lastReport >= 8 << 20 {
          lastReport = decoder.bytesIn
          progress(
            LayerProgress(
              layerIndex: layer.index, layerCount: image.layers.count, bytesIn: decoder.bytesIn,
              bytesOut: decoder.bytesOut, done: false))
        }
      }
      try decoder.finish(into: sink)
    } catch let error as ByteFormatError {
      throw ImageSourceError(error, reading: what, blob: layer.digest)
    }
    progress?(
      LayerProgress(
        layerIndex: layer.index, layerCount: image.layers.count, bytesIn: decoder.bytesIn,
        bytesOut: decoder.bytesOut, done: true))
  }
}
