import ByteFormats
import Foundation

/// How the SBOM writers turn their `Encodable` documents into bytes: the layout and key order
/// `JSONSerialization` wrote with `.prettyPrinted, .sortedKeys, .withoutEscapingSlashes`, which
/// every SBOM tailguard has written so far uses (and the golden files pin). `JSONEncoder`'s own
/// `.sortedKeys` orders keys by bytes, which would move SPDX's `SPDXID` to the front of every
/// object; `JSONValue.prettyText` keeps Foundation's case-insensitive order.
enum SBOMJSON {
  static func data<T: Encodable>(_ document: T) throws -> Data {
    Data(try JSONValue(encoding: document).prettyText(escapingSlashes: false).utf8)
  }
}
