import Foundation
import Rego
import TailguardTesting
import Testing

/// The regex engine against Go's `regexp` (the package OPA's builtins use), run
/// with the `go` toolchain on this machine as the oracle.
@Suite struct RE2RegexTests {
  /// (pattern, input) pairs covering classes, groups, flags, anchors, repetition,
  /// empty matches, Unicode and RE2's rejections.
  static let vectors: [(String, String)] = [
    ("a+", "baaab aab"), ("^a", "aa"), ("a$", "aa"), ("(?i)hello", "HeLLo hello"),
    ("[a-c]+", "xxabcabx"), ("[^a-c]+", "abxyzcd"), ("\\d{2,3}", "1 12 1234 12345"),
    ("(\\w+)@(\\w+)\\.com", "bob@example.com, al@x.com"), ("a|ab", "ab"), ("ab|a", "ab"),
    ("a*?", "aaa"), ("a+?", "aaa"), ("x*", "abc"), ("(a)(b)?", "a ab"),
    ("\\bfoo\\b", "foo foobar foo"),
    ("[[:alpha:]]+", "ab12cd"), ("(?:ab)+", "ababab"), ("\\s*&&\\s*", "a && b&&c"),
    ("(?s)a.b", "a\nb"),
    ("a.b", "a\nb axb"), ("(?m)^x", "x\nx"), ("\\.", "a.b.c"), ("[\\d\\-]+", "12-34"),
    ("(?P<name>[a-z]+)=(\\d+)", "a=1 bb=22"), ("é+", "ééa"), ("^$", ""), ("", "abc"),
    ("(a|b)*c", "ababcabc"), ("[a-z\\d+\\-.]+", "libssl1.1+x-y"),
    ("(--yes)|(--assume-yes)", "apt-get --assume-yes x"),
    ("a*", "baaab"), ("(?U)a+", "aaa"), ("(?i)[a-z]+", "ABC def"), ("\\Bo\\B", "foo bob"),
    ("(a*)+", "aab"), ("(a|)+b", "aab"), ("[^\\s]+", "a b  c"), ("\\x41\\x{42}", "ABC"),
    ("a{2}", "aaaaa"), ("a{2,}", "aaaaa"), ("(?i)straße", "STRASSE straße"), ("\\pL+", "abc1"),
    ("(", "x"), ("a**", "x"), ("[a", "x"), ("\\q", "x"), ("a{1001}", "x"), ("x{2,1}", "x"),
    ("(a)\\1", "aa"), ("(?=a)", "a"), ("(?!a)", "b"), ("(?z)", "x"),
    (
      "apt-get (-(-)?[a-zA-Z]+ *)*install(-(-)?[a-zA-Z]+ *)*",
      "apt-get -y install --no-install-recommends x"
    ),
    ("^[\"']?(/[A-z0-9-_+]*)", "\"/usr/bin\" x"),
    ("(?i)(?:_|^)(?:secret|token)(?:_|$)", "MY_TOKEN"),
  ]

  static let goAvailable: Bool = {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/go")
  }()

  static let goProgram = """
    package main

    import (
    \t"encoding/json"
    \t"os"
    \t"regexp"
    )

    func main() {
    \tvar cases [][2]string
    \tif err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
    \t\tpanic(err)
    \t}
    \tout := []interface{}{}
    \tfor _, c := range cases {
    \t\tre, err := regexp.Compile(c[0])
    \t\tif err != nil {
    \t\t\tout = append(out, "invalid")
    \t\t\tcontinue
    \t\t}
    \t\tfind := re.FindAllStringSubmatch(c[1], -1)
    \t\tif find == nil {
    \t\t\tfind = [][]string{}
    \t\t}
    \t\tout = append(out, []interface{}{find, re.Split(c[1], -1), re.MatchString(c[1])})
    \t}
    \tjson.NewEncoder(os.Stdout).Encode(out)
    }
    """

  func mine(_ p: String, _ s: String) -> Value {
    guard let r = try? RE2Regex(p) else { return .string("invalid") }
    return .array([
      .array(r.findSubmatches(s, limit: -1).map { .array($0.map { .string($0) }) }),
      .array(r.split(s).map { .string($0) }), .bool(r.matches(s)),
    ])
  }

  @Test(
    .enabled(
      if: Oracles.gate(goAvailable),
      "go toolchain (the oracle for Go regexp semantics) not installed"))
  func vectorsAgreeWithGoRegexp() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "re2-oracle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.goProgram.write(
      to: dir.appendingPathComponent("main.go"), atomically: false, encoding: .utf8)
    let input = Value.array(Self.vectors.map { .array([.string($0.0), .string($0.1)]) })
    let run = try ProcessRunner.run(
      "/usr/bin/go", ["run", dir.appendingPathComponent("main.go").path],
      stdin: Array(JSONCodec.encode(input).utf8),
      environment: [
        "GOCACHE": dir.appendingPathComponent("cache").path, "GO111MODULE": "off", "GOFLAGS": "",
      ])
    try #require(run.status == 0, "go run failed: \(run.stderr.suffix(2000))")
    guard case .array(let want) = try JSONCodec.decode(run.stdout) else {
      Issue.record("unexpected oracle output")
      return
    }
    try #require(want.count == Self.vectors.count)
    var agree = 0
    for (i, (pat, s)) in Self.vectors.enumerated() {
      let got = mine(pat, s)
      #expect(
        got == want[i],
        "pattern \(pat) on \(s): got \(JSONCodec.encode(got)) want \(JSONCodec.encode(want[i]))")
      if got == want[i] { agree += 1 }
    }
    print("regex vectors agreeing with Go regexp: \(agree)/\(Self.vectors.count)")
  }

  @Test func catastrophicPatternsRunInLinearTime() throws {
    let input = String(repeating: "a", count: 20_000) + "!"
    let start = Date()
    for p in ["(a+)+$", "(a*)*b", "(a|aa)+$", "(a|a)*c", "^(\\w+\\s?)*$"] {
      let r = try RE2Regex(p)
      #expect(!r.matches(input), "\(p)")
    }
    #expect(Date().timeIntervalSince(start) < 20, "took \(Date().timeIntervalSince(start)) s")
  }
}
