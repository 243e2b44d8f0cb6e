import Foundation
import Rego
import TailguardTesting
import Testing

/// `json.patch`, `json.remove`, `json.filter` (issue 14, point 3). Expectations come
/// from RFC 6902 (Appendix A examples) and OPA's documented behaviour: a path
/// string's leading `/` is optional, an array path lists segments, `~1`/`~0` are
/// unescaped, and a failing patch makes the call undefined (not an error, not `{}`).
@Suite struct JSONPatchTests {
  struct Case: Sendable, CustomStringConvertible {
    var expr: String
    /// nil: undefined.
    var want: String?
    /// regorus 0.13 differs from OPA here (checked against OPA's source instead).
    var regorusDiffers = false
    var description: String { expr }
  }

  static let container =
    #"{"name": "app", "image": "nginx:1.25", "securityContext": {"runAsUser": 1000}}"#

  static let cases: [Case] = [
    // The community Kubernetes-library shape: a path without a leading slash.
    Case(
      expr:
        #"json.patch({"name": "app"}, [{"op": "add", "path": "securityContext", "value": {"privileged": false}}])"#,
      want: #"{"name": "app", "securityContext": {"privileged": false}}"#),
    Case(
      expr:
        #"json.patch(\#(container), [{"op": "add", "path": "securityContext/runAsNonRoot", "value": true}])"#,
      want:
        #"{"name": "app", "image": "nginx:1.25", "securityContext": {"runAsUser": 1000, "runAsNonRoot": true}}"#
    ),
    Case(
      expr: #"json.patch({"a": 1}, [{"op": "add", "path": "/b", "value": 2}])"#,
      want: #"{"a": 1, "b": 2}"#),
    Case(
      expr: #"json.patch({"a": 1}, [{"op": "add", "path": ["b"], "value": 2}])"#,
      want: #"{"a": 1, "b": 2}"#),
    Case(
      expr: #"json.patch({"a": 1}, [{"op": "add", "path": "//b", "value": 2}])"#,
      want: #"{"a": 1, "b": 2}"#),
    // add replaces an existing member (RFC 6902 4.1)
    Case(
      expr: #"json.patch({"a": 1}, [{"op": "add", "path": "a", "value": [1]}])"#,
      want: #"{"a": [1]}"#),
    // arrays: insert before the index, "-" appends, index == length appends
    Case(
      expr:
        #"json.patch({"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}])"#,
      want: #"{"foo": ["bar", "qux", "baz"]}"#),
    Case(
      expr:
        #"json.patch({"foo": [1, 2]}, [{"op": "add", "path": "foo/-", "value": 3}, {"op": "add", "path": ["foo", 3], "value": 4}])"#,
      want: #"{"foo": [1, 2, 3, 4]}"#),
    Case(
      expr: #"json.patch({"foo": [1, 2]}, [{"op": "add", "path": ["foo", 0], "value": 0}])"#,
      want: #"{"foo": [0, 1, 2]}"#),
    // escaped segments
    Case(
      expr:
        #"json.patch({"a/b": 1, "c~d": 2}, [{"op": "remove", "path": "/a~1b"}, {"op": "replace", "path": "c~0d", "value": 3}])"#,
      want: #"{"c~d": 3}"#),
    Case(
      expr: #"json.patch({"~1": 1}, [{"op": "remove", "path": "/~01"}])"#, want: "{}"),
    // remove / replace (RFC A.3, A.5)
    Case(
      expr: #"json.patch({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}])"#,
      want: #"{"foo": "bar"}"#),
    Case(
      expr: #"json.patch({"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "foo/1"}])"#,
      want: #"{"foo": ["bar", "baz"]}"#),
    Case(
      expr:
        #"json.patch({"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}])"#,
      want: #"{"baz": "boo", "foo": "bar"}"#),
    // move / copy with `from` in every form (RFC A.6, A.7)
    Case(
      expr:
        #"json.patch({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}, [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}])"#,
      want: #"{"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}"#),
    Case(
      expr:
        #"json.patch({"foo": ["all", "grass", "cows", "eat"]}, [{"op": "move", "from": "foo/1", "path": "foo/3"}])"#,
      want: #"{"foo": ["all", "cows", "eat", "grass"]}"#),
    Case(
      expr: #"json.patch({"a": {"b": 1}}, [{"op": "copy", "from": ["a"], "path": "c"}])"#,
      want: #"{"a": {"b": 1}, "c": {"b": 1}}"#),
    Case(
      expr: #"json.patch({"a": 1}, [{"op": "move", "from": "a", "path": "b"}])"#,
      want: #"{"b": 1}"#),
    // test (RFC A.8, A.9)
    Case(
      expr:
        #"json.patch({"baz": "qux", "foo": ["a", 2, "c"]}, [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "foo/1", "value": 2}])"#,
      want: #"{"baz": "qux", "foo": ["a", 2, "c"]}"#),
    Case(
      expr: #"json.patch({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}])"#,
      want: nil),
    // whole-document operations and non-object targets
    Case(
      expr: #"json.patch({"a": 1}, [{"op": "replace", "path": "", "value": [1]}])"#, want: "[1]"),
    Case(expr: #"json.patch([1, 2], [{"op": "remove", "path": "0"}])"#, want: "[2]"),
    Case(expr: #"json.patch("x", [])"#, want: #""x""#),
    // failures: undefined, never an empty object
    Case(expr: #"json.patch({"a": 1}, [{"op": "add", "path": "/x/y", "value": 2}])"#, want: nil),
    Case(
      expr: #"json.patch({"a": [1, 2]}, [{"op": "add", "path": "/a/5", "value": 2}])"#, want: nil),
    Case(
      expr: #"json.patch({"a": [1, 2]}, [{"op": "add", "path": "/a/01", "value": 3}])"#, want: nil),
    Case(expr: #"json.patch({"a": [1, 2]}, [{"op": "remove", "path": "/a/2"}])"#, want: nil),
    Case(expr: #"json.patch({"a": [1, 2]}, [{"op": "remove", "path": "/a/-"}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "remove", "path": "/b"}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "replace", "path": "/b", "value": 1}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "move", "from": "/b", "path": "/c"}])"#, want: nil),
    Case(
      expr: #"json.patch({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/c"}])"#,
      want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "copy", "path": "/c"}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "add", "path": "/c"}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "bogus", "path": "/a"}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"path": "/a"}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "add", "path": 1, "value": 1}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, ["add"])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "remove", "path": ""}])"#, want: nil),
    Case(expr: #"json.patch({"a": 1}, [{"op": "add", "path": "a/b", "value": 1}])"#, want: nil),
    // sets: a member is its own key
    Case(
      expr: #"json.patch({"a": {1, 2}}, [{"op": "add", "path": ["a", 3], "value": 3}])"#,
      want: #"{"a": [1, 2, 3]}"#, regorusDiffers: true),
    Case(
      expr: #"json.patch({"a": {1, 2}}, [{"op": "remove", "path": ["a", 1]}])"#,
      want: #"{"a": [2]}"#, regorusDiffers: true),
    Case(
      expr: #"json.patch({"a": {1, 2}}, [{"op": "add", "path": ["a", 3], "value": 4}])"#,
      want: nil, regorusDiffers: true),
    // json.remove / json.filter use the same path forms
    Case(
      expr: #"json.remove({"a": {"b": 1, "c": 2}}, ["a/b"])"#, want: #"{"a": {"c": 2}}"#),
    // regorus 0.13 keeps the leading "/", "~1" and array indexes literal in json.remove
    Case(
      expr: #"json.remove({"a": {"b": 1, "c": 2}}, {"/a/c"})"#, want: #"{"a": {"b": 1}}"#,
      regorusDiffers: true),
    Case(
      expr: #"json.remove({"a": {"b": 1, "c": 2}}, [["a", "b"]])"#, want: #"{"a": {"c": 2}}"#),
    Case(
      expr: #"json.remove({"a": [1, 2, 3]}, ["a/0", "a/2"])"#, want: #"{"a": [2]}"#,
      regorusDiffers: true),
    Case(
      expr: #"json.remove({"a/b": 1, "c": 2}, ["a~1b"])"#, want: #"{"c": 2}"#,
      regorusDiffers: true),
    Case(expr: #"json.remove({"a": 1}, [""])"#, want: #"{"a": 1}"#),
    Case(
      expr: #"json.filter({"a": {"b": 1, "c": 2}, "d": 3}, ["a/b", "d"])"#,
      want: #"{"a": {"b": 1}, "d": 3}"#),
    Case(
      expr: #"json.filter({"a": [1, 2, 3], "b": 2}, ["/a/1"])"#, want: #"{"a": [2]}"#,
      regorusDiffers: true),
    // OPA: the shorter of two overlapping paths wins (regorus keeps the longer)
    Case(
      expr: #"json.filter({"a": {"b": 1, "c": 2}}, ["a/b", "a"])"#,
      want: #"{"a": {"b": 1, "c": 2}}"#, regorusDiffers: true),
  ]

  static func expected(_ c: Case) throws -> OracleSupport.Outcome {
    guard let w = c.want else { return .undefined }
    return .value(try JSONCodec.decode(w))
  }

  @Test(arguments: cases)
  func matchesOPA(_ c: Case) throws {
    let got = OracleSupport.tailguard(c.expr).normalized
    let want = try Self.expected(c).normalized
    #expect(got == want, "\(c.expr)\n got \(got)\nwant \(want)")
  }

  /// OPA's json.patch returns no value on a failed patch even in strict mode.
  @Test func failedPatchIsUndefinedEvenInStrictMode() {
    let r = OracleSupport.tailguard(
      #"json.patch({"a": 1}, [{"op": "remove", "path": "/nope"}])"#, strict: true)
    #expect(r == .undefined)
    // a wrong operand type is still a type error
    let t = OracleSupport.tailguard(#"json.patch({"a": 1}, {"op": "add"})"#, strict: true)
    if case .error = t {} else { Issue.record("expected a type error, got \(t)") }
  }

  /// A policy written like the community Kubernetes library: every container is
  /// completed with a default security context before it is checked.
  @Test func kubernetesLibraryShape() throws {
    var engine = Engine()
    try engine.addModule(
      """
      package lib
      import rego.v1
      default_sc := {"allowPrivilegeEscalation": true, "privileged": false}
      containers contains c if {
        some raw in input.spec.containers
        not raw.securityContext
        c := json.patch(raw, [{"op": "add", "path": "securityContext", "value": default_sc}])
      }
      containers contains raw if {
        some raw in input.spec.containers
        raw.securityContext
      }
      deny contains name if {
        some c in containers
        c.securityContext.allowPrivilegeEscalation != false
        name := c.name
      }
      """, file: "lib.rego")
    let input = try JSONCodec.decode(
      #"{"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"allowPrivilegeEscalation": false}}]}}"#
    )
    let r = try Engine.evaluate(query: "data.lib.deny", program: try engine.compile(), input: input)
    #expect(r.rows.first?.expressions.first?.value == .set([.string("a")]))
  }

  @Test(.enabled(if: Oracles.gate(OracleSupport.regorusEnabled), "regorus not installed"))
  func expectationsAgreeWithRegorus() throws {
    try OracleSupport.requireRegorus()
    let checked = Self.cases.filter { !$0.regorusDiffers }
    let oracle = try OracleSupport.regorus(checked.map(\.expr))
    for (c, o) in zip(checked, oracle) {
      let want = try Self.expected(c).normalized
      #expect(o.normalized == want, "regorus: \(c.expr)\n said \(o)\nwant \(want)")
    }
  }
}
