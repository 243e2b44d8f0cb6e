/// Something a stage noticed and could not (or chose not to) turn into data: a skipped file,
/// an unparseable version, a dropped advisory. Diagnostics travel with the result that produced
/// them instead of being printed or silently dropped.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
  public enum Level: String, Hashable, Sendable, Codable, Comparable {
    case info, warning, error
    var rank: Int {
      switch self {
      case .info: 0
      case .warning: 1
      case .error: 2
      }
    }
    public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
  }

  public var level: Level
  /// Stable machine-readable code, e.g. `tar.truncated`, `dpkg.bad-stanza`.
  public var code: String
  public var message: String
  /// The stage or cataloger that produced it, e.g. `dpkg`, `layer-reader`.
  public var source: String?
  /// Path inside the image or on disk that the diagnostic is about.
  public var path: String?
  /// Layer the path was read from.
  public var layer: Digest?
  /// Line (1-based) in a text input, when known.
  public var line: Int?

  public init(
    _ level: Level, code: String, _ message: String, source: String? = nil, path: String? = nil,
    layer: Digest? = nil, line: Int? = nil
  ) {
    self.level = level
    self.code = code
    self.message = message
    self.source = source
    self.path = path
    self.layer = layer
    self.line = line
  }

  public var description: String {
    var parts = ["\(level.rawValue): [\(code)]"]
    if let source { parts.append("\(source):") }
    if let path { parts.append(line.map { "\(path):\($0):" } ?? "\(path):") }
    parts.append(message)
    if let layer { parts.append("(layer \(layer.short))") }
    return parts.joined(separator: " ")
  }
}
