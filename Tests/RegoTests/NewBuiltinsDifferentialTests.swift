import Foundation
import Rego
import TailguardTesting
import Testing

/// The builtins added for issue 14 (point 4), against regorus: each expression
/// is evaluated as `x := EXPR` by both engines and the outcomes (value, undefined,
/// error) compared. Where regorus differs from OPA, the case says so and carries
/// OPA's answer (from OPA's source), which tailguard must give.
@Suite struct NewBuiltinsDifferentialTests {
  struct Case: Sendable, CustomStringConvertible {
    var expr: String
    /// OPA's answer when regorus differs from it ("undefined", "error" or JSON).
    var opa: String? = nil
    var why: String = ""
    var description: String { expr }
  }

  static let cases: [Case] = [
    // object.subset: objects (recursive), sets, arrays (contiguous run), array ⊇ set
    Case(expr: #"object.subset({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 2}})"#),
    Case(expr: #"object.subset({"a": 1, "b": {"c": 2}}, {"b": {"c": 3}})"#),
    Case(expr: #"object.subset({"a": {1, 2, 3}}, {"a": {1, 3}})"#),
    Case(expr: #"object.subset({"a": [1, 2, 3, 4]}, {"a": [2, 3]})"#),
    Case(expr: #"object.subset({"a": [1, 2, 3, 4]}, {"a": [2, 4]})"#),
    Case(expr: #"object.subset([1, 2, 3], [1, 2])"#),
    Case(expr: #"object.subset([1, 2, 3], [3, 1])"#),
    Case(expr: #"object.subset([1, 2, 3], {3, 1})"#),
    Case(expr: #"object.subset({1, 2, 3}, {3, 1})"#),
    Case(expr: #"object.subset({1, 2}, {3})"#),
    Case(expr: #"object.subset({"a": 1}, {})"#),
    Case(expr: #"object.subset([], [])"#, opa: "true", why: "regorus 0.13 panics"),
    Case(
      expr: #"object.subset([], set())"#, opa: "false",
      why: "OPA's arraySetSubset never reports an empty array as a superset"),
    Case(expr: #"object.subset({"a": 1}, [1])"#, opa: "error"),
    Case(
      expr: #"object.subset("a", "a")"#, opa: "error",
      why: "OPA accepts only object/object, set/set, array/array, array/set; regorus says true"),
    // bits
    Case(
      expr:
        #"[bits.and(12, 10), bits.or(12, 10), bits.xor(12, 10), bits.negate(12), bits.lsh(1, 40), bits.rsh(-17, 2)]"#
    ),
    Case(expr: #"bits.and(1.5, 1)"#),
    Case(expr: #"bits.lsh(1, -1)"#),
    Case(expr: #"bits.negate("a")"#),
    // hex, urlquery objects, uuid
    Case(expr: #"[hex.decode("68656c6c6f"), hex.decode("48454C4C4F")]"#),
    Case(expr: #"hex.decode("6g")"#),
    Case(expr: #"hex.decode("686")"#),
    Case(expr: #"urlquery.decode_object("a=1&b=x%20y&a=2&c")"#),
    Case(
      expr: #"urlquery.decode_object("a=%zz")"#, opa: "error",
      why: "Go's url.ParseQuery rejects a bad escape; regorus keeps it literally"),
    Case(expr: #"urlquery.decode_object("")"#),
    Case(expr: #"uuid.parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")"#),
    Case(expr: #"uuid.parse("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}")"#),
    Case(expr: #"uuid.parse("urn:uuid:00000000-0000-4000-8000-000000000000")"#),
    Case(expr: #"uuid.parse("000000000000200080000000000001F4")"#),
    Case(expr: #"uuid.parse("not-a-uuid")"#),
    // net.cidr_*
    Case(
      expr:
        #"[net.cidr_is_valid("10.0.0.0/8"), net.cidr_is_valid("10.0.0.0/33"), net.cidr_is_valid("10.0.0.1"), net.cidr_is_valid("::/0"), net.cidr_is_valid("010.0.0.0/8")]"#
    ),
    Case(
      expr: #"net.cidr_is_valid(7)"#, opa: "false",
      why: "OPA answers false for a non-string; regorus raises a type error"),
    Case(expr: #"net.cidr_expand("192.168.0.4/30")"#),
    Case(expr: #"net.cidr_expand("2001:db8::/126")"#),
    Case(expr: #"net.cidr_expand("10.1.2.3/32")"#),
    Case(expr: #"net.cidr_expand("x")"#),
    Case(
      expr:
        #"[net.cidr_contains("10.0.0.0/8", "10.1.2.3"), net.cidr_contains("10.0.0.0/8", "10.0.0.0/7")]"#
    ),
    Case(
      expr:
        #"[net.cidr_contains("::ffff:0:0/96", "1.2.3.4"), net.cidr_contains("10.0.0.0/8", "::ffff:10.1.1.1")]"#,
      opa: "[true, true]",
      why:
        "Go's IPNet.Contains treats IPv4-mapped IPv6 as IPv4 (checked in GoOracleTests); regorus does not"
    ),
    Case(expr: #"net.cidr_contains("10.0.0.0/8", "bogus")"#),
    Case(
      expr:
        #"[net.cidr_intersects("10.0.0.0/8", "10.1.0.0/16"), net.cidr_intersects("10.0.0.0/16", "10.1.0.0/16"), net.cidr_intersects("2001:db8::/32", "2001:db8:1::/48")]"#,
      opa: "[true, false, true]", why: "regorus 0.13 lacks net.cidr_intersects"),
    // net.cidr_merge / net.cidr_contains_matches (regorus 0.13 has neither; the
    // answers follow OPA's cidr.go; CIDR-only merges are also checked against Go
    // in GoOracleTests)
    Case(
      expr: #"net.cidr_merge(["192.0.128.0/24", "192.0.129.0/24"])"#, opa: #"["192.0.128.0/23"]"#,
      why: "no regorus"),
    Case(
      expr:
        #"net.cidr_merge({"10.0.0.0/8", "10.1.0.0/16", "11.0.0.0/8", "12.0.0.0/9", "12.128.0.0/9"})"#,
      opa: #"["10.0.0.0/7", "12.0.0.0/8"]"#, why: "no regorus"),
    Case(
      expr:
        #"net.cidr_merge(["192.168.1.1", "192.168.1.2", "10.1.2.3", "172.16.0.1/32", "172.16.0.0/32"])"#,
      opa: #"["10.1.2.3/8", "172.16.0.0/31", "192.168.1.0/24"]"#,
      why: "a bare IPv4 address gets Go's classful default mask; unmerged it prints unmasked"),
    Case(
      expr: #"net.cidr_merge(["2001:db8::/33", "2001:db8:8000::/33", "::1/128"])"#,
      opa: #"["2001:db8::/32", "::1/128"]"#, why: "no regorus"),
    Case(expr: #"net.cidr_merge([])"#, opa: "[]", why: "no regorus"),
    Case(expr: #"net.cidr_merge(["2001:db8::1"])"#, opa: "error", why: "IPv6 needs a prefix"),
    Case(expr: #"net.cidr_merge([1])"#, opa: "error", why: "elements must be strings"),
    Case(
      expr: #"net.cidr_merge("10.0.0.0/8")"#, opa: "error", why: "operand must be an array or set"),
    Case(
      expr:
        #"net.cidr_contains_matches({["1.1.0.0/16", "foo"], "1.1.2.0/24"}, {"x": "1.1.1.128", "y": ["1.1.254.254", "bar"]})"#,
      opa: #"[[["1.1.0.0/16", "foo"], "x"], [["1.1.0.0/16", "foo"], "y"]]"#,
      why: "OPA docs example: set elements are their own index, object keys index values"),
    Case(
      expr:
        #"net.cidr_contains_matches("1.1.1.0/24", ["1.1.1.128", ["1.1.254.254", "bar"], "1.1.1.0/25"])"#,
      opa: #"[["1.1.1.0/24", 0], ["1.1.1.0/24", 2]]"#, why: "array elements are indexed by position"
    ),
    Case(
      expr: #"net.cidr_contains_matches(["10.0.0.0/8", "192.168.0.0/16"], "10.2.3.4")"#,
      opa: #"[[0, "10.2.3.4"]]"#, why: "a string operand is its own index"),
    Case(
      expr: #"net.cidr_contains_matches(7, "10.0.0.1")"#, opa: "[]",
      why: "other types yield no pairs"),
    Case(
      expr: #"net.cidr_contains_matches([[]], "10.0.0.1")"#, opa: "error",
      why: "empty array element"),
    Case(
      expr: #"net.cidr_contains_matches(["nope"], "10.0.0.1")"#, opa: "error", why: "invalid CIDR"),
    // graph
    Case(expr: #"graph.reachable({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["e"]}, {"a"})"#),
    Case(expr: #"graph.reachable({"a": {"b"}, "b": []}, ["a", "zz"])"#),
    Case(expr: #"graph.reachable({"a": ["b"]}, "a")"#),
    Case(expr: #"graph.reachable_paths({"a": ["b", "c"], "b": ["d"], "c": [], "d": []}, {"a"})"#),
    Case(expr: #"graph.reachable_paths({"a": ["b"], "b": ["a"]}, ["a"])"#),
    Case(expr: #"graph.reachable_paths({"a": ["b", "x"], "b": []}, ["a"])"#),
    Case(expr: #"graph.reachable_paths({"a": []}, ["a", "q"])"#),
    // regex.template_match
    Case(expr: #"regex.template_match("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")"#),
    Case(expr: #"regex.template_match("urn:foo.bar:<[0-9]{2}>", "urn:foo.bar:42", "<", ">")"#),
    Case(expr: #"regex.template_match("urn:foo.bar:<[0-9]{2}>", "urn:fooXbar:42", "<", ">")"#),
    Case(
      expr: #"regex.template_match("a{b", "ab", "{", "}")"#, opa: "error",
      why: "OPA: unbalanced braces is an error; regorus answers false"),
    Case(
      expr: #"regex.template_match("a{b}", "ab", "{{", "}")"#, opa: "error",
      why: "OPA: a delimiter must be one byte; regorus answers false"),
    // time
    Case(expr: #"time.format(1709209845123456789)"#),
    Case(expr: #"time.format([1709209845123456789, "America/New_York"])"#),
    Case(
      expr:
        #"time.format([1709209845000000000, "Asia/Kolkata", "2006-01-02 15:04:05 -0700 Mon Jan"])"#),
    Case(
      expr: #"time.format([1709209845000000000, "UTC", "RFC1123"])"#,
      opa: #""Thu, 29 Feb 2024 12:30:45 UTC""#,
      why: "Go prints the zone name for MST; regorus prints +00:00"),
    Case(
      expr: #"time.format([1709209845000000000, "Europe/Berlin", "02/01/06 03:04PM .000 __2"])"#),
    Case(expr: #"time.parse_ns("2006-01-02", "2024-02-29")"#),
    Case(expr: #"time.parse_ns("2006-01-02T15:04:05Z07:00", "2024-02-29T12:30:45+05:30")"#),
    Case(expr: #"time.parse_ns("RFC822Z", "29 Feb 24 12:30 -0800")"#),
    Case(expr: #"time.parse_ns("Jan _2 2006 3:04PM", "Feb  9 2021 1:05AM")"#),
    Case(expr: #"time.parse_ns("2006-01-02", "2023-02-29")"#),
    Case(expr: #"time.parse_ns("2006-01-02 15:04:05", "2024-01-01 10:00:00.25")"#),
    Case(expr: #"time.diff(1709209845000000000, 1609459200000000000)"#),
    Case(expr: #"time.diff([1709209845000000000, "Asia/Tokyo"], 1577836800000000000)"#),
    Case(
      expr: #"time.add_date(1706659200000000000, 0, 1, 0)"#, opa: "1709337600000000000",
      why: "Go's AddDate normalises Jan 31 + 1 month to Mar 2; regorus clamps to Feb 29"),
    Case(expr: #"time.add_date([1706659200000000000, "America/Los_Angeles"], 1, -2, 40)"#),
    Case(
      expr:
        #"[time.date([1709209845000000000, "Pacific/Auckland"]), time.clock([1709209845000000000, "Asia/Kathmandu"]), time.weekday([1709251200000000000, "America/Sao_Paulo"])]"#
    ),
    Case(expr: #"time.date([1709209845000000000, "Mars/Olympus"])"#),
    Case(expr: #"time.clock("x")"#),
    // indexof / indexof_n: OPA rejects an empty search string
    Case(expr: #"indexof("abc", "")"#, opa: "error", why: "OPA: empty search character; regorus 0"),
    Case(
      expr: #"indexof_n("abc", "")"#, opa: "error",
      why: "OPA: empty search character; regorus [0, 1, 2]"),
    Case(expr: #"[indexof("héllo wörld", "wö"), indexof_n("aaa", "aa")]"#),
    // units (edge cases)
    Case(
      expr:
        #"[units.parse_bytes("1.5Ki"), units.parse_bytes("100"), units.parse_bytes("1e3"), units.parse("1.5Ki"), units.parse("0.5m"), units.parse("2M")]"#
    ),
    Case(
      expr:
        #"[units.parse_bytes("1.5e3KB"), units.parse_bytes("\"10Mi\""), units.parse_bytes("0.3kb"), units.parse("1000m"), units.parse("0.1"), units.parse("1KI")]"#
    ),
    Case(
      expr:
        #"[units.parse_bytes("-1.5"), units.parse_bytes("5e"), units.parse("1e"), units.parse("3.3333333333333m")]"#,
      opa: "[-1, 5000000000000000000, 1000000000000000000, 0.0033333333]",
      why:
        "truncation toward zero, `e` as the exa unit, FloatString(10) (OPA's parse_bytes.go / parse_units.go)"
    ),
    Case(
      expr: #"units.parse_bytes("1e1234567")"#, opa: "error", why: "exponent of more than 6 digits"),
    Case(expr: #"units.parse("1mb")"#, opa: "error", why: "units.parse has no byte units"),
    Case(expr: #"units.parse_bytes("12 MB")"#),
    Case(expr: #"units.parse("1XB")"#),
    // json.filter / json.remove / json.patch are in JSONPatchTests
  ]

  @Test(arguments: cases)
  func matchesOPA(_ c: Case) throws {
    guard let opa = c.opa else { return }  // checked against regorus below
    let got = OracleSupport.tailguard(c.expr).normalized
    let want: OracleSupport.Outcome
    switch opa {
    case "undefined": want = .undefined
    case "error": want = .error("")
    default: want = .value(SemanticsCasesTests.normalize(try JSONCodec.decode(opa), sort: false))
    }
    // a builtin error is undefined in non-strict mode, an error in strict mode
    if want == .error("") {
      #expect(got == .undefined, "\(c.expr): \(got)")
      #expect(OracleSupport.tailguard(c.expr, strict: true).normalized == .error(""))
    } else {
      #expect(got == want, "\(c.expr)\n got \(got)\nwant \(want)")
    }
  }

  @Test(.enabled(if: Oracles.gate(OracleSupport.regorusEnabled), "regorus not installed"))
  func agreeWithRegorus() throws {
    try OracleSupport.requireRegorus()
    let checked = Self.cases.filter { $0.opa == nil }
    let oracle = try OracleSupport.regorus(checked.map(\.expr))
    for (c, o) in zip(checked, oracle) {
      // regorus raises where OPA (non-strict) is undefined: compare tailguard's
      // strict outcome with an error, its default outcome with a value.
      if case .error = o {
        let strict = OracleSupport.tailguard(c.expr, strict: true)
        let plain = OracleSupport.tailguard(c.expr)
        #expect(
          strict.normalized == .error("") && plain == .undefined,
          "\(c.expr): regorus \(o), tailguard \(plain) / strict \(strict)")
      } else {
        let got = OracleSupport.tailguard(c.expr).normalized
        #expect(got == o.normalized, "\(c.expr)\n got \(got)\nwant \(o.normalized)")
      }
    }
  }
}
