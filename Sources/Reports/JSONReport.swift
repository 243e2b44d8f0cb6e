import Foundation
import TailguardModel

/// Stable JSON for any `Encodable` report value: sorted keys, pretty-printed, slashes unescaped.
/// Written by `ReportJSONEncoder`, the same bytes as `JSONEncoder` with those options, which
/// takes over for what the former does not model.
public enum JSONReport {
  /// `finalNewline: false` for the documents (SARIF, OpenVEX) that have always ended at `}`.
  public static func encode<T: Encodable>(_ value: T, finalNewline: Bool = true) throws -> Data {
    if var bytes = ReportJSONEncoder.encode(value) {
      if finalNewline { bytes.append(0x0A) }
      return Data(bytes)
    }
    return try foundation(value, finalNewline: finalNewline)
  }

  /// The same document through Foundation's `JSONEncoder`.
  static func foundation<T: Encodable>(_ value: T, finalNewline: Bool = true) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    if finalNewline { data.append(0x0A) }
    return data
  }
}
