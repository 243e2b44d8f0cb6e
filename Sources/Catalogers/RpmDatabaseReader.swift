import ByteFormats
import Foundation
import GRDB

/// The three on-disk forms of rpm's package database. Each stores one header blob per
/// installed package; only the container differs.
public enum RpmDatabaseFormat: String, Sendable, Hashable, CaseIterable {
  /// `rpmdb.sqlite` (rpm ≥ 4.16; Fedora 33+, RHEL 9, CBL-Mariner 2): table `Packages(hnum, blob)`.
  case sqlite
  /// `Packages.db` (SUSE since 15 SP3 / Tumbleweed).
  case ndb
  /// `Packages`, Berkeley DB hash (RHEL ≤ 8, CentOS, Amazon Linux 2).
  case berkeleyDB

  /// File name inside the rpm database directory.
  public var fileName: String {
    switch self {
    case .sqlite: "rpmdb.sqlite"
    case .ndb: "Packages.db"
    case .berkeleyDB: "Packages"
    }
  }
}

/// Lists the header blobs of an rpm database held in a `ByteSource`.
public enum RpmDatabaseReader {
  /// Header blobs in database order with their instance number. Problems with single records
  /// are returned with the blobs; a file that cannot be opened at all throws.
  public static func headerBlobs(
    format: RpmDatabaseFormat, source: any ByteSource, wal: (any ByteSource)? = nil
  ) throws(ByteFormatError) -> (
    blobs: [(instance: UInt32, blob: [UInt8])], problems: [ByteFormatError]
  ) {
    switch format {
    case .berkeleyDB:
      let reader = try BerkeleyDBHashReader(source: source)
      var blobs: [(UInt32, [UInt8])] = []
      let problems = reader.forEachEntry { key, value in
        let instance = reader.integerKey(key) ?? 0
        // Instance 0 holds rpm's next-instance counter, not a header.
        guard instance != 0 else { return }
        blobs.append((instance, value))
      }
      return (blobs, problems)
    case .ndb:
      let reader = try NDBPackagesReader(source: source)
      var blobs: [(UInt32, [UInt8])] = []
      var problems: [ByteFormatError] = []
      if reader.badSlots > 0 {
        problems.append(
          ByteFormatError(
            .malformed, "\(reader.badSlots) ndb slots have a bad magic and were skipped"))
      }
      for slot in reader.slots {
        do {
          blobs.append((slot.packageIndex, try reader.blob(for: slot)))
        } catch {
          problems.append(error)
        }
      }
      return (blobs, problems)
    case .sqlite:
      return try sqliteBlobs(source: source, wal: wal)
    }
  }

  /// SQLite needs a file: the bytes are copied into a private temporary directory (with the
  /// `-wal` file when the image has one, so committed-but-not-checkpointed packages are seen),
  /// opened read-only, and removed afterwards.
  static func sqliteBlobs(
    source: any ByteSource, wal: (any ByteSource)?
  ) throws(ByteFormatError) -> (
    blobs: [(instance: UInt32, blob: [UInt8])], problems: [ByteFormatError]
  ) {
    let header = try source.read(at: 0, length: 16)
    guard header.elementsEqual(Array("SQLite format 3\u{0}".utf8)) else {
      throw ByteFormatError(.malformed, "not an SQLite database (bad header)", offset: 0)
    }
    let fm = FileManager.default
    let dir = fm.temporaryDirectory.appendingPathComponent("tailguard-rpmdb-\(UUID().uuidString)")
    do {
      try fm.createDirectory(at: dir, withIntermediateDirectories: false)
    } catch {
      throw ByteFormatError(.io, "cannot create a temporary directory: \(error)")
    }
    defer { try? fm.removeItem(at: dir) }
    let dbPath = dir.appendingPathComponent("rpmdb.sqlite").path
    try copy(source, to: dbPath)
    if let wal { try copy(wal, to: dbPath + "-wal") }

    var config = Configuration()
    config.readonly = true
    config.label = "rpmdb"
    do {
      let queue = try DatabaseQueue(path: dbPath, configuration: config)
      defer { try? queue.close() }
      return try queue.read { db in
        var blobs: [(UInt32, [UInt8])] = []
        var problems: [ByteFormatError] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT hnum, blob FROM Packages ORDER BY hnum")
        while let row = try rows.next() {
          // Raw storage only: GRDB's typed subscripts stop the process when a hostile schema
          // stores text where an integer or blob is expected.
          let hnumValue: DatabaseValue = row[0]
          let blobValue: DatabaseValue = row[1]
          var hnum: Int64 = 0
          if case .int64(let v) = hnumValue.storage { hnum = v }
          guard case .blob(let data) = blobValue.storage else {
            if problems.count < 100 {
              let kind =
                switch blobValue.storage {
                case .null: "NULL"
                case .int64: "an integer"
                case .double: "a real"
                case .string: "text"
                case .blob: "a blob"
                }
              problems.append(
                ByteFormatError(
                  .malformed, "rpmdb.sqlite row \(hnum) holds \(kind), not a header blob"))
            }
            continue
          }
          blobs.append((UInt32(truncatingIfNeeded: hnum), [UInt8](data)))
        }
        return (blobs, problems)
      }
    } catch {
      throw ByteFormatError(.malformed, "cannot read rpmdb.sqlite: \(error)")
    }
  }

  /// Streams a source to a new file in 1 MiB chunks.
  static func copy(_ source: any ByteSource, to path: String) throws(ByteFormatError) {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let handle = FileHandle(forWritingAtPath: path)
    else { throw ByteFormatError(.io, "cannot create \(path)") }
    defer { try? handle.close() }
    var offset = 0
    while offset < source.count {
      let chunk = try source.read(at: offset, length: 1 << 20)
      if chunk.isEmpty { break }
      do {
        try handle.write(contentsOf: chunk)
      } catch {
        throw ByteFormatError(.io, "cannot write \(path): \(error)")
      }
      offset += chunk.count
    }
  }
}
