import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import TailguardModel

/// A client of the OCI distribution API (`/v2/`) on AsyncHTTPClient.
///
/// One client serves any number of registries and repositories; it owns the HTTP connection pool
/// and the auth state (bearer tokens per scope), so a fleet scan reuses both. Call `shutdown()`
/// when done. Every method throws `RegistryError` naming the reference it was working on.
///
/// Request pipeline (`send`): authenticate (cached token, remembered challenge, or none) → send →
/// on 401 parse `WWW-Authenticate` and authenticate once more (a token that expired server-side
/// is re-fetched) → on 429/5xx/dropped connection back off and retry within `RetryPolicy` →
/// follow redirects by hand so `Authorization` never crosses to another host.
public final class RegistryClient: Sendable {
  public let configuration: RegistryClientConfiguration
  let http: HTTPClient
  let auth = RegistryAuthenticator()

  public init(configuration: RegistryClientConfiguration = RegistryClientConfiguration())
    throws(RegistryError)
  {
    try configuration.validate()
    self.configuration = configuration
    var tls = TLSConfiguration.makeClientConfiguration()
    if let caFile = configuration.caFile {
      do {
        let certs = try NIOSSLCertificate.fromPEMFile(caFile)
        guard !certs.isEmpty else {
          throw RegistryError(
            .configuration, reference: caFile, "--ca-file holds no PEM certificate")
        }
        tls.additionalTrustRoots = [.certificates(certs)]
      } catch let e as RegistryError {
        throw e
      } catch {
        throw RegistryError(.configuration, reference: caFile, "cannot read --ca-file: \(error)")
      }
    }
    var http = HTTPClient.Configuration(
      tlsConfiguration: tls, redirectConfiguration: .disallow,
      timeout: .init(
        connect: Self.timeAmount(configuration.connectTimeout),
        read: Self.timeAmount(configuration.readTimeout)),
      decompression: .disabled)
    http.httpVersion = .automatic
    // No automatic per-request spans when the server traces: they would record full URLs, and
    // blob redirects carry signed query strings.
    http.tracing.tracer = nil
    self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
  }

  /// Closes the connection pool. The client must not be used afterwards. Optional: a client
  /// released without it shuts its pool down in the background.
  public func shutdown() async {
    try? await http.shutdown()
  }

  deinit {
    // AsyncHTTPClient traps (in debug builds) when a client is released while running; the task
    // keeps it alive until the pool is closed. A second shutdown just throws, ignored.
    let http = self.http
    Task { try? await http.shutdown() }
  }

  static func timeAmount(_ d: Duration) -> TimeAmount {
    .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
  }

  // MARK: - URLs

  /// `https://host` (or `http://` for `--insecure-registry` loopback hosts); Docker Hub's API host.
  func baseURL(registry: String) -> String {
    let host = registry == ImageReference.dockerHub ? ImageReference.dockerHubAPIHost : registry
    let scheme = configuration.insecureRegistries.contains(registry) ? "http" : "https"
    return "\(scheme)://\(host)"
  }

  static func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }

  static func queryEscape(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:/")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
  }

  // MARK: - API

  /// `GET /v2/`: checks the registry speaks the distribution API and that we may talk to it
  /// (authenticating when it challenges).
  public func ping(registry: String) async throws(RegistryError) {
    let response = try await send(
      .GET, url: baseURL(registry: registry) + "/v2/", registry: registry, scope: nil, ref: registry
    )
    _ = try await Self.collect(response.body, limit: 64 * 1024, ref: registry)
  }

  /// `HEAD` of a manifest: its digest, media type and size, without the body (what `resolve` and
  /// cache look-ups need). Falls back to GET when the registry omits `Docker-Content-Digest`.
  public func headManifest(_ ref: ImageReference) async throws(RegistryError) -> OCIDescriptor {
    let url = manifestURL(ref)
    let response = try await send(
      .HEAD, url: url, registry: ref.registry, scope: Self.pullScope(ref.repository),
      ref: ref.description,
      accept: RegistryMediaType.manifestAccept)
    let type = response.headers.first(name: "Content-Type").map {
      String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces)
    }
    if let header = response.headers.first(name: "Docker-Content-Digest"),
      let digest = try? Digest(parsing: header.trimmingCharacters(in: .whitespaces)), let type
    {
      if let asked = ref.digest, asked != digest {
        throw RegistryError(
          .digestMismatch, reference: ref.description,
          "registry answered HEAD with digest \(digest) for \(asked)")
      }
      let size = response.headers.first(name: "Content-Length").flatMap { Int64($0) } ?? -1
      return OCIDescriptor(mediaType: type, digest: digest, size: size)
    }
    let manifest = try await fetchManifest(ref)
    return OCIDescriptor(
      mediaType: manifest.mediaType, digest: manifest.digest, size: Int64(manifest.bytes.count))
  }

  /// `GET` of a manifest or index by tag or digest. The body's digest is computed and checked
  /// against the digest asked for and against `Docker-Content-Digest`; a mismatch is an error.
  public func fetchManifest(_ ref: ImageReference) async throws(RegistryError) -> RegistryManifest {
    let response = try await send(
      .GET, url: manifestURL(ref), registry: ref.registry, scope: Self.pullScope(ref.repository),
      ref: ref.description, accept: RegistryMediaType.manifestAccept)
    let bytes = try await Self.collect(
      response.body, limit: RegistryManifest.maxSize, ref: ref.description)
    let computed = try Self.sha256(bytes)
    if let asked = ref.digest {
      let check = try Self.digest(of: bytes, algorithm: asked.algorithm, ref: ref.description)
      guard check == asked else {
        throw RegistryError(
          .digestMismatch, reference: ref.description,
          "manifest bytes have digest \(check), not the requested \(asked)")
      }
    }
    if let header = response.headers.first(name: "Docker-Content-Digest") {
      let trimmed = header.trimmingCharacters(in: .whitespaces)
      guard let claimed = try? Digest(parsing: trimmed) else {
        throw RegistryError(
          .invalidResponse, reference: ref.description,
          "Docker-Content-Digest '\(trimmed.prefix(100))' is not a digest")
      }
      let check =
        claimed.algorithm == "sha256"
        ? computed : try Self.digest(of: bytes, algorithm: claimed.algorithm, ref: ref.description)
      guard check == claimed else {
        throw RegistryError(
          .digestMismatch, reference: ref.description,
          "manifest bytes have digest \(check) but the registry claims \(claimed)")
      }
    }
    let digest = ref.digest ?? computed
    return try RegistryManifest(
      bytes: bytes, digest: digest, contentType: response.headers.first(name: "Content-Type"),
      reference: ref.description)
  }

  func manifestURL(_ ref: ImageReference) -> String {
    "\(baseURL(registry: ref.registry))/v2/\(ref.repository)/manifests/\(ref.manifestReference)"
  }

  /// A small blob (image config, attestation) read whole, verified against `digest` and `limit`.
  public func fetchBlob(
    registry: String, repository: String, digest: Digest, limit: Int? = nil, ref: String? = nil
  ) async throws(RegistryError) -> [UInt8] {
    let limit = limit ?? configuration.maxInMemoryBlob
    var out: [UInt8] = []
    let stream = blobStream(
      registry: registry, repository: repository, digest: digest, size: nil, ref: ref)
    do {
      for try await chunk in stream {
        guard out.count + chunk.count <= limit else {
          throw RegistryError(
            .limitExceeded, reference: ref ?? "\(registry)/\(repository)@\(digest)",
            "blob larger than \(limit) bytes")
        }
        out.append(contentsOf: chunk)
      }
    } catch let e as RegistryError {
      throw e
    } catch {
      throw RegistryError(.network, reference: ref ?? digest.description, "\(error)")
    }
    return out
  }

  /// Streams a blob chunk by chunk, verifying its digest (and size, when given) as the bytes pass:
  /// the sequence throws `digestMismatch` at the end instead of finishing when they differ.
  /// A dropped connection resumes with `Range` (or re-reads and skips when ranges are ignored).
  public func blobStream(
    registry: String, repository: String, digest: Digest, size: Int64?, ref: String? = nil,
    tee: BlobCache.PendingWrite? = nil
  ) -> RegistryBlobStream {
    RegistryBlobStream(
      client: self, registry: registry, repository: repository, digest: digest, size: size,
      reference: ref ?? "\(registry)/\(repository)@\(digest)", tee: tee)
  }

  /// Every tag of a repository, following `Link: <…>; rel="next"` pagination (bounded at
  /// `maxTags`), in the order the registry lists them.
  public func listTags(
    registry: String, repository: String, pageSize: Int = 1000, maxTags: Int = 100_000
  )
    async throws(RegistryError) -> [String]
  {
    struct Page: Decodable { var tags: [String]? }
    let base = baseURL(registry: registry)
    var url: String? = "\(base)/v2/\(repository)/tags/list?n=\(pageSize)"
    var tags: [String] = []
    var pages = 0
    let ref = "\(registry)/\(repository)"
    while let next = url {
      pages += 1
      guard pages <= 10_000 else {
        throw RegistryError(.limitExceeded, reference: ref, "tag listing exceeds 10000 pages")
      }
      let response = try await send(
        .GET, url: next, registry: registry, scope: Self.pullScope(repository), ref: ref)
      let bytes = try await Self.collect(response.body, limit: 8 * 1024 * 1024, ref: ref)
      let page: Page
      do { page = try JSONDecoder().decode(Page.self, from: Data(bytes)) } catch {
        throw RegistryError(
          .invalidResponse, reference: ref, "tag list is not valid JSON: \(error)")
      }
      tags += page.tags ?? []
      guard tags.count <= maxTags else {
        throw RegistryError(.limitExceeded, reference: ref, "more than \(maxTags) tags")
      }
      url = response.headers.first(name: "Link").flatMap { Self.nextLink($0, base: next) }
    }
    return tags
  }

  /// The `rel="next"` target of a `Link` header, resolved against the request URL.
  static func nextLink(_ header: String, base: String) -> String? {
    for part in header.split(separator: ",") {
      let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
      guard let first = fields.first, first.hasPrefix("<"), first.hasSuffix(">") else { continue }
      let isNext = fields.dropFirst().contains {
        $0.replacingOccurrences(of: " ", with: "").lowercased() == "rel=\"next\""
          || $0.lowercased() == "rel=next"
      }
      guard isNext else { continue }
      let target = String(first.dropFirst().dropLast())
      return URL(string: target, relativeTo: URL(string: base))?.absoluteString
    }
    return nil
  }

  /// Referrers of `digest` (signatures, SBOMs, attestations): the referrers API
  /// `GET /v2/<name>/referrers/<digest>`, falling back to the tag schema `sha256-<hex>` when the
  /// registry does not implement it (404), as OCI distribution-spec 1.1 prescribes. Optionally
  /// filtered by `artifactType`. No referrers is an empty array, not an error.
  public func referrers(
    registry: String, repository: String, digest: Digest, artifactType: String? = nil
  )
    async throws(RegistryError) -> [OCIDescriptor]
  {
    let ref = "\(registry)/\(repository)@\(digest)"
    var url = "\(baseURL(registry: registry))/v2/\(repository)/referrers/\(digest)"
    if let artifactType { url += "?artifactType=" + Self.queryEscape(artifactType) }
    var entries: [OCIDescriptor]
    do {
      let response = try await send(
        .GET, url: url, registry: registry, scope: Self.pullScope(repository), ref: ref,
        accept: [RegistryMediaType.ociIndex])
      let bytes = try await Self.collect(response.body, limit: RegistryManifest.maxSize, ref: ref)
      let index = try RegistryManifest(
        bytes: bytes, digest: try Self.sha256(bytes), contentType: RegistryMediaType.ociIndex,
        reference: ref)
      guard case .index(let manifests) = index.document else { return [] }
      entries = manifests
    } catch let e where e.code == .notFound {
      let tag = "\(digest.algorithm)-\(digest.hex)"
      let tagRef = ImageReference(registry: registry, repository: repository, tag: tag)
      do {
        let index = try await fetchManifest(tagRef)
        guard case .index(let manifests) = index.document else { return [] }
        entries = manifests
      } catch let e where e.code == .notFound {
        return []
      }
    }
    if let artifactType { entries = entries.filter { $0.artifactType == artifactType } }
    return entries
  }

  // MARK: - Push (used by tests and mirroring tools; monolithic uploads only)

  /// Uploads a blob with a monolithic `POST` + `PUT` (distribution-spec "pushing a blob monolithically").
  public func pushBlob(registry: String, repository: String, bytes: [UInt8])
    async throws(RegistryError) -> Digest
  {
    let digest = try Self.sha256(bytes)
    let ref = "\(registry)/\(repository)@\(digest)"
    let scope = "repository:\(repository):pull,push"
    let base = baseURL(registry: registry)
    let start = try await send(
      .POST, url: "\(base)/v2/\(repository)/blobs/uploads/", registry: registry, scope: scope,
      ref: ref,
      body: [], expect: [202])
    _ = try await Self.collect(start.body, limit: 64 * 1024, ref: ref)
    guard let location = start.headers.first(name: "Location"),
      let upload = URL(string: location, relativeTo: URL(string: base + "/"))?.absoluteString
    else {
      throw RegistryError(.invalidResponse, reference: ref, "upload start without Location")
    }
    let put =
      upload + (upload.contains("?") ? "&" : "?") + "digest=" + Self.queryEscape(digest.description)
    let done = try await send(
      .PUT, url: put, registry: registry, scope: scope, ref: ref, body: bytes,
      contentType: "application/octet-stream", expect: [201])
    _ = try await Self.collect(done.body, limit: 64 * 1024, ref: ref)
    return digest
  }

  /// `PUT` of a manifest or index under `reference` (a tag or its digest); returns its digest.
  @discardableResult
  public func pushManifest(
    registry: String, repository: String, reference: String, bytes: [UInt8], mediaType: String
  )
    async throws(RegistryError) -> Digest
  {
    let ref = "\(registry)/\(repository):\(reference)"
    let response = try await send(
      .PUT, url: "\(baseURL(registry: registry))/v2/\(repository)/manifests/\(reference)",
      registry: registry,
      scope: "repository:\(repository):pull,push", ref: ref, body: bytes, contentType: mediaType,
      expect: [201])
    _ = try await Self.collect(response.body, limit: 64 * 1024, ref: ref)
    return try Self.sha256(bytes)
  }

  // MARK: - Helpers

  static func sha256(_ bytes: [UInt8]) throws(RegistryError) -> Digest {
    Digest.sha256(of: bytes)
  }

  static func digest(of bytes: [UInt8], algorithm: String, ref: String) throws(RegistryError)
    -> Digest
  {
    do { return try Digest.of(bytes, algorithm: algorithm) } catch {
      throw RegistryError(
        .invalidResponse, reference: ref, "unsupported digest algorithm \(algorithm.prefix(32))")
    }
  }

  /// Reads a whole (small) body, refusing more than `limit` bytes.
  static func collect(_ body: HTTPClientResponse.Body, limit: Int, ref: String)
    async throws(RegistryError)
    -> [UInt8]
  {
    var out: [UInt8] = []
    do {
      for try await buffer in body {
        guard out.count + buffer.readableBytes <= limit else {
          throw RegistryError(
            .limitExceeded, reference: ref, "response body larger than \(limit) bytes")
        }
        out.append(contentsOf: buffer.readableBytesView)
      }
    } catch let e as RegistryError {
      throw e
    } catch {
      throw classify(error, ref: ref).error
    }
    return out
  }

  /// Maps a transport error to a `RegistryError` and whether retrying may help.
  static func classify(_ error: any Error, ref: String) -> (error: RegistryError, retryable: Bool) {
    if let e = error as? RegistryError { return (e, false) }
    let text = String(describing: error)
    let typeName = String(describing: type(of: error))
    if error is NIOSSLError || typeName.contains("SSL") || typeName.contains("TLS")
      || text.contains("handshake") || text.contains("CERTIFICATE")
    {
      return (RegistryError(.tls, reference: ref, "TLS failed: \(text)"), false)
    }
    if let e = error as? HTTPClientError {
      switch e {
      case .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown:
        return (RegistryError(.configuration, reference: ref, "HTTP client: \(e)"), false)
      case .tlsHandshakeTimeout:
        return (RegistryError(.tls, reference: ref, "TLS handshake timed out"), true)
      default:
        return (RegistryError(.network, reference: ref, "connection failed: \(e)"), true)
      }
    }
    return (RegistryError(.network, reference: ref, "connection failed: \(text)"), true)
  }
}
