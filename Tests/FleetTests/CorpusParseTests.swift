import Fleet
import Foundation
import TailguardModel
import TailguardTesting
import Testing

/// Every file of the fleet corpus (803 real files) is read as the kind PROVENANCE.tsv says it is,
/// and either yields its references cleanly or a diagnostic naming the file and a line.
struct CorpusParseTests {
  static let available =
    SharedData.isAvailable
    && FileManager.default.fileExists(atPath: SharedData.path("fleet/PROVENANCE.tsv"))

  struct Entry {
    var category: String
    var path: String
  }

  static func entries() throws -> [Entry] {
    // PROVENANCE.tsv has CRLF line ends; "\r\n" is one Character, so drop the CRs first.
    let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("fleet/PROVENANCE.tsv")))
    let text = String(decoding: data.filter { $0 != 13 }, as: UTF8.self)
    return text.components(separatedBy: "\n").dropFirst().compactMap { line in
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard cols.count >= 6 else { return nil }
      return Entry(category: String(cols[4]), path: SharedData.path("fleet/" + cols[5]))
    }
  }

  @Test(.enabled(if: Oracles.gate(available), "needs ../shared/data/fleet"))
  func everyFileParsesOrNamesFileAndLine() throws {
    let entries = try Self.entries()
    #expect(entries.count == 803)
    let expectedKinds: [String: Set<String>] = [
      "dockerfile": ["dockerfile"], "k8s": ["kubernetes", "yaml-unparsed"],
      "compose": ["compose"], "helm-values": ["helm"], "workflow": ["actions"],
    ]
    var wrongKind: [String] = []
    var diagnosticsSeen = 0
    let scanner = FleetScanner()
    for e in entries {
      let inv = scanner.scan([e.path])
      #expect(inv.files.count == 1, "\(e.path) was not read")
      if let kind = inv.files.first?.kind, !(expectedKinds[e.category]?.contains(kind) ?? false) {
        wrongKind.append("\(e.path): \(kind) for \(e.category)")
      }
      for d in inv.diagnostics {
        diagnosticsSeen += 1
        #expect(d.path == e.path && (d.line ?? 0) >= 1, "diagnostic without file/line: \(d)")
      }
      for r in inv.references {
        #expect(r.file == e.path && r.line >= 1)
      }
    }
    #expect(wrongKind.isEmpty, "\(wrongKind)")
    // The three archived openshift manifests repeat `selector:` (duplicated YAML keys).
    #expect(diagnosticsSeen == 3)
  }

  @Test(.enabled(if: Oracles.gate(available), "needs ../shared/data/fleet"))
  func wholeCorpusInventoryFigures() throws {
    let inv = FleetScanner().scan([SharedData.path("fleet/corpus")])
    #expect(inv.files.count == 803)
    var byClass: [ReferenceClass: Int] = [:]
    for r in inv.references { byClass[r.class, default: 0] += 1 }
    // Figures checked against the per-file review in HandVerifiedSampleTests and the peers.
    #expect(inv.references.count > 1000)
    #expect(byClass[.invalid] == 1)  // spack/rockylinux8:sha256:… (a digest written as a tag)
    #expect((byClass[.digest] ?? 0) >= 20)
    #expect((byClass[.scratch] ?? 0) >= 10)
    let sorted = inv.references.sorted {
      ($0.file, $0.line, $0.reference) < ($1.file, $1.line, $1.reference)
    }
    #expect(sorted == inv.references)
  }
}
