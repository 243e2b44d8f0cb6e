import ByteFormats
import Foundation
import TailguardModel

/// The kinds of advisory input tailguard reads.
public enum AdvisoryFeedKind: String, Sendable, CaseIterable, Codable {
  case osv
  case alpineSecDB = "alpine-secdb"
  case kev
  case epss
}

/// Reads advisory files from disk (single files, directory trees, OSV zip exports, gzip) and
/// turns them into one `ImportBatch`. Parsing is delegated to the pure parsers; this type only
/// walks, detects and decompresses. A bad file or record is a diagnostic, never an abort.
public struct AdvisoryImporter: Sendable {
  public var maxFileBytes = 512 << 20
  public var maxFiles = 2_000_000
  /// Largest uncompressed entry of an OSV zip export (a single OSV record is far smaller).
  public var maxEntryBytes = 64 << 20
  /// Used for every OSV record instead of the record's own ecosystem (the updater sets it).
  public var osvSourceOverride: String?

  public init(osvSourceOverride: String? = nil) {
    self.osvSourceOverride = osvSourceOverride
  }

  /// Loads every path; `kind` forces the parser, otherwise it is detected per file.
  public func load(paths: [String], kind: AdvisoryFeedKind? = nil, now: Date = Date())
    -> ImportBatch
  {
    var batch = ImportBatch()
    let stamp = Self.timestamp(now)
    for path in paths {
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        batch.diagnostics.append(
          OSVParser.diag(.error, "import.missing", "no such file or directory", path))
        continue
      }
      let files: [String]
      if isDir.boolValue {
        files = Self.walk(path, limit: maxFiles, diagnostics: &batch.diagnostics)
      } else {
        files = [path]
      }
      var part = ImportBatch()
      for result in loadFiles(files, kind: kind) { part.append(result) }
      part.sources = Self.summarize(part, location: path, importedAt: stamp)
      batch.append(part)
    }
    return batch
  }

  /// Parses files on all cores; results keep the (sorted) file order so output is deterministic.
  func loadFiles(_ files: [String], kind: AdvisoryFeedKind?) -> [ImportBatch] {
    guard files.count > 1 else { return files.map { loadFile($0, kind: kind) } }
    let results = ResultSlots(count: files.count)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    let chunk = (files.count + workers - 1) / workers
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let start = w * chunk
      let end = min(files.count, start + chunk)
      guard start < end else { return }
      for i in start..<end { results.set(i, loadFile(files[i], kind: kind)) }
    }
    return results.values
  }

  /// Loads one file (any kind, possibly compressed).
  public func loadFile(_ path: String, kind forced: AdvisoryFeedKind?) -> ImportBatch {
    var batch = ImportBatch()
    let lower = path.lowercased()
    do throws(AdvisoryError) {
      if lower.hasSuffix(".zip") {
        return loadZip(path, kind: forced)
      }
      var bytes = try Self.read(path, limit: maxFileBytes)
      var name = lower
      if lower.hasSuffix(".gz") {
        do throws(ByteFormatError) {
          bytes = try Inflater.inflate(bytes, mode: .auto, limit: Int64(maxFileBytes))
        } catch { throw AdvisoryError(error, path: path) }
        name = String(lower.dropLast(3))
      }
      guard let kind = forced ?? Self.detect(name: name, bytes: bytes) else {
        batch.diagnostics.append(
          OSVParser.diag(
            .info, "import.skipped",
            "not an advisory file (expected OSV/KEV/secdb JSON, secdb YAML, EPSS CSV or an OSV zip); skipped",
            path))
        return batch
      }
      batch.append(parse(bytes, path: path, kind: kind))
    } catch {
      batch.diagnostics.append(OSVParser.diag(.error, "import.unreadable", error.message, path))
    }
    return batch
  }

  /// An OSV export (`ECOSYSTEM/all.zip`): every `.json` entry in name order, each bounded by
  /// `maxEntryBytes` (and a 1000:1 ratio) and checked against its CRC-32. A bad entry is a
  /// diagnostic; an unreadable archive is one diagnostic for the whole file.
  func loadZip(_ path: String, kind forced: AdvisoryFeedKind?) -> ImportBatch {
    var batch = ImportBatch()
    let zip: ZipArchive
    do throws(ByteFormatError) {
      zip = try ZipArchive(
        source: try FileByteSource(path: path), limits: ZipArchive.Limits(maxEntries: maxFiles))
    } catch {
      batch.diagnostics.append(
        OSVParser.diag(.error, "import.unreadable", AdvisoryError(error, path: path).message, path))
      return batch
    }
    let limits = DecompressionLimits.member(limit: Int64(maxEntryBytes))
    for entry in zip.entries.sorted(by: { $0.name < $1.name })
    where !entry.isDirectory && entry.name.lowercased().hasSuffix(".json") {
      let name = "\(path)!\(entry.name)"
      do throws(ByteFormatError) {
        let bytes = try zip.contents(of: entry, limits: limits, verifyingChecksum: true)
        batch.append(parse(bytes, path: name, kind: forced ?? .osv))
      } catch {
        batch.diagnostics.append(OSVParser.diag(.error, "import.bad-entry", error.message, name))
      }
    }
    return batch
  }

  /// Parses bytes of a known kind.
  public func parse(_ bytes: [UInt8], path: String, kind: AdvisoryFeedKind) -> ImportBatch {
    var batch = ImportBatch()
    switch kind {
    case .osv:
      let out = OSVParser(sourceOverride: osvSourceOverride).parse(bytes, path: path)
      if let r = out.record { batch.records.append(r) }
      batch.diagnostics += out.diagnostics
    case .alpineSecDB:
      let out = AlpineSecDBParser().parse(bytes, path: path)
      batch.records += out.records
      batch.diagnostics += out.diagnostics
    case .kev:
      let out = KEVParser().parse(bytes, path: path)
      batch.kev = out.entries
      batch.diagnostics += out.diagnostics
      if let v = out.catalogVersion {
        batch.sources.append(
          SourceInfo(
            name: "kev", kind: "kev", location: path, records: out.entries.count, importedAt: "",
            dataDate: v.replacingOccurrences(of: ".", with: "-")))
      }
    case .epss:
      let out = EPSSParser().parse(bytes, path: path)
      batch.epss = out.scores
      batch.diagnostics += out.diagnostics
      if !out.scores.isEmpty {
        batch.sources.append(
          SourceInfo(
            name: "epss", kind: "epss", location: path, records: out.scores.count, importedAt: "",
            dataDate: out.scoreDate))
      }
    }
    return batch
  }

  /// Guesses the kind from the name and the first bytes.
  static func detect(name: String, bytes: [UInt8]) -> AdvisoryFeedKind? {
    if name.hasSuffix(".csv") {
      let head = String(decoding: bytes.prefix(512), as: UTF8.self).lowercased()
      return head.contains("cve,epss") || head.hasPrefix("#model_version") ? .epss : nil
    }
    if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
      return String(decoding: bytes.prefix(1 << 16), as: UTF8.self).contains("packages")
        ? .alpineSecDB : nil
    }
    guard name.hasSuffix(".json") else { return nil }
    let head = String(decoding: bytes.prefix(1 << 16), as: UTF8.self)
    if head.contains("\"catalogVersion\"") && head.contains("\"vulnerabilities\"") { return .kev }
    if head.contains("\"secfixes\"") || head.contains("\"distroversion\"") { return .alpineSecDB }
    if head.contains("\"$schema\"") || head.contains("\"$id\"") { return nil }  // JSON schemas shipped beside data
    // Anything else named .json is taken as OSV, so a broken record is reported, not skipped.
    return .osv
  }

  /// Builds per-source summaries for `db status`.
  static func summarize(_ batch: ImportBatch, location: String, importedAt: String) -> [SourceInfo]
  {
    var counts: [String: Int] = [:]
    for r in batch.records { counts[r.advisory.source, default: 0] += 1 }
    var out = counts.keys.sorted().map { name in
      SourceInfo(
        name: name, kind: name.hasPrefix("alpine-secdb") ? "alpine-secdb" : "osv",
        location: location, records: counts[name] ?? 0, importedAt: importedAt)
    }
    for var s in batch.sources {
      s.importedAt = importedAt
      out.append(s)
    }
    return out
  }

  static func walk(_ root: String, limit: Int, diagnostics: inout [Diagnostic]) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
    var out: [String] = []
    while let rel = e.nextObject() as? String {
      let full = root + "/" + rel
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue {
        out.append(full)
        if out.count >= limit {
          diagnostics.append(
            OSVParser.diag(
              .warning, "import.limit", "more than \(limit) files; the rest is ignored", root))
          break
        }
      }
    }
    return out.sorted()
  }

  /// The whole file, through the one bounded read (`BoundedFile`).
  static func read(_ path: String, limit: Int) throws(AdvisoryError) -> [UInt8] {
    do throws(ByteFormatError) { return try BoundedFile.read(path: path, limit: limit) } catch {
      throw AdvisoryError(error, path: path)
    }
  }

  static func timestamp(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
  }
}

/// Per-index result storage filled from concurrent workers (each index written once).
private final class ResultSlots: @unchecked Sendable {
  private var slots: [ImportBatch?]
  private let lock = NSLock()
  init(count: Int) { slots = Array(repeating: nil, count: count) }
  func set(_ i: Int, _ value: ImportBatch) {
    lock.lock()
    slots[i] = value
    lock.unlock()
  }
  var values: [ImportBatch] { slots.compactMap { $0 } }
}
