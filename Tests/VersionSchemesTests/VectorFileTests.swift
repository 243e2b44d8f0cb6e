import Foundation
import TailguardTesting
import Testing

@testable import VersionSchemes

/// Our own vector files, `Vectors/<scheme>.txt`: one `a < b`, `a == b`, `a > b` or `! a` (must
/// not parse) per line. Every disagreement the differential tests ever found is a line here.
struct VectorFileTests {
  @Test(arguments: VersionSchemeKind.allCases)
  func vectorFile(kind: VersionSchemeKind) throws {
    let lines = try VectorSupport.lines(scheme: kind.rawValue)
    #expect(lines.count >= 10, "\(kind.rawValue).txt should hold real vectors")
    for line in lines {
      if line.op == "!" {
        #expect(throws: VersionParseError.self, "\(kind.rawValue).txt \(line)") {
          _ = try kind.parse(line.a)
        }
        continue
      }
      guard let expected = line.expected else {
        Issue.record("\(kind.rawValue).txt: malformed \(line)")
        continue
      }
      let a = try kind.parse(line.a)
      let b = try kind.parse(line.b)
      #expect(AnyVersion.compare(a, b) == expected, "\(kind.rawValue).txt \(line)")
      #expect(AnyVersion.compare(b, a) == -expected, "\(kind.rawValue).txt reversed \(line)")
      if expected == 0 { #expect(a.hashValue == b.hashValue, "\(kind.rawValue).txt hash \(line)") }
    }
  }
}
