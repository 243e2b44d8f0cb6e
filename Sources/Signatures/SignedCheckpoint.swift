import Foundation

/// A transparency-log checkpoint in the signed-note format
/// (https://github.com/transparency-dev/formats/blob/main/log/README.md): the note text (origin
/// line first, tree size, base64 root hash, optional extension lines), a blank line, then one
/// or more `— <name> <base64(4-byte key hint || signature)>` lines (log signature and witness
/// cosignatures). The key is chosen by its hint; unknown hints are other parties' cosignatures.
public struct SignedCheckpoint: Sendable, Hashable {
  public struct NoteSignature: Sendable, Hashable {
    public var name: String
    public var keyHint: Data
    public var signature: Data
  }

  /// The signed text: everything up to and including the newline before the blank line.
  public var note: String
  public var origin: String
  public var treeSize: Int64
  public var rootHash: Data
  public var otherContent: [String]
  public var signatures: [NoteSignature]

  static let maximumSize = 64 * 1024
  static let maximumSignatures = 64

  public init(parsing text: String) throws(VerificationFailure) {
    func fail(_ m: String) -> VerificationFailure {
      VerificationFailure(.tlogCheckpoint, "malformed checkpoint: \(m)")
    }
    guard text.utf8.count <= Self.maximumSize else {
      throw fail("larger than \(Self.maximumSize) bytes")
    }
    let parts = text.components(separatedBy: "\n\n")
    guard parts.count == 2 else {
      throw fail("expected exactly one blank line between note and signatures")
    }
    let body = parts[0]
    let sigBlock = parts[1]
    guard sigBlock.hasSuffix("\n"), !sigBlock.isEmpty else {
      throw fail("signature block must end with a newline")
    }
    let lines = body.components(separatedBy: "\n")
    guard lines.count >= 3 else { throw fail("too few lines in the note") }
    guard !lines[0].isEmpty else { throw fail("empty origin line") }
    guard let size = Int64(lines[1]), size >= 0 else {
      throw fail("invalid tree size '\(lines[1].prefix(30))'")
    }
    guard let root = ProtoJSON.base64(lines[2]), root.count == 32 else {
      throw fail("invalid root hash")
    }
    var sigs: [NoteSignature] = []
    for line in sigBlock.dropLast().components(separatedBy: "\n") {
      guard line.hasPrefix("\u{2014} ") else {
        throw fail("signature line does not start with an em dash")
      }
      let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
      guard fields.count == 2, !fields[0].isEmpty, let raw = ProtoJSON.base64(String(fields[1])),
        raw.count > 4
      else {
        throw fail("malformed signature line")
      }
      sigs.append(
        NoteSignature(name: String(fields[0]), keyHint: raw.prefix(4), signature: raw.dropFirst(4)))
      guard sigs.count <= Self.maximumSignatures else { throw fail("too many signatures") }
    }
    note = body + "\n"
    origin = lines[0]
    treeSize = size
    rootHash = root
    otherContent = Array(lines.dropFirst(3))
    signatures = sigs
  }

  /// Verifies the log's own signature: the line whose hint is the first four bytes of the log
  /// ID (for Rekor v1 the SHA-256 of the DER key; for Rekor v2 the signed-note key ID).
  public func verify(logID: Data, key: VerificationKey) throws(VerificationFailure) {
    let hint = logID.prefix(4)
    let candidates = signatures.filter { $0.keyHint == hint }
    guard !candidates.isEmpty else {
      throw VerificationFailure(
        .tlogCheckpoint, "checkpoint has no signature with the log's key hint \(hint.hexString)")
    }
    guard candidates.contains(where: { key.isValidSignature($0.signature, over: Data(note.utf8)) })
    else {
      throw VerificationFailure(
        .tlogCheckpoint, "checkpoint signature does not verify with the log key")
    }
  }
}
