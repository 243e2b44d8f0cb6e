import Foundation
import Rego
import TailguardTesting
import Testing

/// Builtins against regorus (differential oracle): each expression is evaluated as
/// `x := EXPR` by both engines and the values compared.
@Suite struct BuiltinsDifferentialTests {
  static let expressions: [String] = [
    #"sprintf("%v|%s|%d|%q|%.2f|%x|%5d|%v", ["a", "b", 42, "q\"", 3.14159, 255, 7, [1, "x", {"k": true}]])"#,
    #"sprintf("%v %v %v", [null, 1.5, {"b", "a"}])"#,
    #"[trim("  xx  ", " "), trim_left("aabb", "a"), trim_right("aabb", "b"), trim_prefix("abc", "ab"), trim_suffix("abc", "bc"), trim_space("\t x \n")]"#,
    #"[split("a,b,,c", ","), split("abc", ""), replace("aaa", "a", "bb"), strings.replace_n({"a": "1", "b": "2"}, "abcab")]"#,
    #"[lower("ÀBC"), upper("straße"), format_int(255, 16), format_int(-8, 2), indexof("héllo", "l"), substring("héllo", 1, 3), substring("abc", 1, -1)]"#,
    #"[startswith("abc", "ab"), endswith("abc", "bc"), contains("abc", "d"), strings.count("cheese", "e"), concat("-", ["a", "b"]), concat("/", {"b", "a"})]"#,
    #"[count("héllo"), count({"a": 1}), sum([1, 2.5]), product([2, 3]), max([1, 3, 2]), min({4, 2}), sort([3, "a", null, true, [1]]), all([true, true]), any([false])]"#,
    #"[abs(-3), round(2.5), ceil(1.2), floor(-1.2), numbers.range(3, 0), 10 / 4, 7 % 2, to_number("1.5"), to_number(true)]"#,
    #"[array.concat([1], [2]), array.slice([1, 2, 3, 4], 1, 3), array.slice([1, 2], 5, 9), array.reverse([1, 2, 3])]"#,
    #"[intersection({{1, 2}, {2, 3}}), union({{1}, {2}}), {1, 2} | {3}, {1, 2} & {2}, {1, 2} - {1}]"#,
    #"[object.get({"a": {"b": 1}}, ["a", "b"], 0), object.get({"a": 1}, "z", "d"), object.union({"a": {"x": 1}}, {"a": {"y": 2}}), object.union_n([{"a": 1}, {"b": 2}, {"a": 3}])]"#,
    #"[object.remove({"a": 1, "b": 2}, ["a"]), object.filter({"a": 1, "b": 2}, {"b"}), object.keys({"a": 1, "b": 2})]"#,
    #"[is_string("a"), is_number(1), is_boolean(false), is_array([]), is_set(set()), is_object({}), is_null(null), type_name({1})]"#,
    #"[json.marshal({"b": [1, 2.5, "x"], "a": null}), json.unmarshal("{\"a\": [1, true]}"), json.is_valid("{"), yaml.unmarshal("a: 1\nb: [x, y]\n")]"#,
    #"[base64.encode("héllo"), base64.decode("aMOpbGxv"), base64url.encode("??>>"), base64url.decode("Pz8-Pg"), urlquery.encode("a b&c=d/é"), urlquery.decode("a+b%26c")]"#,
    #"[semver.compare("1.2.3", "1.10.0"), semver.compare("1.0.0-alpha", "1.0.0"), semver.compare("1.0.0-alpha.1", "1.0.0-alpha.beta"), semver.is_valid("1.2"), semver.is_valid("1.2.3-rc.1+b5")]"#,
    #"[units.parse_bytes("10KB"), units.parse_bytes("1KiB"), units.parse_bytes("2G"), units.parse("100m"), units.parse("1.5k")]"#,
    #"[net.cidr_contains("10.0.0.0/8", "10.1.2.3"), net.cidr_contains("10.0.0.0/8", "11.0.0.1"), net.cidr_contains("10.0.0.0/8", "10.2.0.0/16"), net.cidr_contains("2001:db8::/32", "2001:db8::1")]"#,
    #"[time.parse_rfc3339_ns("2024-02-29T12:30:45.123456789Z"), time.parse_rfc3339_ns("2020-01-01T00:00:00+02:00"), time.parse_duration_ns("1h30m"), time.parse_duration_ns("1.5s"), time.date(1709209845000000000)]"#,
    #"[time.add_date(1709209845000000000, 0, 1, 1), time.clock(1709209845000000000), time.weekday(1709209845000000000)]"#,
    #"[crypto.sha256("abc"), crypto.md5("abc"), crypto.sha1("abc")]"#,
    #"[glob.match("*.github.com", ["."], "api.github.com"), glob.match("*.github.com", [], "a.b.github.com"), glob.match("{a,b}*", ["."], "bx"), glob.match("[a-c]?", null, "bz"), glob.match("**.com", ["."], "a.b.com")]"#,
    #"[regex.match("^[a-z]+$", "abc"), regex.replace("a1b22", "[0-9]+", "<$0>"), regex.find_n("a.", "axbyaz", 2), regex.is_valid("("), re_match("b", "abc")]"#,
    #"[x | some x in [3, 1, 2]; x > 1]"#,
    #"{k: v | some k, v in {"a": 1, "b": 2}; v > 1}"#,
  ]

  @Test(
    .enabled(if: Oracles.gate(OracleSupport.regorusEnabled), "python3 with regorus not installed"))
  func agreeWithRegorus() throws {
    try OracleSupport.requireRegorus()
    let script = """
      import sys, json, regorus
      out = []
      for q in json.load(sys.stdin):
          e = regorus.Engine()
          try:
              r = e.eval_query('x := ' + q)['result']
              out.append(r[0]['bindings']['x'] if r else 'undefined')
          except Exception as ex:
              out.append('error: ' + str(ex).splitlines()[0])
      print(json.dumps(out, default=lambda o: sorted(o, key=json.dumps) if isinstance(o, (set, frozenset)) else str(o)))
      """
    let r = try OracleSupport.python(
      ["-c", script], stdin: JSONCodec.encode(.array(Self.expressions.map { .string($0) })))
    guard case .array(let want) = try JSONCodec.decode(r.stdout) else {
      Issue.record("oracle: \(r.stdout)")
      return
    }
    try #require(want.count == Self.expressions.count)
    let program = try Engine().compile()
    var agree = 0
    var skipped = 0
    for (i, q) in Self.expressions.enumerated() {
      if case .string(let s) = want[i], s.hasPrefix("error") || s == "undefined" {
        skipped += 1
        print("regorus cannot evaluate: \(q): \(s)")
        continue
      }
      let res = try Engine.evaluate(query: "x := " + q, program: program, input: nil)
      let got = res.rows.first?.bindings["x"].map { SemanticsCasesTests.normalize($0, sort: false) }
      let exp = SemanticsCasesTests.normalize(want[i], sort: false)
      #expect(
        got == exp,
        "\(q)\n got \(got.map(JSONCodec.encode) ?? "undefined")\nwant \(JSONCodec.encode(exp))")
      if got == exp { agree += 1 }
    }
    print(
      "builtin expressions agreeing with regorus: \(agree)/\(Self.expressions.count - skipped) (\(skipped) unsupported by regorus)"
    )
  }

  /// Go fmt semantics where regorus differs (regorus 0.13 prints `%-4s` as "4s").
  @Test func sprintfFollowsGoFmt() throws {
    let program = try Engine().compile()
    let r = try Engine.evaluate(
      query: #"x := sprintf("[%-4s][%04d][%+d][%5.1f][%t][%v]", ["ab", 7, 3, 2.25, true, "s"])"#,
      program: program, input: nil)
    #expect(r.rows.first?.bindings["x"] == .string("[ab  ][0007][+3][  2.2][true][s]"))
  }

  @Test func evalOutputShape() throws {
    var engine = Engine()
    try engine.addModule(
      "package t\nimport rego.v1\np contains x if { some x in input.xs }\n", file: "t.rego")
    let program = try engine.compile()
    let r = try Engine.evaluate(
      query: "data.t.p", program: program, input: .object(["xs": .array([.int(2), .int(1)])]))
    #expect(
      JSONCodec.encode(r.json)
        == #"{"result":[{"expressions":[{"location":{"col":1,"row":1},"text":"data.t.p","value":[1,2]}]}]}"#
    )
    let b = try Engine.evaluate(
      query: "some v in data.t.p; v > 1", program: program,
      input: .object(["xs": .array([.int(2), .int(1)])]))
    #expect(JSONCodec.encode(b.json).contains(#""bindings":{"v":2}"#))
    let undefined = try Engine.evaluate(query: "data.t.nope", program: program, input: nil)
    #expect(JSONCodec.encode(undefined.json) == "{}")
  }
}
