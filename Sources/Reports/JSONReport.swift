import Foundation
import TailguardModel

/// Stable JSON for any `Encodable` report value: sorted keys, pretty-printed, slashes unescaped.
/// Written by `ReportJSONEncoder`, the same bytes as `JSONEncoder` with those options, which
/// takes over for what the former does not model.
public enum JSONReport {
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    if var bytes = ReportJSONEncoder.encode(value) {
      bytes.append(0x0A)
      return Data(bytes)
    }
    return try foundation(value)
  }

  /// The same document through Foundation's `JSONEncoder`.
  static func foundation<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    data.append(0x0A)
    return data
  }
}
