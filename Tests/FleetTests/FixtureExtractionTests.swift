import Fleet
import Foundation
import TailguardTesting
import Testing

/// Extraction on small fixtures written for the cases the corpus lacks: a custom `# escape=`,
/// heredocs with comments and `FROM` lines inside them, `RUN --mount=…,from=<image>`, ARG
/// defaults and `--build-arg`, kustomize `images:` overrides, `List`, ephemeral containers,
/// CronJob parallelism, Compose interpolation and `$$`, workflow expressions.
struct FixtureExtractionTests {
  static let dir = SharedData.packageRoot + "/Tests/FleetTests/Fixtures"

  func refs(_ name: String, scanner: FleetScanner = FleetScanner()) -> [FleetReference] {
    let inv = scanner.scan([Self.dir + "/" + name])
    #expect(inv.diagnostics.isEmpty, "\(inv.diagnostics)")
    return inv.references
  }

  func rows(_ refs: [FleetReference]) -> [String] {
    refs.map {
      "\($0.line) \($0.reference) \($0.class.rawValue) \($0.resolved ?? "-") \($0.resolvedClass?.rawValue ?? "-") \($0.replicas.map(String.init) ?? "nil")/\($0.replicasSource ?? "-")"
    }
  }

  @Test func customEscapeAndGlobalArgs() {
    #expect(
      rows(refs("escape.Dockerfile")) == [
        "4 ${BASE}:${TAG} variable mcr.microsoft.com/windows/servercore:ltsc2022 tag nil/-",
        "7 mcr.microsoft.com/powershell:7.4 tag - - nil/-",
        "9 build stage - - nil/-",
      ])
    let overridden = refs(
      "escape.Dockerfile", scanner: FleetScanner(buildArgs: ["TAG": "ltsc2019"]))
    #expect(overridden.first?.resolved == "mcr.microsoft.com/windows/servercore:ltsc2019")
  }

  @Test func heredocsContinuationsMountsAndStages() {
    #expect(
      rows(refs("heredoc.Dockerfile")) == [
        "2 alpine:3.19 tag - - nil/-",
        "10 golang:1.22.3 tag - - nil/-",
        "13 ${REGISTRY:-docker.io}/library/python:${PY:-3.12.4}-slim variable docker.io/library/python:3.12.4-slim tag nil/-",
        "14 $UNSET_IMAGE variable - - nil/-",
        "18 ubuntu untagged - - nil/-",
        "20 debian:latest latest - - nil/-",
        "21 node:lts tag - - nil/-",
      ])
    let withArg = refs("heredoc.Dockerfile", scanner: FleetScanner(buildArgs: ["PY": "3.13.1"]))
    #expect(withArg[2].resolved == "docker.io/library/python:3.13.1-slim")
  }

  @Test func kubernetesKindsReplicasAndKustomizeOverrides() {
    #expect(
      rows(refs("kustomize")) == [
        "11 redis:7 tag ghcr.io/example/redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef digest 3/explicit",
        "14 nginx:1.19 tag nginx:1.25.3 tag 3/explicit",
        "28 postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef digest - - 1/default",
        "36 busybox untagged - - 1/pod",
        "39 ghcr.io/example/debug:2 tag - - 1/pod",
        "53 alpine:latest latest - - 5/parallelism",
      ])
  }

  @Test func composeInterpolation() {
    #expect(
      rows(refs("compose.yaml")) == [
        "3 ${REG-docker.io}/example/app:${TAG:-1.2.3} variable docker.io/example/app:1.2.3 tag 1/default",
        "7 redis:7.2.4 tag - - 4/explicit",
        "11 example/$${NOT_A_VAR} variable example/${NOT_A_VAR} variable 1/default",
        "13 example/app:${MUST_SET} variable - - 1/default",
        "15 nginx untagged - - 1/default",
      ])
    let env = refs(
      "compose.yaml",
      scanner: FleetScanner(environment: ["REG": "ghcr.io", "TAG": "", "MUST_SET": "9.9.9"]))
    #expect(env[0].resolved == "ghcr.io/example/app:1.2.3")  // `:-` treats empty as unset
    #expect(env[3].resolved == "example/app:9.9.9")
  }

  @Test func workflowContainersServicesAndDockerSteps() {
    #expect(
      rows(refs("workflow.yml")) == [
        "6 ${{ matrix.image }} variable - - 1/job",
        "8 postgres:16 tag - - 1/job",
        "11 alpine:3.20.1 tag - - 1/job",
      ])
  }

  @Test func lintRulesSuppressionsAndSeverities() {
    let inv = FleetScanner().scan([Self.dir + "/heredoc.Dockerfile", Self.dir + "/compose.yaml"])
    let findings = PinLinter().lint(inv.references, fileLines: PinLinter.readLines)
    let got = findings.map {
      "\(($0.file as NSString).lastPathComponent):\($0.line) \($0.rule.rawValue) \($0.level.rawValue)"
    }
    #expect(
      got == [
        "compose.yaml:3 no-digest warning",
        "compose.yaml:7 no-digest warning",
        "compose.yaml:11 unresolved-variable note",
        "compose.yaml:13 unresolved-variable note",
        // compose.yaml:15 nginx is suppressed on its own line, heredoc.Dockerfile:18 and :20 by
        // the comment on the line above.
        "heredoc.Dockerfile:2 floating-tag warning",
        "heredoc.Dockerfile:10 no-digest warning",
        "heredoc.Dockerfile:13 no-digest warning",
        "heredoc.Dockerfile:14 unresolved-variable note",
        "heredoc.Dockerfile:21 floating-tag warning",
      ])
    #expect(
      findings.filter { $0.rule == .floatingTag }.allSatisfy {
        $0.offline && $0.message.contains("offline")
      })
    let relaxed = PinLinter(levels: [.noDigest: .off, .floatingTag: .error]).lint(
      inv.references, fileLines: PinLinter.readLines)
    #expect(!relaxed.contains { $0.rule == .noDigest })
    #expect(relaxed.filter { $0.rule == .floatingTag }.allSatisfy { $0.level == .error })
  }

  @Test func floatingTags() {
    for t in [
      "3", "3.11", "3.11-slim", "lts", "stable", "alpine", "bookworm", "v2", "16-buster-slim",
    ] {
      #expect(PinRule.isFloating(tag: t), "\(t)")
    }
    for t in [
      "3.11.9", "1.25.3-alpine", "8.2.1-debian-12-r0", "20240101", "v1.2.3",
      "nightly-20260701-6af3d12",
    ] {
      #expect(!PinRule.isFloating(tag: t), "\(t)")
    }
  }

  @Test func interpolation() {
    let v = ["A": "x", "E": ""]
    #expect(Interpolation.substitute("${A}", variables: v) == "x")
    #expect(Interpolation.substitute("${E:-d}", variables: v) == "d")
    #expect(Interpolation.substitute("${E-d}", variables: v) == "")
    #expect(Interpolation.substitute("${U-d}", variables: v) == "d")
    #expect(Interpolation.substitute("${A:+alt}", variables: v) == "alt")
    #expect(Interpolation.substitute("${U:-${A}}", variables: v) == "x")
    #expect(Interpolation.substitute("$A/$U", variables: v) == nil)
    #expect(Interpolation.substitute("$$A", variables: v, dollarEscape: true) == "$A")
    #expect(Interpolation.substitute("${U:?must}", variables: v) == nil)
    #expect(Interpolation.substitute("${A", variables: v) == nil)
    #expect(Interpolation.substitute("{{ .Values.x }}", variables: v) == nil)
  }

  @Test func contentDetectionWithoutName() throws {
    let tmp = try TemporaryDirectory(prefix: "fleet-detect")
    let body = "# build\nARG X=1\nFROM alpine:3.20.1\n"
    try body.write(toFile: tmp.file("build-image"), atomically: false, encoding: .utf8)
    try "not a dockerfile\n".write(toFile: tmp.file("notes"), atomically: false, encoding: .utf8)
    let inv = FleetScanner().scan([tmp.path])
    #expect(inv.references.map(\.reference) == ["alpine:3.20.1"])
    #expect(inv.references.first?.source == .dockerfile)
  }
}

/// A kustomize patch that restates a workload without `replicas` runs with its base's count;
/// a patched container without `image` is not a reference.
struct KustomizePatchTests {
  @Test func patchInheritsReplicasFromBase() {
    let inv = FleetScanner().scan([FixtureExtractionTests.dir + "/kustomize-patch"])
    #expect(inv.diagnostics.isEmpty)
    let rows = inv.references.map {
      "\(($0.file as NSString).lastPathComponent):\($0.line) \($0.reference) \($0.replicas.map(String.init) ?? "nil")/\($0.replicasSource ?? "-")"
    }
    #expect(
      rows == [
        "base.yaml:14 example/api:1.4.2 6/explicit", "patch.yaml:10 example/api:1.5.0 6/base",
      ])
  }
}
