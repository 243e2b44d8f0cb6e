import Foundation

/// Reads whole input files with a size limit, so a hostile path (a device, a huge file) cannot
/// exhaust memory before a parser sees the bytes.
enum FileInput {
  static func read(_ path: String, limit: Int) throws(SignatureError) -> Data {
    let attributes: [FileAttributeKey: Any]
    do {
      attributes = try FileManager.default.attributesOfItem(atPath: path)
    } catch {
      throw SignatureError(
        .unreadableInput, "cannot read: \(error.localizedDescription)", path: path)
    }
    if let type = attributes[.type] as? FileAttributeType, type != .typeRegular {
      throw SignatureError(.unreadableInput, "not a regular file", path: path)
    }
    if let size = attributes[.size] as? NSNumber, size.int64Value > Int64(limit) {
      throw SignatureError(
        .inputTooLarge, "\(size) bytes exceeds the \(limit)-byte limit", path: path)
    }
    do {
      return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw SignatureError(
        .unreadableInput, "cannot read: \(error.localizedDescription)", path: path)
    }
  }
}
