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
    let lower = text.lowercased()
    guard lower.contains("wont") || lower.contains("won't") || lower.contains("will") else {
      return false
    }
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    else { return false }
    for candidate in [object, object["anchore"] as? [String: Any] ?? [:]] {
      if let status = candidate["status"] as? String,
        wontFixSpellings.contains(status.lowercased())
      {
        return true
      }
    }
    return false
  }
}
