import Foundation
import Remediation
import TailguardTesting
import Testing

/// `fix apply`: the rewrite of Dockerfiles, requirements files and package.json changes only the
/// bytes of the versions, and every hostile input is refused before anything is written.
@Suite
struct FixApplyTests {
  static let digest = "sha256:" + String(repeating: "ab", count: 32)

  /// A plan as `fix plan -o json` writes it: one base bump of debian 12.1-slim, upgrades of
  /// requests and urllib3 (PyPI) and lodash and minimist (npm).
  static let planJSON = """
    {"schemaVersion": 1, "target": "app:1", "imageDigest": null, "distro": "debian 12",
     "actions": [
      {"kind": "base-image-bump", "base": {"repository": "debian", "candidates": [
         {"tag": "12.5-slim", "digest": "\(digest)", "findings": 0, "sizeDifference": -10}]},
       "from": "debian:12.1-slim", "to": "12.5-slim@\(digest)",
       "closes": [{"id": "CVE-2023-1", "package": "zlib1g", "version": "1:1.2.13.dfsg-1",
                   "severity": "high", "risk": 5}], "riskClosed": 5},
      {"kind": "package-upgrade", "package": {"name": "requests", "ecosystem": "pypi",
        "purl": "pkg:pypi/requests@2.19.0"}, "from": "2.19.0", "to": "2.31.0",
       "closes": [{"id": "CVE-2023-32681", "package": "requests", "version": "2.19.0",
                   "severity": "medium", "risk": 3}], "riskClosed": 3},
      {"kind": "package-upgrade", "package": {"name": "urllib3", "ecosystem": "pypi",
        "purl": "pkg:pypi/urllib3@1.24.1"}, "from": "1.24.1", "to": "1.26.18",
       "closes": [], "riskClosed": 1},
      {"kind": "package-upgrade", "package": {"name": "Flask_Cors", "ecosystem": "pypi",
        "purl": "pkg:pypi/flask-cors@3.0.0"}, "from": "3.0.0", "to": "4.0.1",
       "closes": [], "riskClosed": 1},
      {"kind": "package-upgrade", "package": {"name": "lodash", "ecosystem": "npm",
        "purl": "pkg:npm/lodash@4.17.15"}, "from": "4.17.15", "to": "4.17.21",
       "closes": [], "riskClosed": 2},
      {"kind": "package-upgrade", "package": {"name": "minimist", "ecosystem": "npm",
        "purl": "pkg:npm/minimist@1.2.0"}, "from": "1.2.0", "to": "1.2.6",
       "closes": [], "riskClosed": 1},
      {"kind": "package-upgrade", "package": {"name": "@scope/pkg", "ecosystem": "npm",
        "purl": "pkg:npm/%40scope/pkg@1.0.0"}, "from": "1.0.0", "to": "1.0.3",
       "closes": [], "riskClosed": 1}
     ],
     "unactionable": [], "notes": []}
    """

  static func plan() throws -> FixPlan {
    try JSONDecoder().decode(FixPlan.self, from: Data(planJSON.utf8))
  }

  static func edit(_ text: String, _ kind: ManifestKind) throws -> FileEdit {
    try FixApply.edit(Array(text.utf8), kind: kind, path: "x", plan: plan())
  }

  /// Everything but the replaced versions is byte-identical: removing `old` from the original
  /// and `new` from the edited text at the same places gives the same bytes.
  static func onlyVersionsChanged(_ e: FileEdit, _ pairs: [(String, String)]) {
    var a = String(decoding: e.original, as: UTF8.self)
    var b = String(decoding: e.edited, as: UTF8.self)
    for (old, new) in pairs {
      a = a.replacingOccurrences(of: old, with: "\u{1}")
      b = b.replacingOccurrences(of: new, with: "\u{1}")
    }
    #expect(a == b)
  }

  @Test func dockerfileFromLineGetsTagAndDigest() throws {
    let text =
      "# syntax=docker/dockerfile:1\r\nFROM --platform=$BUILDPLATFORM debian:12.1-slim AS build\r\n"
      + "RUN echo FROM debian:12.1-slim\r\nfrom docker.io/library/debian:12.1-slim\r\n"
      + "FROM debian:11-slim\r\nFROM ${BASE}\r\nFROM build\r\n"
    let e = try Self.edit(text, .dockerfile)
    let out = String(decoding: e.edited, as: UTF8.self)
    #expect(
      out
        == "# syntax=docker/dockerfile:1\r\nFROM --platform=$BUILDPLATFORM debian:12.5-slim@\(Self.digest) AS build\r\n"
        + "RUN echo FROM debian:12.1-slim\r\nfrom docker.io/library/debian:12.5-slim@\(Self.digest)\r\n"
        + "FROM debian:11-slim\r\nFROM ${BASE}\r\nFROM build\r\n")
    #expect(e.changes.count == 2)
    #expect(e.notes.count == 1 && e.notes[0].contains("line 5"))
  }

  @Test func dockerfileAlreadyPinnedDigestIsReplaced() throws {
    let old = "sha256:" + String(repeating: "cd", count: 32)
    let e = try Self.edit("FROM debian:12.1-slim@\(old)\n", .dockerfile)
    #expect(String(decoding: e.edited, as: UTF8.self) == "FROM debian:12.5-slim@\(Self.digest)\n")
  }

  @Test func requirementsExactPinsOnly() throws {
    let text =
      "# pinned\r\nrequests==2.19.0  # security\r\nurllib3 >= 1.24 , <2\r\n"
      + "flask-cors[extra] == 3.0.0 ; python_version >= \"3.8\"\r\nDjango==3.2\r\n"
      + "-r other.txt\r\nurllib3==1.24.1 \\\r\n    --hash=sha256:abc\r\n"
      + "requests===2.19.0\r\nrequests==2.32.0\r\n"
    let e = try Self.edit(text, .requirements)
    let out = String(decoding: e.edited, as: UTF8.self)
    #expect(
      out == "# pinned\r\nrequests==2.31.0  # security\r\nurllib3 >= 1.24 , <2\r\n"
        + "flask-cors[extra] == 4.0.1 ; python_version >= \"3.8\"\r\nDjango==3.2\r\n"
        + "-r other.txt\r\nurllib3==1.24.1 \\\r\n    --hash=sha256:abc\r\n"
        + "requests===2.19.0\r\nrequests==2.32.0\r\n")
    #expect(e.changes.count == 2)
    // The range, the hash-pinned line, `===` and the newer pin each carry a note.
    #expect(e.notes.count == 4)
    #expect(e.notes.contains { $0.contains("line 3") && $0.contains("exact pin") })
    #expect(e.notes.contains { $0.contains("line 7") && $0.contains("hash") })
    #expect(e.notes.contains { $0.contains("line 10") && $0.contains("already") })
    Self.onlyVersionsChanged(e, [("2.19.0  #", "2.31.0  #"), ("3.0.0 ;", "4.0.1 ;")])
  }

  @Test func packageJSONExactVersionsOnlyWithLayoutKept() throws {
    let text = """
      {\r
        "name": "app", "version": "1.2.0",\r
        "scripts": {"lodash": "4.17.15"},\r
        "dependencies": {\r
          "lodash":"4.17.15", "minimist" : "^1.2.0",\r
          "@scope/pkg": "=v1.0.0"\r
        },\r
        "devDependencies": { "minimist": "1.2.0", "other": {"x": [1, "2"]} },\r
        "optionalDependencies": {}, "peerDependencies": {"lodash": "4.17.15"}\r
      }\r

      """
    let e = try Self.edit(text, .packageJSON)
    let out = String(decoding: e.edited, as: UTF8.self)
    let expected =
      text
      .replacingOccurrences(of: "\"lodash\":\"4.17.15\"", with: "\"lodash\":\"4.17.21\"")
      .replacingOccurrences(of: "\"=v1.0.0\"", with: "\"=v1.0.3\"")
      .replacingOccurrences(of: "\"minimist\": \"1.2.0\"", with: "\"minimist\": \"1.2.6\"")
    #expect(out == expected)
    #expect(e.changes.count == 3)
    #expect(e.notes.count == 1 && e.notes[0].contains("^1.2.0"))
    #expect((try? JSONSerialization.jsonObject(with: Data(e.edited))) != nil)
  }

  @Test func nothingToChangeKeepsBytes() throws {
    let e = try Self.edit("flask==2.0\n", .requirements)
    #expect(!e.changed && e.original == e.edited)
    #expect(FixApply.unifiedDiff(e).isEmpty)
  }

  @Test func binaryAndMalformedInputsAreRefused() throws {
    for (bytes, kind) in [
      ([UInt8]("FROM debian:12.1-slim\n".utf8) + [0, 1, 2], ManifestKind.dockerfile),
      ([0xFF, 0xFE, 0x41], .requirements),
      (Array("{\"dependencies\": {\"lodash\": \"4.17.15\"".utf8), .packageJSON),
      (Array("[1, 2]".utf8), .packageJSON),
    ] {
      #expect(throws: RemediationError.self) {
        try FixApply.edit(bytes, kind: kind, path: "f", plan: try Self.plan())
      }
    }
  }

  @Test func manifestKindsByName() {
    #expect(ManifestKind.of(fileNamed: "Dockerfile") == .dockerfile)
    #expect(ManifestKind.of(fileNamed: "api.Dockerfile") == .dockerfile)
    #expect(ManifestKind.of(fileNamed: "Containerfile") == .dockerfile)
    #expect(ManifestKind.of(fileNamed: "requirements-dev.txt") == .requirements)
    #expect(ManifestKind.of(fileNamed: "package.json") == .packageJSON)
    #expect(ManifestKind.of(fileNamed: "package-lock.json") == nil)
    #expect(ManifestKind.of(fileNamed: "setup.py") == nil)
  }

  // MARK: Files

  @Test func malformedPlansAreRefused() throws {
    let dir = try TemporaryDirectory()
    for (i, text) in ["not json", "{\"schemaVersion\": 1}", "{\"actions\": 3}", ""].enumerated() {
      let path = dir.file("plan\(i).json")
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      #expect(throws: RemediationError.self) { try FixApplyFiles.loadPlan(path: path) }
    }
    let future = Self.planJSON.replacingOccurrences(
      of: "\"schemaVersion\": 1", with: "\"schemaVersion\": 99")
    try Data(future.utf8).write(to: URL(fileURLWithPath: dir.file("future.json")))
    let error = #expect(throws: RemediationError.self) {
      try FixApplyFiles.loadPlan(path: dir.file("future.json"))
    }
    #expect(error?.message.contains("schema version 99") == true)
    #expect(throws: RemediationError.self) { try FixApplyFiles.loadPlan(path: "/dev/zero") }
  }

  @Test func symlinkOutsideIsRefusedAndNothingIsWritten() throws {
    let dir = try TemporaryDirectory()
    let outside = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: dir.file("app"), withIntermediateDirectories: true)
    let secret = outside.file("requirements.txt")
    try Data("requests==2.19.0\n".utf8).write(to: URL(fileURLWithPath: secret))
    try Data("requests==2.19.0\n".utf8).write(
      to: URL(fileURLWithPath: dir.file("app/requirements.txt")))
    try FileManager.default.createSymbolicLink(
      atPath: dir.file("app/requirements-prod.txt"), withDestinationPath: secret)
    let error = #expect(throws: RemediationError.self) {
      _ = try FixApplyFiles.prepare([dir.file("app")], plan: try Self.plan())
    }
    #expect(error?.message.contains("symlink") == true)
    #expect(try String(contentsOfFile: secret, encoding: .utf8) == "requests==2.19.0\n")
    // A symlink to a file in the same directory is followed, and the link stays a link.
    try FileManager.default.removeItem(atPath: dir.file("app/requirements-prod.txt"))
    try FileManager.default.createSymbolicLink(
      atPath: dir.file("app/requirements-prod.txt"), withDestinationPath: "requirements.txt")
    let edits = try FixApplyFiles.prepare(
      [dir.file("app/requirements-prod.txt")], plan: try Self.plan())
    try FixApplyFiles.write(edits)
    #expect(
      try String(contentsOfFile: dir.file("app/requirements.txt"), encoding: .utf8)
        == "requests==2.31.0\n")
    #expect(
      try FileManager.default.destinationOfSymbolicLink(
        atPath: dir.file("app/requirements-prod.txt"))
        == "requirements.txt")
  }

  @Test func hugeFilesAreRefused() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("requirements.txt")
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(FixApplyFiles.fileLimit) + 1)
    try handle.close()
    let error = #expect(throws: RemediationError.self) {
      _ = try FixApplyFiles.prepare([path], plan: try Self.plan())
    }
    #expect(error?.message.contains("limit") == true)
  }

  /// The CLI end to end: `--dry-run` writes nothing and its diff, applied by `patch`, gives
  /// exactly what `fix apply` then writes; a bad plan exits 2 with a message.
  @Test(
    .enabled(if: Oracles.gate(TailguardCLI.binary != nil && ProcessRunner.which("patch") != nil)))
  func cliDryRunDiffMatchesTheWrite() throws {
    let dir = try TemporaryDirectory()
    let plan = dir.file("plan.json")
    try Data(Self.planJSON.utf8).write(to: URL(fileURLWithPath: plan))
    let app = dir.file("app")
    try FileManager.default.createDirectory(atPath: app, withIntermediateDirectories: true)
    let files = [
      "Dockerfile": "FROM debian:12.1-slim\r\nRUN true\r\n",
      "requirements.txt": "a==1\nb==1\nc==1\nd==1\nrequests==2.19.0\ne==1\nf==1\ng==1\nh==1\n",
      "package.json": "{\n  \"dependencies\": {\"lodash\": \"4.17.15\"}\n}\n",
      "requirements-dev.txt": "# no final newline\nrequests==2.19.0",
      "README.md": "FROM debian:12.1-slim\n",
    ]
    for (name, text) in files {
      try Data(text.utf8).write(to: URL(fileURLWithPath: app + "/" + name))
    }
    let dry = try TailguardCLI.run(["fix", "apply", "--plan", plan, "--dry-run", app])
    #expect(dry.status == 0, "\(dry.stderr)")
    for (name, text) in files {
      #expect(try String(contentsOfFile: app + "/" + name, encoding: .utf8) == text)
    }
    #expect(dry.stdout.contains("+requests==2.31.0"))
    // `patch` (the oracle) applies the diff to a copy.
    let copy = dir.file("copy")
    try FileManager.default.copyItem(atPath: app, toPath: copy)
    try Data(dry.stdout.replacingOccurrences(of: app + "/", with: "").utf8).write(
      to: URL(fileURLWithPath: dir.file("d.diff")))
    let patched = try ProcessRunner.run(
      ProcessRunner.which("patch")!, ["-p1", "-i", dir.file("d.diff")], directory: copy,
      timeout: 30)
    #expect(patched.status == 0, "\(patched.output)")
    let real = try TailguardCLI.run(["fix", "apply", "--plan", plan, app])
    #expect(real.status == 0, "\(real.stderr)")
    #expect(real.stderr.contains("changed"))
    for name in files.keys {
      #expect(
        FileManager.default.contents(atPath: app + "/" + name)
          == FileManager.default.contents(atPath: copy + "/" + name), "\(name)")
    }
    #expect(
      try String(contentsOfFile: app + "/Dockerfile", encoding: .utf8)
        == "FROM debian:12.5-slim@\(Self.digest)\r\nRUN true\r\n")
    // Malformed plan: exit 2, a message, nothing written.
    try Data("{\"actions\": [".utf8).write(to: URL(fileURLWithPath: plan))
    let bad = try TailguardCLI.run(["fix", "apply", "--plan", plan, app])
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("not a fix plan"))
  }
}
