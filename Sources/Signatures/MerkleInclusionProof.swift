import Crypto
import Foundation

/// RFC 6962 / RFC 9162 Merkle tree hashing and inclusion-proof verification (RFC 9162 §2.1.3.2).
public enum MerkleInclusionProof {
  /// `SHA-256(0x00 || leaf)`.
  public static func leafHash(_ leaf: Data) -> Data {
    var h = SHA256()
    h.update(data: [0])
    h.update(data: leaf)
    return Data(h.finalize())
  }

  static func nodeHash(_ left: Data, _ right: Data) -> Data {
    var h = SHA256()
    h.update(data: [1])
    h.update(data: left)
    h.update(data: right)
    return Data(h.finalize())
  }

  /// Recomputes the root from the leaf hash and audit path; nil when the proof is malformed
  /// (wrong length for this index and tree size, bad hash sizes).
  public static func rootFromProof(leafHash: Data, index: Int64, treeSize: Int64, proof: [Data])
    -> Data?
  {
    guard treeSize > 0, index >= 0, index < treeSize, proof.allSatisfy({ $0.count == 32 }) else {
      return nil
    }
    var fn = UInt64(index)
    var sn = UInt64(treeSize - 1)
    var r = leafHash
    for p in proof {
      if sn == 0 { return nil }
      if fn & 1 == 1 || fn == sn {
        r = nodeHash(p, r)
        if fn & 1 == 0 {
          while fn & 1 == 0 && fn != 0 {
            fn >>= 1
            sn >>= 1
          }
        }
      } else {
        r = nodeHash(r, p)
      }
      fn >>= 1
      sn >>= 1
    }
    return sn == 0 ? r : nil
  }

  /// True when the proof shows `leaf` at `index` in the tree of `treeSize` with root `rootHash`.
  public static func verify(
    leaf: Data, index: Int64, treeSize: Int64, proof: [Data], rootHash: Data
  ) -> Bool {
    rootFromProof(leafHash: leafHash(leaf), index: index, treeSize: treeSize, proof: proof)
      == rootHash
  }
}
