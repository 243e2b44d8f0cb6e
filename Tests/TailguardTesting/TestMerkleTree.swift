import Crypto
import Foundation

/// An RFC 6962 §2.1 Merkle tree computed here, independently of the code under test, for
/// tests that build transparency-log inclusion proofs and checkpoints.
public enum TestMerkleTree {
  public static func leafHash(_ d: Data) -> Data { Data(SHA256.hash(data: Data([0]) + d)) }

  public static func node(_ l: Data, _ r: Data) -> Data {
    Data(SHA256.hash(data: Data([1]) + l + r))
  }

  /// The largest power of two below `n` (the split point of a tree of `n` leaves).
  static func split(_ n: Int) -> Int {
    var k = 1
    while k * 2 < n { k *= 2 }
    return k
  }

  /// The root hash of the leaves (raw entries, hashed here).
  public static func root(_ leaves: ArraySlice<Data>) -> Data {
    if leaves.count == 1 { return leafHash(leaves[leaves.startIndex]) }
    let k = split(leaves.count)
    return node(root(leaves.prefix(k)), root(leaves.dropFirst(k)))
  }

  /// The audit path of leaf `m`.
  public static func path(_ m: Int, _ leaves: ArraySlice<Data>) -> [Data] {
    if leaves.count <= 1 { return [] }
    let k = split(leaves.count)
    if m < k { return path(m, leaves.prefix(k)) + [root(leaves.dropFirst(k))] }
    return path(m - k, leaves.dropFirst(k)) + [root(leaves.prefix(k))]
  }
}
