import Foundation

/// Helpers for the protobuf JSON mapping used by Sigstore files: 64-bit integers may be strings,
/// `bytes` are standard base64. Kept in one place so every parser applies the same limits.
enum ProtoJSON {
  /// Upper bound for any JSON document we parse (bundles, trusted roots): real ones are a few KiB.
  static let maximumDocumentSize = 16 << 20

  static func decode<T: Decodable>(
    _ type: T.Type, from data: Data, code: SignatureError.Code, path: String?
  )
    throws(SignatureError) -> T
  {
    guard data.count <= maximumDocumentSize else {
      throw SignatureError(
        .inputTooLarge,
        "document of \(data.count) bytes exceeds the \(maximumDocumentSize)-byte limit", path: path)
    }
    do {
      return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
      throw SignatureError(code, describe(error), path: path)
    } catch {
      throw SignatureError(code, "\(error)", path: path)
    }
  }

  static func describe(_ error: DecodingError) -> String {
    func pathString(_ path: [any CodingKey]) -> String {
      path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error {
    case .keyNotFound(let key, let ctx):
      return "missing field \(pathString(ctx.codingPath + [key]))"
    case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
      return "\(pathString(ctx.codingPath)): \(ctx.debugDescription)"
    @unknown default: return "\(error)"
    }
  }

  /// Decodes standard (or URL-safe) base64 with or without padding.
  static func base64(_ text: String) -> Data? {
    var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
    s = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    let remainder = s.utf8.count % 4
    if remainder == 2 { s += "==" } else if remainder == 3 { s += "=" }
    return Data(base64Encoded: s)
  }
}

/// A protobuf `bytes` field: base64 text in JSON.
struct ProtoBytes: Decodable, Hashable, Sendable {
  var data: Data
  init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let data = ProtoJSON.base64(text) else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "not valid base64"))
    }
    self.data = data
  }
}

/// A protobuf `int64`/`uint64` field: a JSON string or number.
struct ProtoInt64: Decodable, Hashable, Sendable {
  var value: Int64
  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let n = try? c.decode(Int64.self) {
      value = n
      return
    }
    let text = try c.decode(String.self)
    guard let n = Int64(text) else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath, debugDescription: "'\(text.prefix(40))' is not an integer"
        ))
    }
    value = n
  }
}

/// RFC 3339 times as used in trusted roots (`2021-01-12T11:53:27Z`, `…27.000Z`).
enum RFC3339 {
  static func parse(_ text: String) -> Date? {
    let plain = ISO8601DateFormatter()
    plain.formatOptions = [.withInternetDateTime]
    if let d = plain.date(from: text) { return d }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return fractional.date(from: text)
  }
}
