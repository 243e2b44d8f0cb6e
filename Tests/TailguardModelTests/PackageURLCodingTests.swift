import Foundation
import Testing

@testable import TailguardModel

/// The purl codec's own percent-encoding against Foundation's: decoding agrees with
/// `removingPercentEncoding` wherever that gives valid text, and keeps the text as written where
/// an escape is malformed or the bytes are not UTF-8 (Foundation answers nil for some of those
/// and U+FFFD for others);
/// encoding round-trips, and purls with escaped versions parse to their components.
@Suite struct PackageURLCodingTests {
  @Test func decodingAgreesWithFoundation() {
    var inputs = [
      "", "plain", "2.36-9%2Bdeb12u4", "%40scope", "a%2Fb%2fc", "%", "%2", "%zz", "%C3%A9t%C3%A9",
      "%FF%FE", "%E2%82", "100%", "%%41", "%41%", "x%20y", "%00", "é%C3%A9",
    ]
    // Generated: random mixes of escapes (valid and not), plain bytes and multi-byte text.
    var rng = SystemRandomNumberGenerator()
    let atoms = [
      "%", "%4", "%41", "%c3", "%A9", "%e2%82%ac", "%G1", "a", "Z", "+", "é", "/", "%2B",
    ]
    for _ in 0..<5000 {
      inputs.append(
        (0..<Int.random(in: 0...6, using: &rng)).map { _ in atoms.randomElement(using: &rng)! }
          .joined())
    }
    for s in inputs {
      if let foundation = s.removingPercentEncoding, !foundation.contains("\u{FFFD}") {
        #expect(PackageURL.decode(s) == foundation, "\(s)")
      } else {
        #expect(PackageURL.decode(s) == s, "\(s)")
      }
    }
  }

  @Test func encodingRoundTripsAndParses() throws {
    for s in ["2.36-9+deb12u4", "@scope/x", "a b", "é", "plain-1.0_x~y", "%41"] {
      #expect(PackageURL.decode(PackageURL.encode(s)) == s)
    }
    let purl = try PackageURL(
      parsing: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12")
    #expect(purl.version == "2.36-9+deb12u4")
    #expect(purl.name == "libc6" && purl.namespace == "debian" && purl.type == "deb")
    #expect(purl.qualifiers["arch"] == "amd64")
    #expect(try PackageURL(parsing: purl.description) == purl)
    #expect(try PackageURL(parsing: "PKG:npm/%40s/x@1").namespace == "@s")
    #expect(throws: ModelError.self) { try PackageURL(parsing: "pk:npm/x@1") }
    #expect(throws: ModelError.self) { try PackageURL(parsing: "pkg") }
  }
}
