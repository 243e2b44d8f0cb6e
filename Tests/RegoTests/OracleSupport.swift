import Foundation
import Rego
import TailguardTesting

/// Shared helpers: fixture paths and the regorus oracle (PyPI gordon-to-regorus,
/// driven through python3 like shared/data/policy/oracle/run_rego_tests.py).
enum OracleSupport {
  static let fixtures = SharedData.packageRoot + "/Tests/RegoTests/Fixtures"

  static let regorusAvailable: Bool = {
    (try? python(["-c", "import regorus"]).status) == 0
  }()

  struct Run {
    var status: Int32
    var stdout: String
  }

  static func python(_ args: [String], stdin: String? = nil) throws -> Run {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    let inPipe = Pipe()
    if stdin != nil { p.standardInput = inPipe }
    try p.run()
    if let stdin {
      inPipe.fileHandleForWriting.write(Data(stdin.utf8))
      try inPipe.fileHandleForWriting.close()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Run(status: p.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
  }

  /// `.rego` files under the given directories, sorted.
  static func regoFiles(_ dirs: [String]) -> [String] {
    var out: [String] = []
    for d in dirs {
      guard let en = FileManager.default.enumerator(atPath: d) else { continue }
      while let rel = en.nextObject() as? String {
        if rel.hasSuffix(".rego") { out.append(d + "/" + rel) }
      }
    }
    return out.sorted()
  }

  static func runTests(_ paths: [String], v0: Bool = false, trivy: Bool = false) throws
    -> [TestResult]
  {
    let options = Engine.Options(
      v0Compatible: v0, builtins: trivy ? .withTrivyExtensions() : Builtins())
    var engine = Engine(options: options)
    try engine.load(paths: paths, regoOnly: true)
    return try TestRunner.run(program: try engine.compile(), options: options)
  }

  /// Test name → passed, from the runner's `PASS\tdata.pkg.test` lines.
  static func parseRunnerOutput(_ text: String) -> [String: Bool] {
    var out: [String: Bool] = [:]
    for line in text.split(separator: "\n") {
      let f = line.split(separator: "\t")
      guard f.count >= 2 else { continue }
      out[String(f[1])] = f[0] == "PASS"
    }
    return out
  }
}
