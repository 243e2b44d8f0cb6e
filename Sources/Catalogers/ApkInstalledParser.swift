import TailguardModel

/// One package record of apk's installed database (`lib/apk/db/installed`).
public struct ApkRecord: Sendable, Hashable {
  public var name: String
  public var version: String
  public var architecture: String?
  /// `o:` — the origin (source) package; advisories (secdb) are keyed by it.
  public var origin: String?
  /// `L:` — the license expression as declared.
  public var license: String?
  public var maintainer: String?
  public var url: String?
  public var commit: String?
  /// Owned paths: each `R:` file joined to the preceding `F:` directory (directories included).
  public var files: [String]
  /// 1-based line where the record starts.
  public var line: Int
}

/// Reader for apk-tools' installed database: records separated by blank lines, each line one
/// `X:value` field (apk-tools `database.c`, `apk_db_index_read`; letters in the apk spec
/// "Installed Database V2"). `F:` opens a directory, following `R:` lines are files in it.
///
/// Never throws: lines it cannot read and records without `P:`/`V:` become diagnostics.
public struct ApkInstalledParser: Sendable {
  public struct Limits: Sendable, Hashable {
    public var maxRecords: Int
    public var maxFilesPerRecord: Int
    public var maxLineBytes: Int
    public init(
      maxRecords: Int = 100_000, maxFilesPerRecord: Int = 500_000, maxLineBytes: Int = 1 << 20
    ) {
      self.maxRecords = maxRecords
      self.maxFilesPerRecord = maxFilesPerRecord
      self.maxLineBytes = maxLineBytes
    }
  }

  public var limits: Limits
  public init(limits: Limits = Limits()) { self.limits = limits }

  public func parse(_ bytes: [UInt8], path: String, source: String = "apk") -> (
    records: [ApkRecord], diagnostics: [Diagnostic]
  ) {
    var records: [ApkRecord] = []
    var diagnostics: [Diagnostic] = []
    func problem(_ level: Diagnostic.Level, _ code: String, _ message: String, line: Int) {
      if diagnostics.count < 1000 {
        diagnostics.append(
          Diagnostic(level, code: code, message, source: source, path: path, line: line))
      }
    }

    var fields: [UInt8: String] = [:]
    var files: [String] = []
    var directory: String?
    var recordLine = 0
    var hasContent = false
    var fileLimitHit = false

    func finish() {
      defer {
        fields = [:]
        files = []
        directory = nil
        hasContent = false
        fileLimitHit = false
      }
      guard hasContent else { return }
      guard let name = fields[UInt8(ascii: "P")], !name.isEmpty else {
        problem(
          .warning, "apk.missing-field", "record has no package name (P:); skipped",
          line: recordLine)
        return
      }
      guard let version = fields[UInt8(ascii: "V")], !version.isEmpty else {
        problem(
          .warning, "apk.missing-field", "package \(name) has no version (V:); skipped",
          line: recordLine)
        return
      }
      records.append(
        ApkRecord(
          name: name, version: version, architecture: fields[UInt8(ascii: "A")],
          origin: fields[UInt8(ascii: "o")],
          license: fields[UInt8(ascii: "L")], maintainer: fields[UInt8(ascii: "m")],
          url: fields[UInt8(ascii: "U")],
          commit: fields[UInt8(ascii: "c")], files: files, line: recordLine))
    }

    var lineNumber = 0
    func addFile(_ path: String) {
      guard !path.isEmpty else { return }
      if files.count >= limits.maxFilesPerRecord {
        if !fileLimitHit {
          problem(
            .warning, "apk.limit",
            "more than \(limits.maxFilesPerRecord) files in one record; the rest are ignored",
            line: lineNumber)
          fileLimitHit = true
        }
        return
      }
      files.append(path)
    }

    var start = 0
    let n = bytes.count
    while start < n {
      var end = start
      while end < n, bytes[end] != 0x0A { end += 1 }
      lineNumber += 1
      var lineEnd = end
      if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
      let line = bytes[start..<lineEnd]
      start = end + 1

      if line.isEmpty {
        finish()
        if records.count >= limits.maxRecords {
          problem(
            .warning, "apk.limit",
            "more than \(limits.maxRecords) records; the rest of the file is ignored",
            line: lineNumber)
          return (records, diagnostics)
        }
        continue
      }
      if !hasContent {
        hasContent = true
        recordLine = lineNumber
      }
      guard line.count >= 2, line[line.startIndex + 1] == 0x3A, line.count <= limits.maxLineBytes
      else {
        problem(.warning, "apk.bad-line", "line is not a 'X:value' field", line: lineNumber)
        continue
      }
      let key = line[line.startIndex]
      let value = String(decoding: line.dropFirst(2), as: UTF8.self)
      switch key {
      case UInt8(ascii: "F"):
        directory = value
        addFile(value)
      case UInt8(ascii: "R"):
        guard let directory else {
          problem(.warning, "apk.bad-line", "file (R:) before any directory (F:)", line: lineNumber)
          continue
        }
        addFile(directory.isEmpty ? value : directory + "/" + value)
      default:
        if fields[key] == nil { fields[key] = value }
      }
    }
    finish()
    return (records, diagnostics)

  }
}
