import ByteFormats
import Foundation
import TailguardModel

/// The one reader of an OCI image layout directory (`index.json` + `blobs/<alg>/<hex>`) that the
/// image source, the signature fetcher and the fleet's tag resolver share: every document read is
/// bounded in size, decoded into the typed models of `OCIDocuments.swift`, and every blob is checked
/// against its digest before anyone sees its bytes.
public struct OCILayout: Sendable, Hashable {
  public let directory: String
  /// Documents (`index.json`, manifests, configs) larger than this are refused.
  public static let maxDocument = 8 << 20

  public init(directory: String) {
    self.directory = directory
  }

  public var indexPath: String { directory + "/index.json" }

  public func blobPath(_ digest: Digest) -> String {
    "\(directory)/blobs/\(digest.algorithm)/\(digest.hex)"
  }

  public func hasBlob(_ digest: Digest) -> Bool {
    FileManager.default.fileExists(atPath: blobPath(digest))
  }

  /// The layout's `index.json`.
  public func index() throws(ImageSourceError) -> OCIIndex {
    let bytes: [UInt8]
    do {
      bytes = try FileBlobReader.readSmall(
        indexPath, limit: Self.maxDocument, what: "OCI layout index.json")
    } catch  where error.code == .notFound {
      throw ImageSourceError(
        .notFound, "\(directory) is not an OCI layout: index.json is missing", path: indexPath)
    }
    return try JSONDocument.decode(
      OCIIndex.self, from: bytes, what: "OCI layout index.json", path: indexPath)
  }

  /// A blob of at most `limit` bytes, checked against its digest.
  public func blob(_ digest: Digest, what: String, limit: Int = maxDocument)
    throws(ImageSourceError) -> [UInt8]
  {
    let path = blobPath(digest)
    let bytes: [UInt8]
    do {
      bytes = try FileBlobReader.readSmall(path, limit: limit, what: what)
    } catch  where error.code == .notFound {
      throw ImageSourceError(
        .notFound, "\(what) blob \(digest) is missing from the layout", blob: digest, path: path)
    }
    do {
      try digest.verify(bytes, what: "\(what) \(digest)")
    } catch {
      throw ImageSourceError(error.code, error.message, blob: digest, path: path)
    }
    return bytes
  }
}
