import Foundation
import TailguardTesting
import Testing

/// The planted image's output in every format, byte for byte, against files written before the
/// pipeline was reorganised (issue 15): any change to what users get shows up here as a diff.
/// Run with `TAILGUARD_UPDATE_GOLDEN=1` to rewrite the files after an intended change, and
/// review the diff. What changes from run to run is normalised: the run's own timestamps
/// (`<now>`), random serial numbers (`urn:uuid:<uuid>`), the SPDX document namespace, and the
/// path of the shared data (`oci:<planted>`).
@Suite(.serialized) struct GoldenOutputTests {
  static let planted = SharedData.path("images/built/oci-layout")
  static let available = SharedData.isAvailable && TailguardCLI.binary != nil
  static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Golden")

  static let cases: [(name: String, args: [String])] = [
    ("scan.table.txt", ["scan", "-q", "-o", "table"]),
    ("scan.json", ["scan", "-q", "-o", "json"]),
    ("scan.sarif.json", ["scan", "-q", "-o", "sarif"]),
    ("scan.cyclonedx.json", ["scan", "-q", "-o", "cyclonedx-json"]),
    ("scan.openvex.json", ["scan", "-q", "-o", "openvex"]),
    ("sbom.cyclonedx.json", ["sbom", "-q", "-o", "cyclonedx-json"]),
    ("sbom.spdx.json", ["sbom", "-q", "-o", "spdx-json"]),
    ("sbom.json", ["sbom", "-q", "-o", "json"]),
    ("sbom.table.txt", ["sbom", "-q", "-o", "table"]),
  ]

  /// Runs one case on the planted image and returns its normalised standard output.
  static func output(_ args: [String]) throws -> String {
    let target = "oci:\(planted):planted"
    let before = Self.day(Date())
    let r = try TailguardCLI.run(args + [target], seconds: 300)
    let after = Self.day(Date())
    guard r.status == 0 else {
      throw HarnessError("tailguard \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)")
    }
    return normalise(r.stdout, target: target, days: [before, after])
  }

  static func day(_ d: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: d)
  }

  static func normalise(_ text: String, target: String, days: [String]) -> String {
    var s = text.replacingOccurrences(of: target, with: "oci:<planted>")
    // The run's own timestamps (advisory dates are years old and stay as they are).
    for day in Set(days) {
      s = s.replacingOccurrences(
        of: #"\#(day)T\d\d:\d\d:\d\d(\.\d+)?Z"#, with: "<now>", options: .regularExpression)
    }
    s = s.replacingOccurrences(
      of: #"urn:uuid:[0-9a-fA-F-]{36}"#, with: "urn:uuid:<uuid>", options: .regularExpression)
    s = s.replacingOccurrences(
      of: #""documentNamespace" : "[^"]*""#, with: #""documentNamespace" : "<namespace>""#,
      options: .regularExpression)
    return s
  }

  @Test(
    .enabled(if: Oracles.gate(available), "needs ../shared/data and the built tailguard executable")
  )
  func plantedImageOutputMatchesTheGoldenFiles() throws {
    let update = ProcessInfo.processInfo.environment["TAILGUARD_UPDATE_GOLDEN"] == "1"
    for (name, args) in Self.cases {
      let got = try Self.output(args)
      let file = Self.golden.appendingPathComponent(name)
      if update {
        try got.write(to: file, atomically: true, encoding: .utf8)
        continue
      }
      let want = try String(contentsOf: file, encoding: .utf8)
      if got != want {
        let gotLines = got.split(separator: "\n", omittingEmptySubsequences: false)
        let wantLines = want.split(separator: "\n", omittingEmptySubsequences: false)
        let at =
          zip(gotLines, wantLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
          ?? min(gotLines.count, wantLines.count)
        Issue.record(
          """
          \(name) differs from its golden file at line \(at + 1):
            golden: \(at < wantLines.count ? String(wantLines[at]) : "<end>")
            now:    \(at < gotLines.count ? String(gotLines[at]) : "<end>")
          """)
      }
    }
  }

  /// Every SARIF document tailguard writes validates against the official SARIF 2.1.0 schema
  /// (`../shared/data/sarif/`), checked with Python's `jsonschema`: the scan report of the
  /// planted image and pin lint's report on the fleet corpus.
  @Test(
    .enabled(if: Oracles.gate(available), "needs ../shared/data and the built tailguard executable")
  )
  func sarifOutputsValidateAgainstTheOfficialSchema() throws {
    let dir = try TemporaryDirectory(prefix: "tailguard-sarif")
    let scan = try TailguardCLI.run(
      ["scan", "-q", "-o", "sarif", "oci:\(Self.planted):planted"], seconds: 300)
    #expect(scan.status == 0, "\(scan.stderr)")
    let pins = try TailguardCLI.run(
      ["pin", "lint", "-q", "-o", "sarif", "--fail", SharedData.path("fleet")], seconds: 300)
    // pin lint exits 1 when it finds unpinned references, as it does in the corpus.
    #expect(pins.status == 1, "\(pins.stderr)")
    let documents = [("scan", scan.stdout), ("pin-lint", pins.stdout)]
    for (name, text) in documents {
      let path = dir.file("\(name).sarif")
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      let check = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        doc = json.load(open(sys.argv[2]))
        jsonschema.validators.validator_for(schema)(schema).validate(doc)
        assert doc["runs"][0]["results"], "no results"
        print("valid")
        """
      let out = try FixtureProcess.run(
        "python3", ["-c", check, SharedData.path("sarif/sarif-schema-2.1.0.json"), path])
      #expect(String(decoding: out, as: UTF8.self) == "valid\n", "\(name)")
    }
  }
}
