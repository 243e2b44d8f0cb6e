import Advisories
import Foundation
import TailguardModel
import TailguardTesting

/// The advisory database of the acceptance tests: all of `advisories/` plus KEV, imported once
/// into a temporary SQLite file through the real importer.
enum MatchingFixtures {
  static let database: (store: SQLiteAdvisoryStore, dir: TemporaryDirectory)? = {
    guard SharedData.isAvailable, let dir = try? TemporaryDirectory(prefix: "tailguard-match")
    else { return nil }
    let batch = AdvisoryImporter().load(paths: [
      SharedData.path("advisories/pypa-osv-json"), SharedData.path("advisories/go-vulndb/osv"),
      SharedData.path("advisories/rustsec-osv/crates"), SharedData.path("advisories/alpine-secdb"),
      SharedData.path("kev/known_exploited_vulnerabilities.json"),
    ])
    guard let store = try? SQLiteAdvisoryStore(path: dir.file("tailguard.db")),
      (try? store.write(batch)) != nil
    else {
      return nil
    }
    return (store, dir)
  }()

  static let layer = try! Digest(parsing: "sha256:" + String(repeating: "ab", count: 32))

  static func image() -> ImageMetadata { ImageMetadata(target: "test", sourceKind: "directory") }

  static func python(_ name: String, _ version: String) -> Package {
    Package(
      name: name, version: version, ecosystem: .pypi,
      purl: PackageURL(type: "pypi", name: name.lowercased(), version: version),
      locations: [
        Location(
          path: "usr/local/lib/python3.11/site-packages/\(name)-\(version).dist-info/METADATA",
          layer: layer, layerIndex: 1)
      ],
      foundBy: "python", introducedBy: layer, introducedByIndex: 1,
      metadata: .python(PythonMetadata(format: "dist-info")))
  }

  static func goModule(_ path: String, _ version: String, binary: String, goVersion: String)
    -> Package
  {
    Package(
      name: path, version: version, ecosystem: .golang,
      purl: PackageURL(
        type: "golang", namespace: (path as NSString).deletingLastPathComponent,
        name: (path as NSString).lastPathComponent, version: version),
      locations: [Location(path: binary, layer: layer, layerIndex: 1)], foundBy: "go-binary",
      introducedBy: layer, introducedByIndex: 1,
      metadata: .goModule(GoModuleMetadata(goVersion: goVersion)))
  }

  static func apk(_ name: String, _ version: String, origin: String, index: Int) -> Package {
    Package(
      name: name, version: version, ecosystem: .apk,
      purl: PackageURL(type: "apk", namespace: "alpine", name: name, version: version),
      locations: [Location(path: "lib/apk/db/installed#\(index)", layer: layer, layerIndex: 0)],
      source: SourcePackage(name: origin, version: version), foundBy: "apk", introducedBy: layer,
      introducedByIndex: 0,
      metadata: .apk(ApkMetadata(origin: origin)))
  }

  static var oraclePath: String {
    SharedData.packageRoot + "/Tests/MatchingTests/Fixtures/osv_oracle.py"
  }

  /// Runs the independent evaluator; returns "name\tid" lines.
  static func oracle(_ args: [String]) -> Set<String>? {
    guard let run = try? ProcessRunner.run("python3", [oraclePath] + args), run.status == 0
    else { return nil }
    return Set(run.stdout.split(separator: "\n").map(String.init))
  }

  static let hasOracle: Bool =
    ProcessRunner.python("import univers, packaging, yaml; print(1)")?.hasPrefix("1") ?? false
}
