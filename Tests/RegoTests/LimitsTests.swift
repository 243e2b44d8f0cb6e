import Foundation
import Rego
import Testing

/// Hostile policies and inputs stop with a clear error instead of running away.
@Suite struct LimitsTests {
  func eval(_ module: String, _ query: String, input: Value? = nil, limits: Limits = Limits())
    throws -> QueryResult
  {
    let options = Engine.Options(limits: limits)
    var e = Engine(options: options)
    try e.addModule(module, file: "h.rego")
    return try Engine.evaluate(
      query: query, program: try e.compile(), input: input, options: options)
  }

  @Test func recursionDepthIsBounded() throws {
    let m = "package h\nf(n) := x if { n > 0; x := f(n - 1) + 1 } else := 0\n"
    let e = #expect(throws: RegoError.self) { try eval(m, "x := data.h.f(100000)") }
    #expect(e?.code == .limitExceeded)
    let ok = try eval(m, "x := data.h.f(50)")
    #expect(ok.rows.first?.bindings["x"] == .int(50))
  }

  @Test func stepBudgetStopsCombinatorialBlowUp() throws {
    let m =
      "package h\np contains [a, b, c, d] if { r := numbers.range(1, 200); some a in r; some b in r; some c in r; some d in r }\n"
    let e = #expect(throws: RegoError.self) {
      try eval(m, "x := count(data.h.p)", limits: Limits(maxSteps: 200_000))
    }
    #expect(e?.code == .limitExceeded)
    #expect(e?.message.contains("steps") == true)
  }

  @Test func timeBudget() throws {
    let m =
      "package h\np contains [a, b, c] if { r := numbers.range(1, 1000); some a in r; some b in r; some c in r }\n"
    let start = Date()
    let e = #expect(throws: RegoError.self) {
      try eval(m, "x := count(data.h.p)", limits: Limits(timeoutNanoseconds: 300_000_000))
    }
    #expect(e?.code == .limitExceeded)
    #expect(Date().timeIntervalSince(start) < 10)
  }

  @Test func hugeCollectionsAreRefused() throws {
    let e = #expect(throws: RegoError.self) {
      try eval(
        "package h\n", "x := numbers.range(1, 100000000)",
        limits: Limits(maxCollectionSize: 1_000_000))
    }
    #expect(e?.code == .limitExceeded)
  }

  @Test func deeplyNestedInputIsRefused() {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: RegoError.self) { _ = try JSONCodec.decode(deep) }
  }

  @Test func catastrophicRegexInPolicyIsFast() throws {
    let m = "package h\nbad if regex.match(\"(a+)+$\", input.s)\n"
    let start = Date()
    let r = try eval(
      m, "x := object.get(data.h, \"bad\", false)",
      input: .object(["s": .string(String(repeating: "a", count: 30_000) + "!")]))
    #expect(r.rows.first?.bindings["x"] == .bool(false))
    #expect(Date().timeIntervalSince(start) < 20)
  }

  /// The builtins added for issue 14 stay bounded on hostile operands.
  @Test func newBuiltinsAreBounded() throws {
    let small = Limits(maxSteps: 100_000, maxCollectionSize: 10_000)
    let cases = [
      // 2^32 addresses
      #"x := net.cidr_expand("0.0.0.0/0")"#,
      // a complete graph: the number of simple paths explodes
      #"x := graph.reachable_paths({n: [m | some m in numbers.range(1, 12)] | some n in numbers.range(1, 12)}, [1])"#,
      // many patch operations over a large document
      #"x := json.patch({sprintf("k%d", [i]): i | some i in numbers.range(1, 5000)}, [{"op": "add", "path": "/x", "value": i} | some i in numbers.range(1, 5000)])"#,
    ]
    for q in cases {
      let e = #expect(throws: RegoError.self, "\(q)") { try eval("package h\n", q, limits: small) }
      #expect(e?.code == .limitExceeded, "\(q): \(String(describing: e))")
    }
    // shifts and exponents beyond a double's range are errors (OPA has big
    // integers), never huge allocations
    for q in [
      #"x := bits.lsh(1, 100000000)"#, #"x := units.parse_bytes("1e9999999")"#,
      #"x := units.parse_bytes("1e400")"#,
    ] {
      let r = try eval("package h\n", q, limits: small)
      #expect(r.rows.isEmpty && !r.builtinErrors.isEmpty, "\(q)")
    }
    let big = try eval("package h\n", #"x := units.parse_bytes("1e200")"#, limits: small)
    #expect(big.rows.first?.bindings["x"] == .double(1e200))
    // nested JWTs stop at a fixed depth
    var token = "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ."
    for _ in 0..<34 {
      let h = Data(#"{"alg":"none","cty":"JWT"}"#.utf8).base64EncodedString()
      let p = Data(JSONCodec.encode(.string(token)).utf8).base64EncodedString()
      token = h + "." + p + "."
    }
    let jwt = try eval(
      "package h\n", "x := io.jwt.decode(input.t)", input: .object(["t": .string(token)]),
      limits: small)
    #expect(jwt.rows.isEmpty)
  }
}
