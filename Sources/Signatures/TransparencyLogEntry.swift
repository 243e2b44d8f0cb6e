import Foundation

/// One Rekor entry as carried in a bundle (`dev.sigstore.rekor.v1.TransparencyLogEntry`), for both
/// Rekor v1 (integrated time + signed entry timestamp) and Rekor v2 (inclusion proof only).
public struct TransparencyLogEntry: Sendable, Hashable {
  public struct InclusionProof: Sendable, Hashable {
    /// Index of the leaf in the (shard's) tree the proof is for.
    public var logIndex: Int64
    public var rootHash: Data
    public var treeSize: Int64
    public var hashes: [Data]
    /// The signed-note checkpoint text, when present.
    public var checkpoint: String?

    public init(
      logIndex: Int64, rootHash: Data, treeSize: Int64, hashes: [Data], checkpoint: String?
    ) {
      self.logIndex = logIndex
      self.rootHash = rootHash
      self.treeSize = treeSize
      self.hashes = hashes
      self.checkpoint = checkpoint
    }
  }

  public var logIndex: Int64
  public var logID: Data
  public var kind: String
  public var kindVersion: String
  public var integratedTime: Int64?
  /// The signed entry timestamp (inclusion promise), DER ECDSA signature.
  public var inclusionPromise: Data?
  public var inclusionProof: InclusionProof?
  public var canonicalizedBody: Data

  public init(
    logIndex: Int64, logID: Data, kind: String, kindVersion: String, integratedTime: Int64?,
    inclusionPromise: Data?, inclusionProof: InclusionProof?, canonicalizedBody: Data
  ) {
    self.logIndex = logIndex
    self.logID = logID
    self.kind = kind
    self.kindVersion = kindVersion
    self.integratedTime = integratedTime
    self.inclusionPromise = inclusionPromise
    self.inclusionProof = inclusionProof
    self.canonicalizedBody = canonicalizedBody
  }

  /// `kind/version`, e.g. `intoto/0.0.2`.
  public var type: String { "\(kind)/\(kindVersion)" }

  public var integratedDate: Date? {
    integratedTime.map { Date(timeIntervalSince1970: TimeInterval($0)) }
  }
}
