import ByteFormats
import Foundation
import SBOMFormats
import Scanner
import TailguardModel

/// What `POST /api/v1/sboms` did.
public struct SBOMUploadAnswer: Sendable, Codable, Hashable {
  public var digest: String
  public var reference: String
  public var status: String
  public var packages: Int
  public var openFindings: Int
}

/// What `POST /api/v1/fleet` did: each image resolved and queued (or already indexed), the
/// references that name no image, and the usage recorded.
public struct FleetUploadAnswer: Sendable, Codable, Hashable {
  public struct Image: Sendable, Codable, Hashable {
    public var reference: String
    public var digest: String?
    /// `indexed`, `queued` or `failed`.
    public var status: String
    public var error: String?
  }
  public var source: String
  public var workloads: Int
  public var images: [Image]
  public var unresolved: [String]
  public var diagnostics: [String]
  public var usage: UsageUpdate
}

/// One file of a fleet upload.
public struct UploadedFile: Sendable, Codable, Hashable {
  public var name: String
  public var content: String
}

extension ServerEngine {
  /// Indexes an uploaded CycloneDX or SPDX document as the image it describes: the digest given,
  /// else the one the document names, else the document's own SHA-256. No registry is read.
  public func indexSBOM(data: Data, reference: String?, digest: String?) throws -> SBOMUploadAnswer
  {
    let sbom: SoftwareBOM
    do { sbom = try SBOMReader(maxBytes: 64 << 20).read(data: data, name: "upload") } catch {
      throw ServerFailure(.badRequest, "not a CycloneDX or SPDX JSON document: \(error)")
    }
    let chosen: String
    if let digest {
      guard let parsed = try? Digest(parsing: digest), parsed.algorithm == "sha256" else {
        throw ServerFailure(.badRequest, "digest '\(digest)' is not a sha256:… digest")
      }
      chosen = parsed.description
    } else if let named = sbom.image.manifestDigest, named.algorithm == "sha256" {
      chosen = named.description
    } else {
      chosen = "sha256:" + BlobHasher.sha256Hex(Array(data))
    }
    let name = reference ?? (sbom.image.target.isEmpty ? "sbom:\(chosen)" : sbom.image.target)
    guard name.utf8.count <= 4096 else {
      throw ServerFailure(.badRequest, "reference must be at most 4096 bytes")
    }
    let advisories = try currentAdvisories()
    let report = advisories.report(for: sbom)
    let keys = AdvisoryLookupKey.keys(of: sbom)
    let matched = MatchedVulnerability.fold(report)
    try store.storeUploadedSBOM(
      digest: chosen, reference: name, sbom: sbom, keys: keys,
      fingerprints: try advisories.fingerprints(for: keys), matched: matched, now: Date())
    logger.info("indexed uploaded SBOM \(chosen) (\(sbom.packages.count) packages)")
    return SBOMUploadAnswer(
      digest: chosen, reference: name, status: "indexed", packages: sbom.packages.count,
      openFindings: try store.image(digest: chosen)?.openFindings ?? 0)
  }

  /// Re-matches DIGESTS against the current advisory data (images back in the fleet).
  func rematch(digests: [String], cause: String) throws {
    _ = try rematch(
      digests, advisories: try currentAdvisories(), cause: cause, withdrawn: [], now: Date())
  }

  /// Marks findings whose SLA state crossed (and writes their events).
  public func slaSweep() throws -> Int { try store.slaSweep(now: Date()) }

  /// Records what runs where from deployment files (and a usage file), resolving and queueing
  /// every image they name; SOURCE's earlier usage is replaced.
  public nonisolated func indexFleet(
    files: [UploadedFile], usage: String?, source: String, head: Int, priority: Int
  ) async throws -> FleetUploadAnswer {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tailguard-fleet-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    do {
      for (i, file) in files.enumerated() {
        // Only the base name is kept (detection goes by it), in a folder of its own: an upload
        // never writes outside this directory.
        let sub = dir.appendingPathComponent("\(i)")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try Data(file.content.utf8).write(
          to: sub.appendingPathComponent(Self.safeName(file.name)), options: .withoutOverwriting)
      }
    } catch {
      throw ServerFailure(.unavailable, "cannot stage the uploaded files: \(error)")
    }
    let found = FleetOperations.usage(
      FleetOperations.Files(paths: files.isEmpty ? [] : [dir.path]),
      usage: usage.map { (Array($0.utf8), "usage") })
    // Resolve each distinct reference once, a few at a time.
    let references = Array(Set(found.workloads.map(\.reference))).sorted()
    var resolved: [String: FleetUploadAnswer.Image] = [:]
    try await withThrowingTaskGroup(of: FleetUploadAnswer.Image.self) { group in
      var next = 0
      func add() {
        guard next < references.count else { return }
        let reference = references[next]
        next += 1
        group.addTask {
          do {
            let (digest, outcome) = try await self.submit(reference: reference, priority: priority)
            let status = outcome == .alreadyIndexed ? "indexed" : "queued"
            return .init(reference: reference, digest: digest, status: status, error: nil)
          } catch let failure as ServerFailure {
            return .init(
              reference: reference, digest: nil, status: "failed", error: failure.message)
          }
        }
      }
      for _ in 0..<8 { add() }
      while let image = try await group.next() {
        resolved[image.reference] = image
        add()
      }
    }
    let entries = found.workloads.compactMap { w -> UsageEntry? in
      guard let digest = resolved[w.reference]?.digest else { return nil }
      return UsageEntry(
        digest: digest, reference: w.reference, namespace: w.namespace, workload: w.workload,
        kind: w.kind, replicas: w.replicas, exposure: w.exposure, team: w.team)
    }
    let update = try store.replaceUsage(source: source, entries: entries, head: head, now: Date())
    if !update.revived.isEmpty {
      try await rematch(digests: update.revived, cause: "image-revived")
    }
    return FleetUploadAnswer(
      source: source, workloads: found.workloads.count,
      images: references.compactMap { resolved[$0] }, unresolved: found.unresolved,
      diagnostics: found.diagnostics.map(\.message), usage: update)
  }

  static func safeName(_ name: String) -> String {
    let base = name.split(separator: "/").last.map(String.init) ?? "file"
    let cleaned = String(
      base.unicodeScalars.map {
        CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)
          ? Character($0) : "_"
      }
    ).prefix(128)
    return cleaned.isEmpty || cleaned.allSatisfy({ $0 == "." }) ? "file" : String(cleaned)
  }
}
