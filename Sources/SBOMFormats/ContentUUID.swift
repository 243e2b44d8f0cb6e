import Foundation

/// A deterministic version-4-shaped UUID derived from content (FNV-1a over the parts), so the
/// same SBOM gets the same serial number and namespace when no explicit one is set.
enum ContentUUID {
  static func make(from parts: [String]) -> UUID {
    var h1: UInt64 = 0xcbf2_9ce4_8422_2325
    var h2: UInt64 = 0x8422_2325_cbf2_9ce4
    for part in parts {
      for byte in part.utf8 {
        h1 = (h1 ^ UInt64(byte)) &* 0x100_0000_01b3
        h2 = (h2 ^ UInt64(byte)) &* 0x100_0000_01b3 &+ 0x9e37_79b9
      }
      h1 = (h1 ^ 0xff) &* 0x100_0000_01b3
      h2 = (h2 ^ 0xfe) &* 0x100_0000_01b3
    }
    var bytes = [UInt8](repeating: 0, count: 16)
    for i in 0..<8 {
      bytes[i] = UInt8(truncatingIfNeeded: h1 >> (8 * UInt64(i)))
      bytes[8 + i] = UInt8(truncatingIfNeeded: h2 >> (8 * UInt64(i)))
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40
    bytes[8] = (bytes[8] & 0x3f) | 0x80
    return UUID(
      uuid: (
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
        bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
      ))
  }
}
