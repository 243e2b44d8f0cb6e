/// Input bounds shared by every scheme. Real versions are short (the longest in the staged OSV
/// data is under 100 bytes); anything longer is refused before any work is done, so a hostile
/// advisory or SBOM cannot make comparison cost grow without bound.
public enum VersionLimits {
  /// Maximum length of a version string in UTF-8 bytes.
  public static let maxBytes = 1024

  /// Checks the length and returns the UTF-8 bytes, or throws for `scheme`.
  static func bytes(_ text: String, scheme: String) throws(VersionParseError) -> [UInt8] {
    let count = text.utf8.count
    if count == 0 {
      throw VersionParseError(scheme: scheme, input: text, reason: "empty version")
    }
    if count > maxBytes {
      throw VersionParseError(
        scheme: scheme, input: text,
        reason: "version is \(count) bytes long; the limit is \(maxBytes)")
    }
    return Array(text.utf8)
  }
}
