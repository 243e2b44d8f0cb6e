import Crypto
import Foundation
import Signatures
import Testing

/// RFC 6962 inclusion proofs: for every tree size up to 40 and every leaf, the audit path built by
/// the reference definition (RFC 6962 §2.1.1, in SigstoreFixture) verifies, and any change to the
/// index, size, path or root makes it fail.
struct MerkleInclusionProofTests {
  @Test func everyLeafOfEveryTreeUpTo40() {
    var checked = 0
    for size in 1...40 {
      let leaves = (0..<size).map { Data("leaf \($0)".utf8) }
      let root = SigstoreFixture.root(leaves[...])
      for index in 0..<size {
        let path = SigstoreFixture.path(index, leaves[...])
        #expect(
          MerkleInclusionProof.verify(
            leaf: leaves[index], index: Int64(index), treeSize: Int64(size), proof: path,
            rootHash: root))
        if size > 1 {
          let other = (index + 1) % size
          #expect(
            !MerkleInclusionProof.verify(
              leaf: leaves[index], index: Int64(other), treeSize: Int64(size), proof: path,
              rootHash: root))
          #expect(
            !MerkleInclusionProof.verify(
              leaf: leaves[other], index: Int64(index), treeSize: Int64(size), proof: path,
              rootHash: root))
          #expect(
            !MerkleInclusionProof.verify(
              leaf: leaves[index], index: Int64(index), treeSize: Int64(size),
              proof: path.dropLast(), rootHash: root))
          #expect(
            !MerkleInclusionProof.verify(
              leaf: leaves[index], index: Int64(index), treeSize: Int64(size), proof: path + [root],
              rootHash: root))
        }
        checked += 1
      }
    }
    #expect(checked == 820)
  }

  @Test func malformedProofsAreRejectedNotTrapped() {
    let h = Data(repeating: 1, count: 32)
    #expect(
      MerkleInclusionProof.rootFromProof(leafHash: h, index: 0, treeSize: 0, proof: []) == nil)
    #expect(
      MerkleInclusionProof.rootFromProof(leafHash: h, index: -1, treeSize: 4, proof: [h, h]) == nil)
    #expect(
      MerkleInclusionProof.rootFromProof(leafHash: h, index: 4, treeSize: 4, proof: [h, h]) == nil)
    #expect(
      MerkleInclusionProof.rootFromProof(leafHash: h, index: 1, treeSize: 4, proof: [Data([1, 2])])
        == nil)
    #expect(
      MerkleInclusionProof.rootFromProof(
        leafHash: h, index: .max - 1, treeSize: .max, proof: Array(repeating: h, count: 64)) == nil)
  }
}
