import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Catalogers

private let hasPython = FixtureProcess.which("python3") != nil
private let syftPython = "pkgdb/syft/syft/pkg/cataloger/python/testdata/"
private let trivyParser = "pkgdb/trivy/pkg/dependency/parser/python/packaging/testdata/"
private let trivyAnalyzer = "pkgdb/trivy/pkg/fanal/analyzer/language/python/packaging/testdata/"

private func run(_ resolver: any FileResolver) -> CatalogResult {
  PythonCataloger().catalog(resolver, context: CatalogContext())
}

@Suite struct PythonCatalogerTests {
  @Test(.enabled(if: Oracles.gate(PlantedLayerFixture.available), "planted image not available"))
  func plantedSitePackagesMatchTheExpectedInventory() throws {
    let resolver = try PlantedLayerFixture.resolver(selectors: PythonCataloger().selectors)
    let result = run(resolver)
    let expected = try #require(
      try PlantedLayerFixture.expectedInventory["python"] as? [[String: String]])
    #expect(expected.count == 7)
    #expect(
      result.packages.map { "\($0.name)==\($0.version)" }.sorted()
        == expected.map { "\($0["name"]!)==\($0["version"]!)" }.sorted())
    let byName = Dictionary(uniqueKeysWithValues: result.packages.map { ($0.name, $0) })
    #expect(byName["Jinja2"]?.purl.description == "pkg:pypi/jinja2@2.10")
    #expect(byName["PyYAML"]?.purl.description == "pkg:pypi/pyyaml@5.3")
    #expect(
      byName["requests"]?.locations.map(\.path) == [
        "usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA"
      ])
    #expect(byName["requests"]?.licenses == ["Apache 2.0"])
    // RECORD lists the installed files as image paths.
    guard case .python(let meta)? = byName["requests"]?.metadata else {
      Issue.record("requests has no python metadata")
      return
    }
    #expect(meta.format == "dist-info")
    #expect(meta.files.contains("usr/local/lib/python3.11/site-packages/requests/api.py"))
    #expect(result.diagnostics.filter { $0.level != .info }.isEmpty)
  }

  @Test(
    "agrees with pip list --path",
    .enabled(
      if: Oracles.gate(PlantedLayerFixture.available && hasPython),
      "planted image or python3 not available"))
  func agreesWithPip() throws {
    let site = try PlantedLayerFixture.directory.get() + "/usr/local/lib/python3.11/site-packages"
    let out = try FixtureProcess.run(
      "python3", ["-m", "pip", "list", "--path", site, "--format", "json"])
    let pip = try #require(try JSONSerialization.jsonObject(with: Data(out)) as? [[String: String]])
    let ours = run(try PlantedLayerFixture.resolver(selectors: PythonCataloger().selectors))
      .packages
    #expect(
      ours.map { "\($0.name) \($0.version)" }.sorted()
        == pip.map { "\($0["name"]!) \($0["version"]!)" }.sorted())
  }

  /// syft's fixture tree: dist-info, egg-info directories and files, upper-case directory names,
  /// a RECORD with merge-conflict lines, a distribution without a version.
  @Test func syftFixtureTree() throws {
    let resolver = try InMemoryFileResolver.loading(
      directory: SharedData.path(syftPython + "site-packages"),
      selectors: PythonCataloger().selectors)
    let result = run(resolver)
    let found = result.packages.map { "\($0.locations[0].path) \($0.name) \($0.version)" }.sorted()
    #expect(
      found == [
        "license/with-license-file-declared.dist-info/METADATA Pygments 2.6.1",
        "license/without-license-file-declared.dist-info/METADATA Pygments 2.6.1",
        "malformed-record/dist-info/METADATA Pygments 2.6.1",
        "nested/dist-name/dist-info/METADATA Pygments 2.6.1",
        "nested/egg-name/egg-info/PKG-INFO requests 2.22.0",
        "no-version/no-version-py3.8.egg-info no-version ",
        "partial.dist-info/METADATA Pygments 2.6.1",
        "test/test.egg-info requests 2.22.0",
        "uppercase/dist-name/DIST-INFO/METADATA Pygments 2.6.1",
        "uppercase/egg-name/EGG-INFO/PKG-INFO requests 2.22.0",
      ])
    #expect(
      result.diagnostics.contains {
        $0.code == "python.missing-version" && $0.path == "no-version/no-version-py3.8.egg-info"
      })
    let nested = try #require(
      result.packages.first { $0.locations[0].path == "nested/dist-name/dist-info/METADATA" })
    guard case .python(let meta) = nested.metadata else {
      Issue.record("no python metadata")
      return
    }
    // `../../../bin/pygmentize` relative to nested/dist-name climbs to the image root.
    #expect(meta.files.contains("bin/pygmentize"))
    #expect(meta.files.contains("nested/dist-name/Pygments-2.6.1.dist-info/AUTHORS"))
    #expect(nested.licenses == ["BSD License"])
    let licensed = try #require(
      result.packages.first { $0.locations[0].path.hasPrefix("license/with-") })
    #expect(licensed.licenses == ["BSD License"])  // from the classifier
  }

  /// trivy's METADATA/PKG-INFO samples, named and versioned as Python's own email parser reads
  /// them, normalised as `packaging.utils.canonicalize_name` does.
  @Test(
    "trivy metadata samples agree with Python's email parser and packaging",
    .enabled(if: Oracles.gate(hasPython), "python3 is not installed"))
  func trivySamplesAgreeWithPython() throws {
    let dir = SharedData.path(trivyParser)
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
      $0.hasSuffix(".METADATA") || $0.hasSuffix(".PKG-INFO") || $0.hasSuffix(".egg-info")
    }.sorted()
    #expect(names.count == 10)
    var files: [String: [UInt8]] = [:]
    for name in names {
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + name)))
      if name.hasSuffix(".egg-info") {
        files["site-packages/\(name)"] = bytes
      } else if name.hasSuffix(".METADATA") {
        files["site-packages/\(name.dropLast(9)).dist-info/METADATA"] = bytes
      } else {
        files["site-packages/\(name.dropLast(8)).egg-info/PKG-INFO"] = bytes
      }
    }
    let result = run(InMemoryFileResolver(files: files, selectors: PythonCataloger().selectors))
    let script = """
      import sys, email
      from packaging.utils import canonicalize_name
      for path in sys.argv[1:]:
          m = email.message_from_string(open(path, encoding='utf-8', errors='replace').read())
          print(canonicalize_name(m['Name'].strip()), m['Version'].strip())
      """
    let out = String(
      decoding: try FixtureProcess.run("python3", ["-c", script] + names.map { dir + $0 }),
      as: UTF8.self)
    let oracle = out.split(separator: "\n").map(String.init).sorted()
    #expect(result.packages.map { "\($0.purl.name) \($0.version)" }.sorted() == oracle)
    let licenses = Dictionary(
      result.packages.map { ($0.purl.name, $0.licenses) }, uniquingKeysWith: { a, _ in a })
    #expect(licenses["iniconfig"] == ["MIT"])
    #expect(licenses["asyncssh"] == ["Eclipse Public License v2.0"])
    #expect(licenses["setuptools"] == ["MIT License"])  // License: UNKNOWN, so the classifier
  }

  @Test func zippedEggs() throws {
    let files = try [
      "kitchen-1.2.6-py2.7.egg": "egg-zip/kitchen-1.2.6-py2.7.egg",
      "sample_package.egg": "egg-zip-with-license-file/sample_package.egg",
      "no-required-files.egg": "no-req-files/no-required-files.egg",
    ].mapValues {
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.path(trivyAnalyzer + $0))))
    }
    let result = run(
      InMemoryFileResolver(
        files: Dictionary(
          uniqueKeysWithValues: files.map {
            ("usr/lib/python2.7/site-packages/" + $0.key, $0.value)
          }),
        selectors: PythonCataloger().selectors))
    #expect(
      result.packages.map { "\($0.purl)" } == [
        "pkg:pypi/kitchen@1.2.6", "pkg:pypi/sample-package@0.1",
      ])
    #expect(result.packages.first?.licenses == ["LGPLv2+"])
    #expect(result.diagnostics.map(\.code) == ["python.egg-without-pkg-info"])
  }

  @Test func hostileMetadata() throws {
    let files: [String: [UInt8]] = [
      "a/x.dist-info/METADATA": Array("no headers at all".utf8),
      "a/y.dist-info/METADATA": [0xFF, 0xFE, 0x00, 0x4E, 0x3A],
      "a/z.dist-info/METADATA": Array("Name: z\nVersion: 1\n".utf8),
      "a/z.dist-info/RECORD": Array(
        "\"unterminated,sha\n\"q\"\"uoted\",x,1\n../../../../../etc/passwd,,\n".utf8),
      "a/bad.egg": Array("PK\u{03}\u{04}garbage".utf8),
    ]
    let result = run(InMemoryFileResolver(files: files, selectors: PythonCataloger().selectors))
    #expect(result.packages.map(\.name) == ["z"])
    guard case .python(let meta)? = result.packages.first?.metadata else {
      Issue.record("no metadata")
      return
    }
    #expect(meta.files == ["a/q\"uoted", "etc/passwd"])
    #expect(
      Set(result.diagnostics.map(\.code)) == [
        "python.missing-name", "python.bad-record-line", "python.bad-egg",
      ])
  }

  @Test func pep503() {
    #expect(PythonMetadataParser.normalize("Foo.Bar__baz--Qux") == "foo-bar-baz-qux")
    #expect(PythonMetadataParser.normalize("PyYAML") == "pyyaml")
    #expect(PythonMetadataParser.normalize("zope.interface") == "zope-interface")
  }
}

extension PythonCatalogerTests {
  /// Hundreds of thousands of empty lines inside a `Description:` header are skipped in linear time.
  @Test(.timeLimit(.minutes(1)))
  func emptyLinesInDescriptionStayLinear() {
    let text =
      "Name: x\nVersion: 1\nDescription: a\n" + String(repeating: "\n", count: 200_000)
      + "        b\nLicense: MIT\n"
    let parsed = PythonMetadataParser(parsing: text)
    #expect(parsed.first("License") == "MIT")
    #expect(parsed.first("Version") == "1")
  }
}
