import Fleet
import Foundation
import TailguardTesting
import Testing

/// Compares pin lint with hadolint 2.15.1 (DL3006, DL3007) and checkov 3.3.30 (CKV_DOCKER_7,
/// CKV_K8S_14, CKV_K8S_43) on the whole corpus. Their findings were recorded once by
/// `Fixtures/peers/record.sh` into `Fixtures/peers/peers.tsv` (767 findings).
///
/// Every reference a peer flags as unpinned, tailguard flags too — on the same line (hadolint,
/// CKV_DOCKER_7) or inside the flagged resource's line range (checkov Kubernetes checks). The
/// only disagreements are checkov's documented mistake (corpus README): it fails kustomize
/// patches that carry no image at all (`patch.yaml` overlays of the llm-serving-gemma samples);
/// there is no reference there to pin, so tailguard reports none.
struct PeerComparisonTests {
  struct PeerFinding {
    var tool: String
    var check: String
    var file: String
    var line: Int
    var lastLine: Int
  }

  static let peersFile = SharedData.packageRoot + "/Tests/FleetTests/Fixtures/peers/peers.tsv"

  static func peers() throws -> [PeerFinding] {
    let text = try String(contentsOfFile: peersFile, encoding: .utf8)
    return text.components(separatedBy: "\n").dropFirst().compactMap { line in
      let c = line.components(separatedBy: "\t")
      guard c.count >= 5, let lo = Int(c[3]), let hi = Int(c[4]) else { return nil }
      return PeerFinding(tool: c[0], check: c[1], file: c[2], line: lo, lastLine: hi)
    }
  }

  @Test(.enabled(if: Oracles.gate(CorpusParseTests.available), "needs ../shared/data/fleet"))
  func everyPeerFindingIsFlaggedOrExplained() throws {
    let peers = try Self.peers()
    #expect(peers.count == 767)
    let corpus = SharedData.path("fleet/corpus")
    let inv = FleetScanner().scan([corpus])
    let findings = PinLinter().lint(inv.references, fileLines: PinLinter.readLines)
    var byFile: [String: [PinFinding]] = [:]
    for f in findings { byFile[String(f.file.dropFirst(corpus.count + 1)), default: []].append(f) }
    var refsByFile: [String: Int] = [:]
    for r in inv.references {
      refsByFile[String(r.file.dropFirst(corpus.count + 1)), default: 0] += 1
    }

    var disagreements: [String] = []
    for p in peers {
      let hit = (byFile[p.file] ?? []).contains { f in
        guard f.line >= p.line && f.line <= p.lastLine else { return false }
        switch p.check {
        case "DL3007": return f.rule == .latest
        case "DL3006": return f.rule == .untagged || f.rule == .unresolved
        default: return true
        }
      }
      if hit { continue }
      // checkov fails kustomize patches with no image (README: "fails kustomize patches that
      // carry no image"): the file has no `image:` and tailguard finds no reference in it.
      let text = (try? String(contentsOfFile: corpus + "/" + p.file, encoding: .utf8)) ?? ""
      let explained =
        p.tool == "checkov" && (p.check == "CKV_K8S_14" || p.check == "CKV_K8S_43")
        && p.file.hasSuffix("patch.yaml") && !text.contains("image:") && refsByFile[p.file] == nil
      #expect(explained, "unexplained disagreement: \(p.tool) \(p.check) \(p.file):\(p.line)")
      disagreements.append("\(p.check) \(p.file)")
    }
    // 9 image-less patches × (CKV_K8S_14 + CKV_K8S_43).
    #expect(disagreements.count == 18, "\(disagreements)")

    // Where tailguard goes further than the peers (each case from the corpus README):
    // hadolint cannot parse Dockerfiles with a comment after a heredoc, neither checks
    // `COPY --from=<image>`, checkov reports only the first failing FROM per Dockerfile.
    let peerDockerLines = Set(
      peers.filter { $0.tool == "hadolint" || $0.check == "CKV_DOCKER_7" }.map {
        "\($0.file):\($0.line)"
      })
    let copyFrom = inv.references.filter { $0.workload?.kind == "copy-from" }
    #expect(copyFrom.count >= 20)
    let extraDocker = findings.filter {
      $0.source == .dockerfile
        && !peerDockerLines.contains("\($0.file.dropFirst(corpus.count + 1)):\($0.line)")
        && ($0.rule == .latest || $0.rule == .untagged)
    }
    #expect(!extraDocker.isEmpty)
  }
}
