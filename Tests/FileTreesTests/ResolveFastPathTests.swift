import ByteFormats
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import FileTrees

/// `LayerStack.resolve` answers most paths with one lookup and a walk up the parent indices;
/// it must give exactly what the component-by-component resolution gives, on random trees
/// full of symlinks (to files, to directories, relative, absolute, chained, looping),
/// whiteouts, opaque directories, directories replaced by links in a later layer, and entries
/// that a tar placed under a path that is a symlink.
@Suite struct ResolveFastPathTests {
  static let names = ["a", "b", "c", "lib", "usr", "x.so", "..", "."]

  static func randomPath(_ g: inout SeededGenerator, depth: Int = 3) -> String {
    (0..<(1 + Int(g.next() % UInt64(depth)))).map { _ in
      names[Int(g.next() % 6)]
    }.joined(separator: "/")
  }

  @Test func fastPathAgreesWithStepwiseResolution() throws {
    var g = SeededGenerator(seed: 5)
    for round in 0..<60 {
      var layers: [[UInt8]] = []
      for _ in 0..<(1 + Int(g.next() % 3)) {
        var tar = TarBuilder()
        for _ in 0..<40 {
          let path = Self.randomPath(&g)
          switch g.next() % 8 {
          case 0, 1: tar.directory(path + "/")
          case 2, 3: tar.file(path, "f")
          case 4:
            // Relative, absolute, upward, chained or dangling targets.
            let target =
              g.next() % 2 == 0
              ? Self.randomPath(&g) : "/" + Self.randomPath(&g)
            tar.symlink(path, to: g.next() % 5 == 0 ? "../" + target : target)
          case 5: tar.whiteout(path)
          case 6: tar.opaque(path)
          default: tar.hardLink(path, to: Self.randomPath(&g))
          }
        }
        layers.append(tar.finished())
      }
      let s = try stack(layers)
      var queries = s.entries().map(\.path)
      for _ in 0..<200 {
        var p = (0..<(1 + Int(g.next() % 5))).map { _ in Self.names[Int(g.next() % 8)] }
          .joined(separator: "/")
        if g.next() % 4 == 0 { p = "/" + p }
        queries.append(p)
      }
      for q in queries {
        #expect(
          s.resolve(q) == s.resolveStepwise(PathNormalizer.clean(q)), "round \(round): \(q)")
      }
    }
  }
}
