import Foundation
import TailguardModel

/// Stable JSON for any `Encodable` report value: sorted keys, pretty-printed, slashes unescaped.
public enum JSONReport {
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    data.append(0x0A)
    return data
  }
}
