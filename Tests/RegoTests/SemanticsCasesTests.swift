import Foundation
import Rego
import TailguardTesting
import Testing

/// OPA-format YAML cases (Fixtures/cases/*.yaml): undefined vs false, conflicts,
/// `with`, `every`, `else`, comprehensions, imports, base/virtual data.
@Suite struct SemanticsCasesTests {
  static let file = OracleSupport.fixtures + "/cases/semantics.yaml"

  struct Case {
    var note: String
    var query: String
    var modules: [String]
    var data: Value?
    var input: Value?
    var want: [Value]?
    var wantError: String?
    var sortBindings: Bool
  }

  static func load() throws -> [Case] {
    let text = try String(contentsOfFile: file, encoding: .utf8)
    guard case .object(let doc) = try YAMLCodec.decode(text), case .array(let cases)? = doc["cases"]
    else {
      return []
    }
    return cases.compactMap { c in
      guard case .object(let o) = c else { return nil }
      return Case(
        note: o["note"]?.stringValue ?? "?", query: o["query"]?.stringValue ?? "",
        modules: o["modules"]?.arrayValue?.compactMap(\.stringValue) ?? [], data: o["data"],
        input: o["input"], want: o["want_result"]?.arrayValue,
        wantError: o["want_error"]?.stringValue, sortBindings: o["sort_bindings"] == .bool(true))
    }
  }

  static func normalize(_ v: Value, sort: Bool) -> Value {
    switch v {
    case .set(let s): return .array(s.sorted().map { normalize($0, sort: sort) })
    case .array(let a):
      let n = a.map { normalize($0, sort: sort) }
      return .array(sort ? n.sorted() : n)
    case .object(let o):
      var r: [Value: Value] = [:]
      for (k, x) in o { r[k] = normalize(x, sort: sort) }
      return .object(r)
    default: return v
    }
  }

  @Test func casesPass() throws {
    let cases = try Self.load()
    #expect(cases.count >= 30)
    var failures: [String] = []
    for c in cases {
      var engine = Engine()
      do {
        for (i, m) in c.modules.enumerated() { try engine.addModule(m, file: "test-\(i).rego") }
        if let d = c.data { try engine.addData(d) }
        let r = try Engine.evaluate(query: c.query, program: try engine.compile(), input: c.input)
        if let e = c.wantError {
          failures.append("\(c.note): expected error '\(e)', got \(r.rows.count) rows")
          continue
        }
        let got = r.rows.map { row in
          JSONCodec.encode(
            Self.normalize(
              .object(
                Dictionary(
                  uniqueKeysWithValues: row.bindings.map { (Value.string($0.key), $0.value) })),
              sort: c.sortBindings))
        }
        let want = (c.want ?? []).map { JSONCodec.encode(Self.normalize($0, sort: c.sortBindings)) }
        if got != want { failures.append("\(c.note): got \(got) want \(want)") }
      } catch let e as RegoError {
        if let w = c.wantError, e.message.contains(w) { continue }
        failures.append("\(c.note): error \(e)")
      }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  /// The expectations themselves are checked against regorus (differential oracle).
  @Test(
    .enabled(
      if: Oracles.gate(OracleSupport.regorusEnabled),
      "python3 with regorus (PyPI gordon-to-regorus) not installed"))
  func expectationsAgreeWithRegorus() throws {
    try OracleSupport.requireRegorus()
    let r = try OracleSupport.python(
      [SharedDataPaths.policy("oracle/run_opa_yaml_cases.py"), Self.file])
    let lines = r.stdout.split(separator: "\n")
    let failed = lines.filter { !$0.hasPrefix("PASS") && !$0.hasPrefix("regorus:") }.map(
      String.init)
    #expect(failed.isEmpty, "regorus disagrees: \(failed)")
    #expect(lines.filter { $0.hasPrefix("PASS") }.count >= 31)
  }
}
