import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Catalogers

private let syftJS = "pkgdb/syft/syft/pkg/cataloger/javascript/testdata"
private let hasNode = FixtureProcess.which("node") != nil

private func run(_ resolver: any FileResolver) -> CatalogResult {
  NpmCataloger().catalog(resolver, context: CatalogContext())
}

@Suite struct NpmCatalogerTests {
  @Test func syftFixtureTree() throws {
    let result = run(
      try InMemoryFileResolver.loading(
        directory: SharedData.path(syftJS), selectors: NpmCataloger().selectors))
    #expect(
      result.packages.map(\.purl.description) == [
        "pkg:npm/%40actions/core@1.6.0", "pkg:npm/cowsay@1.4.0",
      ])
    #expect(result.packages.map(\.name) == ["@actions/core", "cowsay"])
    #expect(result.packages.map(\.licenses) == [["MIT"], ["MIT"]])
    guard case .npm(let cowsay) = result.packages[1].metadata else {
      Issue.record("no npm metadata")
      return
    }
    #expect(cowsay.author == "Fabio Crisci <piuccio@gmail.com> (https://github.com/piuccio/)")
    // Project manifests (including the corrupt one) are not installed packages: info diagnostics only.
    #expect(
      result.diagnostics.allSatisfy { $0.code == "npm.project-manifest" && $0.level == .info })
    #expect(
      Set(result.diagnostics.compactMap(\.path)) == [
        "corrupt/package.json", "glob-paths/src/package.json", "pkg-json/package.json",
        "yarn-berry-dev-deps/package.json",
        "yarn-dev-deps/package.json",
      ])
  }

  @Test(
    "agrees with node's require()", .enabled(if: Oracles.gate(hasNode), "node is not installed"))
  func agreesWithNode() throws {
    let root = SharedData.path(syftJS + "/pkg-lock/node_modules")
    let script =
      "for (const p of process.argv.slice(1)) { const j = require(p); console.log(j.name + '@' + j.version) }"
    let out = try FixtureProcess.run(
      "node", ["-e", script, root + "/@actions/core/package.json", root + "/cowsay/package.json"])
    let result = run(
      try InMemoryFileResolver.loading(
        directory: SharedData.path(syftJS), selectors: NpmCataloger().selectors))
    #expect(
      result.packages.map { "\($0.name)@\($0.version)" }
        == String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init))
  }

  @Test(.enabled(if: Oracles.gate(PlantedLayerFixture.available), "planted image not available"))
  func plantedGlobalSemver() throws {
    let result = run(try PlantedLayerFixture.resolver(selectors: NpmCataloger().selectors))
    #expect(result.packages.map(\.purl.description) == ["pkg:npm/semver@7.6.2"])
    #expect(
      result.packages.first?.locations.map(\.path) == [
        "usr/local/lib/node_modules/semver/package.json"
      ])
    #expect(result.packages.first?.licenses == ["ISC"])
    let expected = try #require(
      try PlantedLayerFixture.expectedInventory["npm"] as? [String: String])
    #expect(expected["/usr/local/lib/node_modules/semver"]?.hasPrefix("semver@7.6.2") == true)
  }

  @Test func nestedScopedPrivateAndWorkspaces() throws {
    func json(_ s: String) -> [UInt8] { Array(s.utf8) }
    let files: [String: [UInt8]] = [
      "app/package.json": json(
        #"{"name":"app","version":"1.0.0","private":true,"workspaces":["packages/*"]}"#),
      "app/node_modules/a/package.json": json(
        #"{"name":"a","version":"1.0.0","license":{"type":"BSD-3-Clause"}}"#),
      "app/node_modules/a/node_modules/b/package.json": json(
        #"{"name":"b","version":"2.0.0","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#),
      "app/node_modules/a/lib/package.json": json(#"{"type":"module"}"#),
      "app/node_modules/@s/c/package.json": json(#"{"name":"@s/c","version":"3.0.0-rc.1"}"#),
      "app/packages/w/package.json": json(#"{"name":"w","version":"0.1.0","private":true}"#),
      "app/node_modules/bad/package.json": json(#"{"name": "bad", "version": "#),
      "app/node_modules/nover/package.json": json(#"{"name":"nover"}"#),
    ]
    let resolver = InMemoryFileResolver(
      files: files,
      symlinks: ["app/node_modules/w": "../packages/w", "app/node_modules/gone": "../nowhere"],
      selectors: NpmCataloger().selectors)
    let result = run(resolver)
    #expect(
      result.packages.map { "\($0.purl) \($0.locations[0].path)" } == [
        "pkg:npm/%40s/c@3.0.0-rc.1 app/node_modules/@s/c/package.json",
        "pkg:npm/a@1.0.0 app/node_modules/a/package.json",
        "pkg:npm/b@2.0.0 app/node_modules/a/node_modules/b/package.json",
        "pkg:npm/w@0.1.0 app/packages/w/package.json",
      ])
    #expect(result.packages.map(\.licenses) == [[], ["BSD-3-Clause"], ["MIT", "Apache-2.0"], []])
    guard case .npm(let w) = result.packages[3].metadata else { return }
    #expect(w.isPrivate)
    #expect(
      Set(result.diagnostics.map(\.code)) == [
        "npm.project-manifest", "npm.bad-manifest", "npm.missing-version", "npm.dangling-link",
      ])
    // The workspace member is cataloged through its link, so only the root is a skipped project.
    #expect(
      result.diagnostics.filter { $0.code == "npm.project-manifest" }.map(\.path) == [
        "app/package.json"
      ])
  }
}
