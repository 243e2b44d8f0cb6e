import Foundation
import Policy
import Rego
import TailguardModel
import TailguardTesting
import Testing

@Suite struct PolicyFileFactsTests {
  /// Entries of a layer as GNU tar lists them (`tar -tzvf`), with symlinks resolved the way
  /// the container sees them.
  struct TarListing {
    var entries: Set<String> = []
    var links: [String: String] = [:]

    init(layer: String) throws {
      let listing = try ProcessRunner.run("tar", ["-tzvf", layer]).checked().stdout
      for line in listing.split(separator: "\n") {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count == 6 else { continue }
        var name = String(fields[5])
        if line.first == "l", let arrow = name.range(of: " -> ") {
          let target = String(name[arrow.upperBound...])
          name = String(name[..<arrow.lowerBound])
          links[trim(name)] = target
        }
        entries.insert(trim(name))
      }
    }

    func trim(_ s: String) -> String {
      var t = s
      if t.hasPrefix("./") { t.removeFirst(2) }
      while t.hasSuffix("/") { t.removeLast() }
      return t
    }

    func exists(_ path: String) -> Bool {
      var components = path.split(separator: "/").map(String.init)
      var hops = 0
      var i = 0
      while i < components.count {
        let prefix = components[0...i].joined(separator: "/")
        if let target = links[prefix] {
          hops += 1
          if hops > 40 { return false }
          var base = target.hasPrefix("/") ? [] : Array(components[0..<i])
          for c in target.split(separator: "/") {
            if c == ".." { _ = base.popLast() } else if c != "." { base.append(String(c)) }
          }
          components = base + components[(i + 1)...]
          i = 0
          continue
        }
        guard entries.contains(prefix) else { return false }
        i += 1
      }
      return true
    }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable), "needs ../shared/data"))
  func factsFromRealBaseLayer() throws {
    let layer =
      PlantedScan.layout
      + "/blobs/sha256/96643d90f1b068670cf0a0e1e7ae81a17ccaea3e2ef2941ab9295c272c695763"
    let listing = try TarListing(layer: layer)
    #expect(listing.entries.count > 1000)
    #expect(listing.links["bin"] == "usr/bin")
    let facts = PolicyFileFacts.collect(exists: listing.exists, read: { _ in nil })
    let shells = facts.present.filter { $0.kind == .shell }.map(\.path)
    #expect(
      shells == ["bin/bash", "bin/dash", "bin/sh", "usr/bin/bash", "usr/bin/dash", "usr/bin/sh"])
    let managers = Set(facts.present.filter { $0.kind == .packageManager }.map(\.path))
    #expect(managers.isSuperset(of: ["usr/bin/apt", "usr/bin/dpkg", "bin/dpkg"]))
    #expect(managers.allSatisfy { $0.contains("apt") || $0.contains("dpkg") })
    // minbase ships no OpenSSL.
    #expect(facts.present.allSatisfy { $0.kind == .shell || $0.kind == .packageManager })

    let report = try PlantedScan.report()
    let d = try PolicyEngine(arguments: ["no-shell-or-package-manager"]).evaluate(
      input: PolicyInput.make(report: report, files: facts))
    let messages = Set(d.violations.map(\.message))
    #expect(messages.contains("shell present: /bin/sh"))
    #expect(messages.contains("package manager present: /usr/bin/apt"))
    #expect(d.violations.count == 4 + shells.count + managers.count)
  }

  /// The host's Debian `openssl.cnf` has the FIPS lines commented out; enabling them as the
  /// OpenSSL 3 FIPS documentation instructs flips the flags.
  @Test(
    .enabled(
      if: Oracles.gate(FileManager.default.fileExists(atPath: "/etc/ssl/openssl.cnf")),
      "needs openssl.cnf"))
  func opensslConfigFlags() throws {
    let text = try String(contentsOfFile: "/etc/ssl/openssl.cnf", encoding: .utf8)
    #expect(text.contains("# .include fipsmodule.cnf"))
    #expect(PolicyFileFacts.analyzeOpenSSLConfig(text) == PolicyFileFacts.OpenSSLFIPS())
    let enabled =
      text
      .replacingOccurrences(of: "# .include fipsmodule.cnf", with: ".include fipsmodule.cnf")
      .replacingOccurrences(of: "# fips = fips_sect", with: "fips = fips_sect")
    let included = PolicyFileFacts.analyzeOpenSSLConfig(enabled)
    #expect(included.includesFIPSModule)
    #expect(!included.fipsProviderActivated)
    let activated = PolicyFileFacts.analyzeOpenSSLConfig(
      enabled + "\n[fips_sect]\nactivate = 1\n[algorithm_sect]\ndefault_properties = fips=yes\n")
    #expect(activated.fipsProviderActivated)
    #expect(activated.defaultPropertiesFIPS)
  }

  @Test func collectReadsOnlyExistingConfigs() {
    var reads: [String] = []
    let facts = PolicyFileFacts.collect(
      exists: { ["usr/lib/ssl/openssl.cnf", "usr/lib64/ossl-modules/fips.so"].contains($0) },
      read: { path in
        reads.append(path)
        return ".include /usr/lib/ssl/fipsmodule.cnf\n"
      })
    #expect(reads == ["usr/lib/ssl/openssl.cnf"])
    #expect(facts.openssl.includesFIPSModule)
    #expect(
      facts.present.map(\.path) == ["usr/lib/ssl/openssl.cnf", "usr/lib64/ossl-modules/fips.so"])
    #expect(
      PolicyFileFacts.checkedPaths.count == Set(PolicyFileFacts.checkedPaths.map(\.path)).count)
  }
}
