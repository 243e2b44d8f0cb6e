import Foundation

/// Byte counts as people read and type them: `1.5 MiB` out (binary units, one decimal), and
/// `1024`, `500MB`, `5GiB`, `1.5G` in.
public enum ByteSize {
  public static func text(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var i = 0
    while value >= 1024, i < units.count - 1 {
      value /= 1024
      i += 1
    }
    return i == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[i]
  }

  /// A size with an optional decimal (KB, MB…) or binary (KiB, K, MiB, M…) unit; nil when it
  /// is not one, negative, or beyond 10^18 bytes.
  public static func parse(_ text: String) -> Int64? {
    let t = text.trimmingCharacters(in: .whitespaces)
    let units: [(String, Double)] = [
      ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
      ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("K", 1024), ("M", 1_048_576),
      ("G", 1_073_741_824), ("T", 1_099_511_627_776), ("B", 1),
    ]
    for (suffix, factor) in units where t.uppercased().hasSuffix(suffix.uppercased()) {
      guard let n = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n >= 0,
        n < 1e18 / factor
      else { return nil }
      return Int64(n * factor)
    }
    guard let n = Int64(t), n >= 0 else { return nil }
    return n
  }
}
