import ByteFormats
import Foundation
import TailguardModel

/// The members of a docker archive's outer tar, found without extracting it: for a plain tar
/// by reading each header and seeking over the data; for a gzip-compressed archive in one
/// streaming pass that keeps only the small JSON documents and hashes the other members.
struct DockerArchiveIndex: Sendable {
  struct Member: Sendable {
    var name: String
    var kind: TarEntry.Kind
    var dataOffset: Int64
    var size: Int64
    var linkName: String
    /// SHA-256 hex and first bytes (compression sniffing), known for gzip archives after indexing.
    var sha256: String?
    var head: [UInt8]
  }

  let path: String
  let gzip: Bool
  var members: [String: Member] = [:]
  /// Small documents (JSON, `repositories`) captured during a streaming index.
  var documents: [String: [UInt8]] = [:]

  static let maxMembers = 100_000
  static let maxDocument = 8 << 20

  static func normalize(_ name: String) -> String {
    var parts: [Substring] = []
    for c in name.split(separator: "/") where c != "." && !c.isEmpty {
      if c == ".." { _ = parts.popLast() } else { parts.append(c) }
    }
    return parts.joined(separator: "/")
  }

  static func isDocument(_ name: String) -> Bool {
    name == "manifest.json" || name == "repositories" || name.hasSuffix(".json")
      || name.hasSuffix("/json")
      || name == "index.json" || name.hasPrefix("blobs/")
  }

  init(path: String) throws(ImageSourceError) {
    self.path = path
    let reader = try FileBlobReader(path: path, offset: 0, length: nil)
    let first = try reader.nextChunk() ?? []
    gzip = first.starts(with: [0x1F, 0x8B])
    if gzip { try indexStreaming() } else { try indexSeeking() }
  }

  private mutating func add(_ entry: TarEntry) throws(ImageSourceError) {
    guard members.count < Self.maxMembers else {
      throw ImageSourceError(
        .limitExceeded, "docker archive has more than \(Self.maxMembers) members", path: path)
    }
    let name = Self.normalize(entry.path)
    members[name] = Member(
      name: name, kind: entry.kind, dataOffset: entry.dataOffset, size: entry.size,
      linkName: entry.linkName, sha256: nil, head: [])
  }

  private mutating func indexSeeking() throws(ImageSourceError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ImageSourceError(.io, "cannot open \(path)", path: path) }
    defer { close(fd) }
    var parser = TarParser()
    var position: Int64 = 0
    var block = [UInt8](repeating: 0, count: 512)
    var entries: [TarEntry] = []
    while true {
      let n = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 512, off_t(position)) }
      if n <= 0 { break }
      if n < 512 {
        throw ImageSourceError(
          .malformed, "docker archive \(path) is truncated inside a tar header", path: path)
      }
      position += 512
      do {
        try parser.push(block) { event in
          if case .entry(let e) = event { entries.append(e) }
        }
      } catch let e as ByteFormatError {
        throw ImageSourceError(
          .malformed, "docker archive \(path) is not a valid tar: \(e.description)", path: path)
      } catch {
        throw ImageSourceError(.malformed, "docker archive \(path): \(error)", path: path)
      }
      for e in entries { try add(e) }
      entries.removeAll()
      if parser.sawEndMarker { break }
      if let skip = parser.pendingDataSkip {
        parser.skipData()
        position += skip
      }
    }
    var st = stat()
    if fstat(fd, &st) == 0 {
      for m in members.values where m.kind == .regular && m.dataOffset + m.size > Int64(st.st_size)
      {
        throw ImageSourceError(
          .malformed,
          "docker archive \(path) is truncated: member \(m.name) runs past the end of the file",
          path: path)
      }
    }
  }

  private mutating func indexStreaming() throws(ImageSourceError) {
    let reader = try FileBlobReader(path: path)
    var inflater = Inflater(mode: .gzip)
    var parser = TarParser()
    var current: String?
    var capture: [UInt8]?
    var hasher = BlobHasher.sha256()
    var head: [UInt8] = []
    var pendingError: ImageSourceError?
    do throws(any Error) {
      while let chunk = try reader.nextChunk() {
        try inflater.push(chunk) { tarBytes in
          try parser.push(tarBytes) { event in
            switch event {
            case .entry(let e):
              let name = Self.normalize(e.path)
              do throws(ImageSourceError) { try add(e) } catch {
                pendingError = error
                throw error
              }
              current = name
              hasher = BlobHasher.sha256()
              head = []
              capture = Self.isDocument(name) && e.size <= Int64(Self.maxDocument) ? [] : nil
            case .data(let span):
              if capture != nil { capture!.append(contentsOf: span) }
              hasher.update(span)
              if head.count < 16 { head += span.prefix(16 - head.count) }
            case .entryEnd:
              if let name = current {
                members[name]?.sha256 = hasher.hex()
                members[name]?.head = head
                if let c = capture { documents[name] = c }
              }
              current = nil
              capture = nil
            case .warning:
              break
            }
          }
        }
      }
      try inflater.finish()
      try parser.finish()
    } catch let e as ImageSourceError {
      throw e
    } catch let e as ByteFormatError {
      if let pendingError { throw pendingError }
      throw ImageSourceError(.malformed, "docker archive \(path): \(e.description)", path: path)
    } catch {
      throw ImageSourceError(.malformed, "docker archive \(path): \(error)", path: path)
    }
  }

  /// The member a name refers to, following symlinks and hard links inside the archive.
  func member(_ rawName: String) -> Member? {
    var name = Self.normalize(rawName)
    for _ in 0..<16 {
      guard let m = members[name] else { return nil }
      switch m.kind {
      case .regular: return m
      case .symlink:
        let dir = name.split(separator: "/").dropLast().joined(separator: "/")
        name = Self.normalize(m.linkName.hasPrefix("/") ? m.linkName : dir + "/" + m.linkName)
      case .hardLink:
        name = Self.normalize(m.linkName)
      default: return nil
      }
    }
    return nil
  }

  /// A small document's bytes.
  func document(_ name: String, what: String) throws(ImageSourceError) -> [UInt8]? {
    guard let m = member(name) else { return nil }
    if gzip { return documents[m.name] }
    guard m.size <= Int64(Self.maxDocument) else {
      throw ImageSourceError(
        .limitExceeded, "\(what) in \(path) is \(m.size) bytes, above the limit", path: path)
    }
    let r = try FileBlobReader(path: path, offset: m.dataOffset, length: m.size)
    var out: [UInt8] = []
    while let c = try r.nextChunk() { out += c }
    return out
  }

  /// First bytes of a member (compression sniffing).
  func head(of m: Member) throws(ImageSourceError) -> [UInt8] {
    if gzip { return m.head }
    let r = try FileBlobReader(path: path, offset: m.dataOffset, length: min(m.size, 16))
    return try r.nextChunk() ?? []
  }

  /// SHA-256 hex of a member (hashing it once for a plain archive).
  func sha256(of m: Member) throws(ImageSourceError) -> String {
    if let h = m.sha256 { return h }
    let r = try FileBlobReader(path: path, offset: m.dataOffset, length: m.size)
    var hasher = BlobHasher.sha256()
    while let c = try r.nextChunk() { hasher.update(c) }
    return hasher.hex()
  }
}

/// Streams one member out of a gzip-compressed docker archive (decompressing the archive up to
/// the member's end; nothing is written to disk).
final class GzipArchiveMemberReader: BlobReader {
  let file: FileBlobReader
  let memberName: String
  var inflater = Inflater(mode: .gzip)
  var parser = TarParser()
  var inMember = false
  var done = false
  var pending: [UInt8] = []

  init(path: String, member: String) throws(ImageSourceError) {
    file = try FileBlobReader(path: path)
    memberName = member
  }

  func next() async throws -> [UInt8]? {
    while !done && pending.count < FileBlobReader.chunkSize {
      guard let chunk = try file.nextChunk() else {
        try inflater.finish()
        done = true
        break
      }
      try inflater.push(chunk) { tarBytes in
        try parser.push(tarBytes) { event in
          switch event {
          case .entry(let e): inMember = DockerArchiveIndex.normalize(e.path) == memberName
          case .data(let span): if inMember { pending.append(contentsOf: span) }
          case .entryEnd:
            if inMember {
              done = true
              inMember = false
            }
          case .warning: break
          }
        }
      }
    }
    if pending.isEmpty { return nil }
    defer { pending = [] }
    return pending
  }
}
