import Advisories
import ByteFormats
import Foundation
import ImageSources
import Matching
import TailguardModel

/// One key the matcher looks advisories up by: the OSV ecosystem string (`Debian:12`, `PyPI`,
/// `Go`) and the package name as looked up (the source package for OS packages). The server's
/// inverted index maps these keys to stored SBOMs, so an advisory change re-matches only the
/// images that hold a touched key.
public struct AdvisoryLookupKey: Hashable, Sendable, Codable, Comparable {
  public var ecosystem: String
  public var name: String
  public init(ecosystem: String, name: String) {
    self.ecosystem = ecosystem
    self.name = name
  }
  public static func < (a: Self, b: Self) -> Bool { (a.ecosystem, a.name) < (b.ecosystem, b.name) }

  /// Every key the matcher would look up for BOM's packages (the same `MatchTarget` rules), plus
  /// Go's `stdlib` when the BOM has Go modules (the matcher synthesises it from their toolchain).
  public static func keys(of bom: SoftwareBOM) -> [AdvisoryLookupKey] {
    var keys: Set<AdvisoryLookupKey> = []
    for package in bom.packages {
      if package.ecosystem == .golang {
        keys.insert(AdvisoryLookupKey(ecosystem: "Go", name: "stdlib"))
      }
      guard case .success(let target) = MatchTarget.forPackage(package, distro: bom.distro) else {
        continue
      }
      for ecosystem in target.ecosystems {
        keys.insert(AdvisoryLookupKey(ecosystem: ecosystem, name: target.name))
      }
    }
    return keys.sorted()
  }
}

/// Prepared advisories shared by the matches of one re-match (see `OpenedAdvisories.report`).
public typealias AdvisoryGroupCache = PreparedGroupCache

/// The advisory data a long-running process opened once: matching goes through the same
/// `Scanner.report` the CLI uses; `fingerprints` tells which lookup keys changed between two
/// openings of the database file, without reading any image.
public struct OpenedAdvisories: Sendable {
  let store: any AdvisoryStore
  public let info: AdvisoryDataInfo

  /// Opens the chosen data (the file when it exists, else the embedded starter set).
  public init(choice: AdvisoryChoice, notice: (String) -> Void = { _ in }) throws {
    (store, info) = try choice.open(notice: notice)
  }

  /// Matches and scores a stored or fresh SoftwareBOM: the CLI's own `Scanner.report`. GROUPS,
  /// made for one re-match of many SBOMs, prepares each lookup key's advisories once for all of
  /// them; it must not outlive the re-match (the data may change after it).
  public func report(
    for bom: SoftwareBOM, now: Date = Date(), groups: PreparedGroupCache? = nil
  ) -> ScanReport {
    Scanner().report(for: bom, store: store, dataInfo: info, now: now, groups: groups)
  }

  /// A stable digest of everything the matcher reads for each key (its advisories and the KEV
  /// entries of their CVE ids): equal fingerprints mean an equal match for every package holding
  /// the key. Keys without advisories get the fingerprint of the empty list.
  public func fingerprints(for keys: [AdvisoryLookupKey]) throws -> [AdvisoryLookupKey: String] {
    var byEcosystem: [String: [String]] = [:]
    for key in keys { byEcosystem[key.ecosystem, default: []].append(key.name) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var out: [AdvisoryLookupKey: String] = [:]
    for (ecosystem, names) in byEcosystem.sorted(by: { $0.key < $1.key }) {
      let found: [String: [Advisory]]
      do { found = try store.advisories(ecosystem: ecosystem, names: names) } catch {
        throw ScannerError(.database, "advisory lookup failed: \(error)")
      }
      var advisoriesByName: [String: [Advisory]] = [:]
      var cveIDsByName: [String: Set<String>] = [:]
      for name in Set(names) {
        let advisories = (found[name] ?? []).sorted { ($0.id, $0.source) < ($1.id, $1.source) }
        advisoriesByName[name] = advisories
        cveIDsByName[name] = Set(advisories.flatMap { [$0.id] + $0.aliases }).filter {
          $0.hasPrefix("CVE-")
        }
      }
      // One KEV lookup per ecosystem, not one per package name.
      let kevByID: [String: KEVEntry]
      do {
        let all = Set(cveIDsByName.values.joined()).sorted()
        kevByID = Dictionary(
          try store.kevEntries(for: all).map { ($0.cveID, $0) }, uniquingKeysWith: { a, _ in a })
      } catch {
        throw ScannerError(.database, "KEV lookup failed: \(error)")
      }
      for (name, advisories) in advisoriesByName {
        let kev = (cveIDsByName[name] ?? []).compactMap { kevByID[$0] }.sorted()
        var bytes = (try? encoder.encode(advisories)) ?? Data()
        bytes += (try? encoder.encode(kev)) ?? Data()
        out[AdvisoryLookupKey(ecosystem: ecosystem, name: name)] = BlobHasher.sha256Hex(bytes)
      }
    }
    return out
  }
}

extension OpenedAdvisories {
  /// Ids (and aliases) of the withdrawn advisories under KEYS: a finding of one of them that
  /// vanishes was retracted, not fixed.
  public func withdrawnIDs(for keys: [AdvisoryLookupKey]) throws -> Set<String> {
    var byEcosystem: [String: [String]] = [:]
    for key in keys { byEcosystem[key.ecosystem, default: []].append(key.name) }
    var out: Set<String> = []
    for (ecosystem, names) in byEcosystem {
      let found: [String: [Advisory]]
      do { found = try store.advisories(ecosystem: ecosystem, names: names) } catch {
        throw ScannerError(.database, "advisory lookup failed: \(error)")
      }
      for advisory in found.values.joined() where advisory.withdrawn != nil {
        out.insert(advisory.id)
        out.formUnion(advisory.aliases)
      }
    }
    return out
  }
}

extension Scanner {
  /// Resolves TARGET to its image metadata (manifest digest, config, layer list) reading no
  /// layer: a server decides from the digest whether the image must be indexed at all.
  public func resolveImage(target: String, options: ScanOptions = ScanOptions()) async throws
    -> ImageMetadata
  {
    let parsed = try ImageTarget.parse(target)
    guard parsed.isImage else {
      throw ScannerError(.unsupportedTarget, "\(target) is not an image")
    }
    return try await imageSource(for: parsed, target: target, options: options).image()
  }
}
