import Foundation
import ImageSources

/// Reads whole input files (bundles, trusted roots, keys) with a size limit, through ImageSources'
/// bounded reader, so a hostile path (a device, a huge file) cannot exhaust memory before a parser
/// sees the bytes.
enum FileInput {
  static func read(_ path: String, limit: Int) throws(SignatureError) -> Data {
    do {
      return Data(try FileBlobReader.readSmall(path, limit: limit, what: "input"))
    } catch {
      switch error.code {
      case .limitExceeded:
        throw SignatureError(.inputTooLarge, "exceeds the \(limit)-byte limit", path: path)
      case .notFound:
        throw SignatureError(.unreadableInput, "cannot read: no such file", path: path)
      case .malformed: throw SignatureError(.unreadableInput, "not a regular file", path: path)
      default: throw SignatureError(.unreadableInput, "cannot read: \(error.message)", path: path)
      }
    }
  }
}
