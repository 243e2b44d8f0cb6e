import Foundation

/// Hex text for digests and log IDs, as Rekor and in-toto write them.
extension Data {
  var hexString: String { map { String(format: "%02x", $0) }.joined() }

  init?(hexString: String) {
    let utf8 = Array(hexString.utf8)
    guard utf8.count % 2 == 0 else { return nil }
    var out = Data(capacity: utf8.count / 2)
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case 0x30...0x39: return c - 0x30
      case 0x61...0x66: return c - 0x61 + 10
      case 0x41...0x46: return c - 0x41 + 10
      default: return nil
      }
    }
    var i = 0
    while i < utf8.count {
      guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
      out.append(hi << 4 | lo)
      i += 2
    }
    self = out
  }
}
