import ByteFormats
import Foundation

/// Hex text for digests and log IDs, as Rekor and in-toto write them (ByteFormats' `Hex`).
extension Data {
  var hexString: String { Hex.encode(self) }

  init?(hexString: String) {
    guard let bytes = Hex.decode(hexString) else { return nil }
    self.init(bytes)
  }
}
