import Advisories
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Matching

/// A cache of prepared advisory groups changes nothing but the work: matching many SBOMs with
/// one cache gives, for each, exactly the result of matching it alone; the keys are prepared
/// once; and a full cache starts again rather than grow.
@Suite struct PreparedGroupCacheTests {
  static func bom(_ packages: [Package]) -> SoftwareBOM {
    SoftwareBOM(image: MatchingFixtures.image(), packages: packages)
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable))) func sameResultsPreparedOnce() throws {
    let db = try #require(MatchingFixtures.database)
    let boms = [
      Self.bom([
        MatchingFixtures.python("requests", "2.19.0"), MatchingFixtures.python("urllib3", "1.24.1"),
        MatchingFixtures.python("Jinja2", "2.10"),
      ]),
      Self.bom([
        MatchingFixtures.python("urllib3", "1.24.1"), MatchingFixtures.python("PyYAML", "5.3"),
        MatchingFixtures.python("no-such-package-anywhere", "1.0"),
      ]),
      Self.bom([
        MatchingFixtures.python("requests", "2.31.0"), MatchingFixtures.python("idna", "2.7"),
      ]),
    ]
    let cache = PreparedGroupCache()
    for bom in boms {
      let alone = Matcher(store: db.store).match(bom)
      let shared = Matcher(store: db.store, cache: cache).match(bom)
      #expect(shared.findings == alone.findings)
      #expect(shared.diagnostics == alone.diagnostics)
    }
    #expect(!Matcher(store: db.store).match(boms[0]).findings.isEmpty)
    // requests, urllib3, Jinja2, PyYAML, no-such-package-anywhere, idna: six keys, each once.
    #expect(cache.count == 6)
    // Again, all from the cache: still the same answer.
    for bom in boms {
      #expect(
        Matcher(store: db.store, cache: cache).match(bom).findings
          == Matcher(store: db.store).match(bom).findings)
    }
    #expect(cache.count == 6)

    let small = PreparedGroupCache(capacity: 2)
    _ = Matcher(store: db.store, cache: small).match(boms[0])
    #expect(small.count <= 2)
    #expect(
      Matcher(store: db.store, cache: small).match(boms[1]).findings
        == Matcher(store: db.store).match(boms[1]).findings)
  }
}
