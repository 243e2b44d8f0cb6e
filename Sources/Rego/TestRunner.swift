import Foundation

/// Result of one `test_*` rule, shaped like an entry of `opa test --format json`.
public struct TestResult: Sendable {
  public var package: String
  public var name: String
  public var location: SourceLocation
  public var passed: Bool
  /// Set when evaluation failed with an error (instead of being false/undefined).
  public var error: RegoError?
  public var durationNanoseconds: UInt64
  public var output: [String]

  public var json: Value {
    var o: [Value: Value] = [
      "location": .object([
        "file": .string(location.file), "row": .int(location.row), "col": .int(location.col),
      ]),
      "package": .string(package), "name": .string(name),
      "duration": .int(Int(durationNanoseconds)),
    ]
    if !passed { o["fail"] = .bool(true) }
    if let error {
      o["error"] = .object([
        "code": .string(error.code.rawValue), "message": .string(error.message),
      ])
    }
    if !output.isEmpty { o["output"] = .string(output.joined(separator: "\n") + "\n") }
    return .object(o)
  }
}

/// `opa test`: finds rules whose name starts with `test_` and evaluates each one;
/// a test passes when its value is `true`.
public enum TestRunner {
  public static func run(
    program: Program, options: Engine.Options, filter: RE2Regex? = nil
  ) throws -> [TestResult] {
    var seen = Set<[String]>()
    var tests: [([String], Rule)] = []
    for m in program.modules {
      for r in m.rules where r.path.count == 1 && r.path[0].hasPrefix("test_") {
        if case .function = r.kind { continue }
        let full = m.package + r.path
        if seen.contains(full) { continue }
        seen.insert(full)
        let qualified = "data." + full.joined(separator: ".")
        if let filter, !filter.matches(qualified) { continue }
        tests.append((full, r))
      }
    }
    var out: [TestResult] = []
    for (full, rule) in tests {
      let pkgName = "data." + full.dropLast().joined(separator: ".")
      let start = DispatchTime.now().uptimeNanoseconds
      var passed = false
      var error: RegoError? = nil
      var output: [String] = []
      do {
        let body = [
          Literal(
            kind: .expr(.ref(.variable("data"), full.map { .scalar(.string($0)) })), negated: false,
            withs: [], location: rule.location)
        ]
        let r = try Engine.evaluate(
          body: body, text: "data." + full.joined(separator: "."), program: program, input: nil,
          options: options)
        output = r.output
        passed = r.rows.count == 1 && r.rows[0].expressions.first?.value == .bool(true)
      } catch let e as RegoError {
        error = e
      }
      out.append(
        TestResult(
          package: pkgName, name: full.last ?? "", location: rule.location, passed: passed,
          error: error, durationNanoseconds: DispatchTime.now().uptimeNanoseconds - start,
          output: output))
    }
    return out
  }
}
