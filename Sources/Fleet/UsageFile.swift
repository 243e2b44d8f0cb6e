import Foundation
import TailguardModel

/// A fleet usage file (`fleet scan --usage`): one row per image with how much it runs, as CSV
/// with a header line or as a JSON array of objects. Columns: `image` (required), `pulls`,
/// `replicas`, `team`, `exposure` (reasons separated by `;`); unknown columns are ignored. An
/// empty cell says nothing. A malformed row is a diagnostic naming its line, never a failure
/// of the whole file.
public struct UsageFile: Sendable, Hashable {
  public struct Row: Sendable, Hashable {
    public var image: String
    public var line: Int
    public var pulls: Int?
    public var replicas: Int?
    public var team: String?
    public var exposure: [String]
    public init(
      image: String, line: Int, pulls: Int? = nil, replicas: Int? = nil, team: String? = nil,
      exposure: [String] = []
    ) {
      self.image = image
      self.line = line
      self.pulls = pulls
      self.replicas = replicas
      self.team = team
      self.exposure = exposure
    }
  }

  public var path: String
  public var rows: [Row]
  public var diagnostics: [Diagnostic]

  /// Largest usage file read.
  public static let maxBytes = 64 << 20
  /// Largest number of rows kept.
  public static let maxRows = 1_000_000

  public init(path: String, rows: [Row], diagnostics: [Diagnostic]) {
    self.path = path
    self.rows = rows
    self.diagnostics = diagnostics
  }

  /// Parses CSV or JSON by its first non-blank byte (`[` is JSON).
  public init(parsing bytes: [UInt8], path: String) {
    self.path = path
    let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
    if first == UInt8(ascii: "[") {
      (rows, diagnostics) = Self.parseJSON(bytes, path: path)
    } else {
      (rows, diagnostics) = Self.parseCSV(String(decoding: bytes, as: UTF8.self), path: path)
    }
  }

  static func diagnostic(_ path: String, line: Int?, _ message: String) -> Diagnostic {
    Diagnostic(.warning, code: "usage.bad-row", message, source: "usage", path: path, line: line)
  }

  // MARK: CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF)

  static func parseCSV(_ text: String, path: String) -> ([Row], [Diagnostic]) {
    var records = CSVRecords(text)
    guard let (headerLine, header) = records.next() else {
      return ([], [diagnostic(path, line: nil, "usage file is empty: no header line")])
    }
    let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    guard let imageColumn = names.firstIndex(of: "image") else {
      return (
        [],
        [diagnostic(path, line: headerLine, "usage file has no `image` column in its header")]
      )
    }
    var rows: [Row] = []
    var diagnostics: [Diagnostic] = []
    while let (line, fields) = records.next() {
      if fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
      guard rows.count < maxRows else {
        diagnostics.append(diagnostic(path, line: line, "more than \(maxRows) rows: rest ignored"))
        break
      }
      var cells: [String: String] = [:]
      for (i, name) in names.enumerated() where i < fields.count {
        cells[name] = fields[i].trimmingCharacters(in: .whitespaces)
      }
      if fields.count > names.count {
        diagnostics.append(
          diagnostic(
            path, line: line,
            "row has \(fields.count) fields, the header \(names.count): extra fields ignored"))
      }
      let image = imageColumn < fields.count ? cells["image"] ?? "" : ""
      switch makeRow(image: image, cells: cells, line: line, path: path) {
      case .success(let row): rows.append(row)
      case .failure(let e): diagnostics.append(e.diagnostic)
      }
    }
    return (rows, diagnostics)
  }

  struct RowError: Error {
    var diagnostic: Diagnostic
  }

  static func makeRow(image: String, cells: [String: String], line: Int, path: String)
    -> Result<Row, RowError>
  {
    guard !image.isEmpty else {
      return .failure(
        RowError(
          diagnostic:
            diagnostic(path, line: line, "row has no image")))
    }
    guard image.utf8.count <= 4096, !image.contains(where: { $0.isWhitespace }) else {
      return .failure(
        RowError(
          diagnostic:
            diagnostic(path, line: line, "image `\(image.prefix(80))` is not a reference")))
    }
    var row = Row(image: image, line: line)
    for key in ["pulls", "replicas"] {
      guard let text = cells[key], !text.isEmpty else { continue }
      guard let n = Int(text), n >= 0 else {
        return .failure(
          RowError(
            diagnostic:
              diagnostic(path, line: line, "\(key) `\(text.prefix(40))` is not a whole number ≥ 0"))
        )
      }
      if key == "pulls" { row.pulls = n } else { row.replicas = n }
    }
    if let team = cells["team"], !team.isEmpty { row.team = team }
    if let exposure = cells["exposure"], !exposure.isEmpty {
      row.exposure = exposure.split(separator: ";").map {
        $0.trimmingCharacters(in: .whitespaces)
      }.filter { !$0.isEmpty }
    }
    return .success(row)
  }

  // MARK: JSON

  static func parseJSON(_ bytes: [UInt8], path: String) -> ([Row], [Diagnostic]) {
    let value: JSONCell
    do {
      value = try JSONDecoder().decode(JSONCell.self, from: Data(bytes))
    } catch {
      return ([], [diagnostic(path, line: nil, "usage file is not valid JSON: \(error)")])
    }
    guard case .array(let items) = value else {
      return ([], [diagnostic(path, line: nil, "usage JSON must be an array of objects")])
    }
    var rows: [Row] = []
    var diagnostics: [Diagnostic] = []
    for (i, item) in items.prefix(maxRows).enumerated() {
      // JSON rows are numbered by position (1-based) in `line`.
      guard case .object(let fields) = item else {
        diagnostics.append(diagnostic(path, line: i + 1, "item \(i + 1) is not an object"))
        continue
      }
      var cells: [String: String] = [:]
      for (key, cell) in fields {
        switch cell {
        case .string(let s): cells[key.lowercased()] = s
        case .number(let n):
          cells[key.lowercased()] = n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        case .array(let parts) where key.lowercased() == "exposure":
          cells["exposure"] = parts.compactMap {
            if case .string(let s) = $0 { s } else { nil }
          }.joined(separator: ";")
        default: continue
        }
      }
      switch makeRow(image: cells["image"] ?? "", cells: cells, line: i + 1, path: path) {
      case .success(let row): rows.append(row)
      case .failure(let e): diagnostics.append(e.diagnostic)
      }
    }
    return (rows, diagnostics)
  }

  /// The JSON a usage file may hold; nesting beyond one level is kept opaque.
  enum JSONCell: Decodable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONCell])
    case object([String: JSONCell])

    init(from decoder: any Decoder) throws {
      let c = try decoder.singleValueContainer()
      if c.decodeNil() {
        self = .null
      } else if let b = try? c.decode(Bool.self) {
        self = .bool(b)
      } else if let n = try? c.decode(Double.self) {
        self = .number(n)
      } else if let s = try? c.decode(String.self) {
        self = .string(s)
      } else if let a = try? c.decode([JSONCell].self) {
        self = .array(a)
      } else {
        self = .object(try c.decode([String: JSONCell].self))
      }
    }
  }
}

/// RFC 4180 records with the 1-based line each starts on.
struct CSVRecords {
  private var scalars: [Character]
  private var index = 0
  private var line = 1

  init(_ text: String) { scalars = Array(text) }

  mutating func next() -> (Int, [String])? {
    guard index < scalars.count else { return nil }
    let start = line
    var fields: [String] = []
    var field = ""
    var quoted = false
    while index < scalars.count {
      let c = scalars[index]
      index += 1
      if quoted {
        if c == "\"" {
          if index < scalars.count && scalars[index] == "\"" {
            field.append("\"")
            index += 1
          } else {
            quoted = false
          }
        } else {
          if c == "\n" || c == "\r\n" { line += 1 }
          field.append(c)
        }
        continue
      }
      switch c {
      case "\"" where field.isEmpty: quoted = true
      case ",":
        fields.append(field)
        field = ""
      case "\n", "\r\n", "\r":
        line += 1
        fields.append(field)
        return (start, fields)
      default: field.append(c)
      }
    }
    fields.append(field)
    return (start, fields)
  }
}
