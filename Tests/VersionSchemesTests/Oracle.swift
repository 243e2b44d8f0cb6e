import Foundation

/// Runs a real implementation (dpkg, python3-rpm, packaging, node-semver, Maven) once over a
/// batch of version pairs and returns one result per pair: "-1", "0", "1" or "ERR".
enum Oracle {
  /// Runs `executable args…` with `input` on stdin and returns stdout lines.
  static func run(_ executable: String, _ arguments: [String], input: String = "") throws
    -> [String]
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tailguard-oracle-\(UUID().uuidString).txt")
    try Data(input.utf8).write(to: inputFile)
    defer { try? FileManager.default.removeItem(at: inputFile) }
    process.standardInput = try FileHandle(forReadingFrom: inputFile)
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(
      separator: "\n", omittingEmptySubsequences: false
    )
    .dropLast().map(String.init)
  }

  /// Whether the command (resolved on PATH) exits 0.
  static func succeeds(_ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }

  static func tsv(_ pairs: [(String, String)]) -> String {
    pairs.map { "\($0.0)\t\($0.1)\n" }.joined()
  }

  // MARK: dpkg

  static let dpkgAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg")

  /// `dpkg --compare-versions` per pair from one `sh` loop per worker (dpkg has no batch mode;
  /// two workers keep it to a few seconds for a couple of thousand pairs).
  static func dpkg(_ pairs: [(String, String)]) throws -> [String] {
    let script = #"""
      while IFS="$(printf '\t')" read -r a b; do
        dpkg --compare-versions "$a" lt "$b" 2>/dev/null; r=$?
        if [ $r -eq 0 ]; then echo -1
        elif [ $r -ne 1 ]; then echo ERR
        elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0
        else echo 1; fi
      done
      """#
    let half = pairs.count / 2
    let chunks = [Array(pairs[..<half]), Array(pairs[half...])]
    let results = ResultBox(count: chunks.count)
    DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
      results.set(i, Result { try run("/bin/sh", ["-c", script], input: tsv(chunks[i])) })
    }
    return try results.values.flatMap { try $0.get() }
  }

  final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<[String], Error>]
    init(count: Int) { storage = Array(repeating: .success([]), count: count) }
    func set(_ i: Int, _ value: Result<[String], Error>) {
      lock.lock()
      storage[i] = value
      lock.unlock()
    }
    var values: [Result<[String], Error>] {
      lock.lock()
      defer { lock.unlock() }
      return storage
    }
  }

  // MARK: rpm (Debian's python3 with the rpm bindings)

  static let rpmAvailable =
    FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    && succeeds(["/usr/bin/python3", "-c", "import rpm"])

  /// `rpm.labelCompare` with the label split the way rpm's `parseEVR` splits it.
  static func rpm(_ pairs: [(String, String)]) throws -> [String] {
    let script = #"""
      import sys, rpm
      def evr(s):
          i = 0
          while i < len(s) and s[i].isdigit() and s[i].isascii(): i += 1
          e = None
          if i < len(s) and s[i] == ":":
              e = s[:i] or "0"; s = s[i+1:]
          r = None
          if "-" in s:
              s, r = s.rsplit("-", 1)
          return (e, s, r)
      out = []
      for line in sys.stdin:
          a, b = line.rstrip("\n").split("\t")
          try:
              out.append(str(rpm.labelCompare(evr(a), evr(b))))
          except Exception as e:
              out.append("EXC " + repr(e))
      print("\n".join(out))
      """#
    return try run("/usr/bin/python3", ["-c", script], input: tsv(pairs))
  }

  // MARK: PEP 440 (python packaging)

  static let packagingAvailable = succeeds(["python3", "-c", "import packaging.version"])

  static func pep440(_ pairs: [(String, String)]) throws -> [String] {
    let script = #"""
      import sys
      from packaging.version import Version, InvalidVersion
      out = []
      for line in sys.stdin:
          a, b = line.rstrip("\n").split("\t")
          try:
              x, y = Version(a), Version(b)
              out.append(str((x > y) - (x < y)))
          except InvalidVersion:
              out.append("ERR")
      print("\n".join(out))
      """#
    return try run("/usr/bin/env", ["python3", "-c", script], input: tsv(pairs))
  }

  // MARK: node-semver (bundled with npm)

  static let nodeSemverPath: String? = {
    if let dir = ProcessInfo.processInfo.environment["NPM_SEMVER"], !dir.isEmpty { return dir }
    guard let root = try? run("/usr/bin/env", ["npm", "root", "-g"]).first else { return nil }
    let path = root + "/npm/node_modules/semver"
    return FileManager.default.fileExists(atPath: path + "/package.json") ? path : nil
  }()

  static func nodeSemver(_ pairs: [(String, String)], loose: Bool) throws -> [String] {
    guard let path = nodeSemverPath else { return [] }
    let script = #"""
      const semver = require(process.argv[1]);
      const loose = process.argv[2] === "loose";
      const lines = require("fs").readFileSync(0, "utf8").split("\n");
      const out = [];
      for (const line of lines) {
        if (line === "") continue;
        const [a, b] = line.split("\t");
        try { out.push(String(semver.compare(a, b, { loose }))); } catch (e) { out.push("ERR"); }
      }
      console.log(out.join("\n"));
      """#
    return try run(
      "/usr/bin/env", ["node", "-e", script, path, loose ? "loose" : "strict"], input: tsv(pairs))
  }

  // MARK: Go (golang.org/x/mod/semver, as vendored in the Go toolchain's source tree)

  /// The `semver.go` the Go toolchain itself uses (`$GOROOT/src/cmd/vendor/golang.org/x/mod/semver`).
  static let goSemverSource: String? = {
    guard let root = try? run("/usr/bin/env", ["go", "env", "GOROOT"]).first, !root.isEmpty else {
      return nil
    }
    let path = root + "/src/cmd/vendor/golang.org/x/mod/semver/semver.go"
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }()

  /// Builds a tiny Go program around that package in a temporary module (no network) and runs
  /// it once: `semver.Compare` per pair, `ERR` when either side is not valid. A missing `v` is
  /// added first (OSV writes Go versions without it).
  static func goSemver(_ pairs: [(String, String)]) throws -> [String] {
    guard let source = goSemverSource else { return [] }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tailguard-gosemver-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let pkg = dir.appendingPathComponent("semver")
    try FileManager.default.createDirectory(at: pkg, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: source, toPath: pkg.appendingPathComponent("semver.go").path)
    try Data("module oracle\n\ngo 1.17\n".utf8).write(to: dir.appendingPathComponent("go.mod"))
    let main = #"""
      package main

      import (
      	"bufio"
      	"fmt"
      	"os"
      	"strings"

      	"oracle/semver"
      )

      func v(s string) string {
      	if strings.HasPrefix(s, "v") {
      		return s
      	}
      	return "v" + s
      }

      func main() {
      	in := bufio.NewScanner(os.Stdin)
      	out := bufio.NewWriter(os.Stdout)
      	defer out.Flush()
      	for in.Scan() {
      		f := strings.Split(in.Text(), "\t")
      		a, b := v(f[0]), v(f[1])
      		if !semver.IsValid(a) || !semver.IsValid(b) {
      			fmt.Fprintln(out, "ERR")
      			continue
      		}
      		fmt.Fprintln(out, semver.Compare(a, b))
      	}
      }
      """#
    try Data(main.utf8).write(to: dir.appendingPathComponent("main.go"))
    let binary = dir.appendingPathComponent("oracle").path
    let cache = dir.appendingPathComponent("cache").path
    _ = try run(
      "/usr/bin/env",
      [
        "GOCACHE=" + cache, "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "sh", "-c",
        "cd '\(dir.path)' && go build -o '\(binary)' . 2>&1",
      ])
    guard FileManager.default.isExecutableFile(atPath: binary) else { return [] }
    return try run(binary, [], input: tsv(pairs))
  }

  // MARK: univers (a partial apk oracle: apk-tools itself is not packaged for Debian)

  static let universAvailable = succeeds(["python3", "-c", "import univers.versions"])

  static func universAlpine(_ pairs: [(String, String)]) throws -> [String] {
    let script = #"""
      import sys
      from univers.versions import AlpineLinuxVersion as V
      out = []
      for line in sys.stdin:
          a, b = line.rstrip("\n").split("\t")
          try:
              x, y = V(a), V(b)
              out.append(str((x > y) - (x < y)))
          except Exception:
              out.append("ERR")
      print("\n".join(out))
      """#
    return try run("/usr/bin/env", ["python3", "-c", script], input: tsv(pairs))
  }

  // MARK: Maven ComparableVersion

  static let mavenJar = "/usr/share/java/maven3-artifact.jar"
  static let mavenAvailable =
    FileManager.default.fileExists(atPath: mavenJar) && succeeds(["java", "-version"])

  /// `ComparableVersion`'s `main` compares each argument with the previous one; pairs are passed
  /// as consecutive arguments and every other comparison line is kept.
  static func maven(_ pairs: [(String, String)]) throws -> [String] {
    var results: [String] = []
    let batch = 2000
    var start = 0
    while start < pairs.count {
      let chunk = pairs[start..<min(start + batch, pairs.count)]
      let args = chunk.flatMap { [$0.0, $0.1] }
      let lines = try run(
        "/usr/bin/env",
        ["java", "-cp", mavenJar, "org.apache.maven.artifact.versioning.ComparableVersion"] + args)
      let comparisons = lines.filter { $0.hasPrefix("   ") }
      for (k, line) in comparisons.enumerated() where k % 2 == 0 {
        let fields = line.split(separator: " ")
        let op = fields.count == 3 ? String(fields[1]) : "?"
        results.append(op == "<" ? "-1" : (op == "==" ? "0" : (op == ">" ? "1" : "ERR")))
      }
      start += batch
    }
    return results
  }
}
