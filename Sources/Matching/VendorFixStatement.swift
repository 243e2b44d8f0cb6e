import Foundation

/// A distro's statement that it will not fix a vulnerability in a release, where advisory data
/// carries one. OSV has no field for it; feeds put it in `database_specific`: vunnel's
/// normalised Ubuntu records say `{"anchore": {"status": "wont-fix"}}` (Ubuntu's `ignored`
/// status), and a plain `{"status": "wont-fix"}` is read the same way.
enum VendorFixStatement {
  static let maximumBytes = 64 << 10
  static let wontFixSpellings: Set<String> = [
    "wont-fix", "wont_fix", "wontfix", "won't fix", "will-not-fix", "will not fix",
  ]

  /// True when the `database_specific` JSON text of an affected entry says "won't fix".
  static func saysWontFix(_ databaseSpecific: String?) -> Bool {
    guard let text = databaseSpecific, text.utf8.count <= maximumBytes else { return false }
    // Most entries say nothing of the kind: a byte scan rules them out before any parsing.
    let bytes = Array(text.utf8)
    guard ["wont", "won't", "will"].contains(where: { containsIgnoringCase(bytes, $0) }) else {
      return false
    }
    guard let record = try? JSONDecoder().decode(StatusRecord.self, from: Data(text.utf8)) else {
      return false
    }
    for status in [record.status, record.anchore?.status] {
      if let status, wontFixSpellings.contains(status.lowercased()) { return true }
    }
    return false
  }

  /// The two places a status is read from: `{"status": …}` and `{"anchore": {"status": …}}`.
  /// Anything else in the object is ignored, and a status that is not a string reads as nil.
  struct StatusRecord: Decodable {
    var status: String?
    var anchore: Nested?

    struct Nested: Decodable {
      var status: String?
      init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        status = try? c.decode(String.self, forKey: .status)
      }
    }

    enum Keys: String, CodingKey { case status, anchore }

    init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: Keys.self)
      status = try? c.decode(String.self, forKey: .status)
      anchore = try? c.decode(Nested.self, forKey: .anchore)
    }
  }

  /// Whether `bytes` contain the ASCII `needle`, ignoring ASCII case.
  static func containsIgnoringCase(_ bytes: [UInt8], _ needle: String) -> Bool {
    let n = Array(needle.utf8)
    guard !n.isEmpty, bytes.count >= n.count else { return false }
    func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
    outer: for start in 0...(bytes.count - n.count) {
      for k in n.indices where lower(bytes[start + k]) != n[k] { continue outer }
      return true
    }
    return false
  }
}
