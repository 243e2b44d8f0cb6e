import Foundation
import TailguardTesting
import Testing

@testable import Scoring

/// Whether python3 with the PyPI `cvss` package (the oracle) is installed.
enum PythonCVSS {
  static let available: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import cvss"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
  }()
}

/// Every CVSS vector in the staged OSV advisories (rustsec v3.1 and v4.0, PyPI v3.x), scored by
/// tailguard and by the PyPI `cvss` package in one batch; 0 disagreements allowed. Skipped only
/// when python3 or `cvss` is absent.
@Suite(
  .enabled(
    if: Oracles.gate(SharedData.isAvailable && PythonCVSS.available),
    "needs ../shared/data and python3 with the cvss package"))
struct CVSSDifferentialTests {
  static func osvVectors() -> [String] {
    var result = Set<String>()
    for dir in ["advisories/rustsec-osv", "advisories/pypa-osv-json", "advisories/osv-schema"] {
      let root = SharedData.path(dir)
      guard let e = FileManager.default.enumerator(atPath: root) else { continue }
      while let p = e.nextObject() as? String {
        guard p.hasSuffix(".json"), let data = FileManager.default.contents(atPath: root + "/" + p),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { continue }
        for s in json["severity"] as? [[String: Any]] ?? [] {
          if let score = s["score"] as? String { result.insert(score) }
        }
      }
    }
    return result.sorted()
  }

  @Test func osvSeverityVectorsAgreeWithPythonCVSS() throws {
    let vectors = Self.osvVectors()
    #expect(vectors.count > 100)
    #expect(vectors.contains { $0.hasPrefix("CVSS:4.0/") })
    let script = #"""
      import sys
      from cvss import CVSS2, CVSS3, CVSS4
      for line in sys.stdin:
          v = line.strip()
          try:
              if v.startswith("CVSS:4.0/"): print(CVSS4(v).base_score)
              elif v.startswith("CVSS:3."): print(CVSS3(v).scores()[0])
              else: print(CVSS2(v).scores()[0])
          except Exception:
              print("ERR")
      """#
    let input = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tailguard-cvss-\(UUID().uuidString)")
    try Data(vectors.joined(separator: "\n").utf8 + [10]).write(to: input)
    defer { try? FileManager.default.removeItem(at: input) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    p.standardInput = try FileHandle(forReadingFrom: input)
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let expected = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    #expect(expected.count == vectors.count)
    var disagreements: [String] = []
    for (vector, oracle) in zip(vectors, expected) {
      let mine: String
      do { mine = String(try CVSSVector(parsing: vector).baseScore) } catch { mine = "ERR" }
      if mine != oracle { disagreements.append("\(vector): cvss \(oracle), tailguard \(mine)") }
    }
    #expect(
      disagreements.isEmpty, "\(disagreements.count)/\(vectors.count): \(disagreements.prefix(10))")
    print("cvss differential: \(vectors.count) OSV vectors, \(disagreements.count) disagreements")
  }
}
