import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import ImageSources

/// The registry client against a real registry: Debian's `docker-registry` started on 127.0.0.1,
/// the planted image of `../shared/data/images/built/oci-layout` pushed with `skopeo`, and the
/// bytes compared with the layout on disk. Skipped only when the tools are not installed.
@Suite(
  .enabled(
    if: Oracles.gate(RegistryTestEnvironment.toolsAvailable),
    "needs docker-registry, skopeo, openssl, python3"))
struct RegistryIntegrationTests {
  static let layoutBlobs = RegistryTestEnvironment.plantedLayout + "/blobs/sha256/"
  static let plantedManifest =
    "sha256:76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50"
  static let baseManifest =
    "sha256:5283b711dc725fdafdac8a572ff2c4f8daaf500be2a7f650651f68e5b6a12118"

  static func layoutBlob(_ digest: Digest) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: layoutBlobs + digest.hex)))
  }

  static func sha256Hex(_ bytes: [UInt8]) -> String {
    Digest.sha256(of: bytes).hex
  }

  static func client(
    _ host: String, _ configure: (inout RegistryClientConfiguration) -> Void = { _ in }
  ) throws
    -> RegistryClient
  {
    var c = RegistryClientConfiguration(insecureRegistries: [host])
    c.retry = RetryPolicy(
      maxAttempts: 4, baseDelay: .milliseconds(50), maxDelay: .seconds(2), maxElapsed: .seconds(20))
    configure(&c)
    return try RegistryClient(configuration: c)
  }

  /// Reads a whole blob stream, returning the bytes (the stream verifies the digest itself).
  static func drain<S: AsyncSequence>(_ s: S) async throws -> [UInt8] where S.Element == [UInt8] {
    var out: [UInt8] = []
    for try await chunk in s { out += chunk }
    return out
  }

  // MARK: - Plain registry: OCI, Docker v2s2, digests, index, tags, referrers

  @Test func plantedImageFromRegistryMatchesTheOCILayout() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    let host = "127.0.0.1:\(port)"
    try env.push(to: "\(host)/fixtures/planted:latest")
    try env.push(to: "\(host)/fixtures/planted:v2s2", v2s2: true)
    let client = try Self.client(host)
    defer { Task { await client.shutdown() } }
    try await client.ping(registry: host)

    let layoutManifestBytes = try Self.layoutBlob(try Digest(parsing: Self.plantedManifest))
    for text in [
      "\(host)/fixtures/planted:latest", "\(host)/fixtures/planted@\(Self.plantedManifest)",
    ] {
      let source = RegistryImageSource(reference: try ImageReference(parsing: text), client: client)
      let resolved = try await source.resolve()
      #expect(resolved.manifest.digest.description == Self.plantedManifest, "\(text)")
      #expect(resolved.manifest.bytes == layoutManifestBytes, "\(text)")
      #expect(resolved.manifest.mediaType == RegistryMediaType.ociManifest)
      #expect(resolved.metadata.indexDigest == nil)
      #expect(resolved.configBytes == (try Self.layoutBlob(resolved.configDigest)))
      #expect(resolved.metadata.platform == .linuxAMD64)
      #expect(resolved.metadata.config.diffIDs.count == 2)
      #expect(
        resolved.metadata.layers.map(\.digest.hex) == [
          "96643d90f1b068670cf0a0e1e7ae81a17ccaea3e2ef2941ab9295c272c695763",
          "21264e9532f717a5ee59877fae53e1eda4208c591108e7d910f433862c909219",
        ])
      #expect(resolved.metadata.layers.allSatisfy { $0.compression == .gzip })
      // Layer bytes: the small layer byte for byte, the large one by an independent hash.
      let small = resolved.metadata.layers[1]
      #expect(try await Self.drain(source.openLayer(small)) == (try Self.layoutBlob(small.digest)))
      if text.hasSuffix(":latest") {
        let big = resolved.metadata.layers[0]
        let bytes = try await Self.drain(source.openLayer(big))
        #expect(Int64(bytes.count) == big.size)
        #expect(Self.sha256Hex(bytes) == Self.sha256Hex(try Self.layoutBlob(big.digest)))
      }
    }

    // Docker v2s2: skopeo converted the manifest and config; layers keep their bytes.
    let v2Ref = try ImageReference(parsing: "\(host)/fixtures/planted:v2s2")
    let v2 = try await RegistryImageSource(reference: v2Ref, client: client).resolve()
    #expect(v2.manifest.mediaType == RegistryMediaType.dockerManifest)
    let skopeoDigest = try env.run([
      "skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
      "docker://\(host)/fixtures/planted:v2s2",
    ]).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(v2.manifest.digest.description == skopeoDigest)
    #expect(v2.manifest.digest.description != Self.plantedManifest)
    #expect(
      v2.metadata.layers.map(\.digest.hex).last
        == "21264e9532f717a5ee59877fae53e1eda4208c591108e7d910f433862c909219")
    #expect(
      v2.metadata.layers.allSatisfy {
        $0.mediaType == "application/vnd.docker.image.rootfs.diff.tar.gzip"
      })
    #expect(
      v2.metadata.config.diffIDs.map(\.hex).first
        == "5763b2062da1a9e392073449111bcb05182e25485bc2f60347a2358a366d4115")

    // HEAD agrees with GET and with skopeo.
    let head = try await client.headManifest(v2Ref)
    #expect(head.digest.description == skopeoDigest)
    #expect(head.mediaType == RegistryMediaType.dockerManifest)

    // Not found names the reference.
    let missing = try ImageReference(parsing: "\(host)/fixtures/planted:no-such-tag")
    let error = await #expect(throws: RegistryError.self) {
      try await client.fetchManifest(missing)
    }
    #expect(error?.code == .notFound)
    #expect(error?.reference.contains("planted:no-such-tag") == true)
  }

  @Test func multiPlatformIndexTagsAndReferrers() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    let host = "127.0.0.1:\(port)"
    try env.push(to: "\(host)/fixtures/planted:amd64")
    let client = try Self.client(host)
    defer { Task { await client.shutdown() } }
    let repo = "fixtures/planted"

    // An arm64 variant: same layers, a config saying arm64/v8, its own manifest.
    let amd64Manifest = try Self.layoutBlob(try Digest(parsing: Self.plantedManifest))
    let configDigest = try Digest(
      parsing: "sha256:6388c27d815d9991d2ba02287ee77fd11db307d92290d56563c481142ec1e568")
    var config =
      try JSONSerialization.jsonObject(with: Data(try Self.layoutBlob(configDigest)))
      as? [String: Any] ?? [:]
    config["architecture"] = "arm64"
    config["variant"] = "v8"
    let armConfig = [UInt8](
      try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]))
    let armConfigDigest = try await client.pushBlob(
      registry: host, repository: repo, bytes: armConfig)
    var manifest =
      try JSONSerialization.jsonObject(with: Data(amd64Manifest)) as? [String: Any] ?? [:]
    manifest["config"] = [
      "mediaType": RegistryMediaType.ociConfig, "digest": armConfigDigest.description,
      "size": armConfig.count,
    ]
    manifest["mediaType"] = RegistryMediaType.ociManifest
    let armManifest = [UInt8](
      try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
    let armDigest = try await client.pushManifest(
      registry: host, repository: repo,
      reference: try RegistryClient.sha256(armManifest).description,
      bytes: armManifest, mediaType: RegistryMediaType.ociManifest)
    let index: [String: Any] = [
      "schemaVersion": 2, "mediaType": RegistryMediaType.ociIndex,
      "manifests": [
        [
          "mediaType": RegistryMediaType.ociManifest, "digest": Self.plantedManifest,
          "size": amd64Manifest.count,
          "platform": ["os": "linux", "architecture": "amd64"],
        ],
        [
          "mediaType": RegistryMediaType.ociManifest, "digest": armDigest.description,
          "size": armManifest.count,
          "platform": ["os": "linux", "architecture": "arm64", "variant": "v8"],
        ],
      ],
    ]
    let indexBytes = [UInt8](
      try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]))
    let indexDigest = try await client.pushManifest(
      registry: host, repository: repo, reference: "multi", bytes: indexBytes,
      mediaType: RegistryMediaType.ociIndex)

    let multi = try ImageReference(parsing: "\(host)/\(repo):multi")
    let amd = try await RegistryImageSource(reference: multi, client: client).resolve()
    #expect(amd.top.digest == indexDigest)
    #expect(amd.top.isIndex)
    #expect(amd.metadata.indexDigest == indexDigest)
    #expect(amd.manifest.digest.description == Self.plantedManifest)
    #expect(amd.metadata.platform == .linuxAMD64)
    let arm = try await RegistryImageSource(
      reference: multi, client: client, platform: Platform(os: "linux", architecture: "arm64")
    ).resolve()
    #expect(arm.manifest.digest == armDigest)
    #expect(arm.metadata.platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
    #expect(arm.metadata.layers.map(\.digest) == amd.metadata.layers.map(\.digest))
    let none = await #expect(throws: RegistryError.self) {
      try await RegistryImageSource(
        reference: multi, client: client, platform: Platform(os: "linux", architecture: "s390x")
      ).resolve()
    }
    #expect(none?.code == .notFound)
    #expect(none?.message.contains("linux/arm64/v8") == true)
    // skopeo sees the same index bytes.
    let raw = try env.run([
      "skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(host)/\(repo):multi",
    ])
    #expect(Array(raw.utf8) == indexBytes)

    // Tags, paginated two at a time, equal skopeo's list.
    for tag in ["t1", "t2", "t3", "t4"] {
      try await client.pushManifest(
        registry: host, repository: repo, reference: tag, bytes: amd64Manifest,
        mediaType: RegistryMediaType.ociManifest)
    }
    let tags = try await client.listTags(registry: host, repository: repo, pageSize: 2)
    struct SkopeoTags: Decodable { var Tags: [String] }
    let oracle = try JSONDecoder().decode(
      SkopeoTags.self,
      from: Data(
        try env.run(["skopeo", "list-tags", "--tls-verify=false", "docker://\(host)/\(repo)"]).utf8)
    )
    #expect(tags.sorted() == oracle.Tags.sorted())
    #expect(Set(tags) == ["amd64", "multi", "t1", "t2", "t3", "t4"])

    // Referrers: docker-registry 2.8 has no referrers API (404), so the client falls back to the
    // `sha256-<hex>` tag schema. Push an attestation-like artifact and its fallback index.
    let empty = Array("{}".utf8)
    let emptyDigest = try await client.pushBlob(registry: host, repository: repo, bytes: empty)
    let artifactType = "application/vnd.tailguard.test.attestation"
    let artifact: [String: Any] = [
      "schemaVersion": 2, "mediaType": RegistryMediaType.ociManifest, "artifactType": artifactType,
      "config": [
        "mediaType": RegistryMediaType.ociConfig, "digest": emptyDigest.description, "size": 2,
      ],
      "layers": [
        [
          "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": emptyDigest.description,
          "size": 2,
        ]
      ],
      "subject": [
        "mediaType": RegistryMediaType.ociManifest, "digest": Self.plantedManifest,
        "size": amd64Manifest.count,
      ],
    ]
    let artifactBytes = [UInt8](
      try JSONSerialization.data(withJSONObject: artifact, options: [.sortedKeys]))
    let artifactDigest = try await client.pushManifest(
      registry: host, repository: repo,
      reference: try RegistryClient.sha256(artifactBytes).description,
      bytes: artifactBytes, mediaType: RegistryMediaType.ociManifest)
    let fallback: [String: Any] = [
      "schemaVersion": 2, "mediaType": RegistryMediaType.ociIndex,
      "manifests": [
        [
          "mediaType": RegistryMediaType.ociManifest, "digest": artifactDigest.description,
          "size": artifactBytes.count, "artifactType": artifactType,
        ]
      ],
    ]
    let fallbackBytes = [UInt8](
      try JSONSerialization.data(withJSONObject: fallback, options: [.sortedKeys]))
    let subject = try Digest(parsing: Self.plantedManifest)
    try await client.pushManifest(
      registry: host, repository: repo, reference: "sha256-\(subject.hex)", bytes: fallbackBytes,
      mediaType: RegistryMediaType.ociIndex)
    let referrers = try await client.referrers(registry: host, repository: repo, digest: subject)
    #expect(referrers.map(\.digest) == [artifactDigest])
    #expect(referrers.first?.artifactType == artifactType)
    #expect(
      try await client.referrers(
        registry: host, repository: repo, digest: subject, artifactType: "other/type"
      ).isEmpty)
    #expect(try await client.referrers(registry: host, repository: repo, digest: armDigest).isEmpty)
  }

  // MARK: - Auth

  @Test func htpasswdBasicAuthBehindTLS() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let tls = try env.makeTLS()
    let port = try env.startRegistry(
      auth: .htpasswd(user: "alice", password: "wonder land"), tls: (tls.cert, tls.key))
    let host = "127.0.0.1:\(port)"
    let certDir = env.dir.file("certs")
    try FileManager.default.createDirectory(atPath: certDir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: tls.ca, toPath: certDir + "/ca.crt")
    try env.push(
      to: "\(host)/fixtures/planted:latest", credentials: "alice:wonder land", caDir: certDir)
    let ref = try ImageReference(parsing: "\(host)/fixtures/planted:latest")
    let good = RegistryCredential.basic(username: "alice", password: "wonder land")

    // The system trust store does not know the test CA: a TLS error, not a retry loop.
    let untrusted = try RegistryClient(configuration: RegistryClientConfiguration(credential: good))
    let tlsError = await #expect(throws: RegistryError.self) {
      try await untrusted.fetchManifest(ref)
    }
    #expect(tlsError?.code == .tls)
    await untrusted.shutdown()

    // With --ca-file: no credentials → 401 explained; wrong password → denied; right → the manifest.
    let anonymous = try RegistryClient(configuration: RegistryClientConfiguration(caFile: tls.ca))
    let noCreds = await #expect(throws: RegistryError.self) {
      try await anonymous.fetchManifest(ref)
    }
    #expect(noCreds?.code == .authDenied)
    #expect(noCreds?.status == 401)
    #expect(noCreds?.message.contains("no credentials") == true)
    await anonymous.shutdown()

    let wrong = try RegistryClient(
      configuration: RegistryClientConfiguration(
        caFile: tls.ca, credential: .basic(username: "alice", password: "x")))
    let denied = await #expect(throws: RegistryError.self) { try await wrong.fetchManifest(ref) }
    #expect(denied?.code == .authDenied)
    #expect(denied?.message.contains("refused") == true)
    await wrong.shutdown()

    let right = try RegistryClient(
      configuration: RegistryClientConfiguration(caFile: tls.ca, credential: good))
    let resolved = try await RegistryImageSource(reference: ref, client: right).resolve()
    #expect(resolved.manifest.digest.description == Self.plantedManifest)
    await right.shutdown()

    // The same credentials from a Docker config.json (base64 `auth`).
    let configFile = env.dir.file("config.json")
    let auth = Data("alice:wonder land".utf8).base64EncodedString()
    try #"{"auths":{"\#(host)":{"auth":"\#(auth)"}}}"#.write(
      toFile: configFile, atomically: false, encoding: .utf8)
    let docker = try DockerConfigCredentials.load(path: configFile)
    let fromConfig = try RegistryClient(
      configuration: RegistryClientConfiguration(caFile: tls.ca, dockerConfig: docker))
    #expect(try await fromConfig.headManifest(ref).digest.description == Self.plantedManifest)
    await fromConfig.shutdown()

    // A credsStore is refused clearly instead of silently going anonymous.
    try #"{"credsStore":"secretservice"}"#.write(
      toFile: configFile, atomically: false, encoding: .utf8)
    let helper = try RegistryClient(
      configuration: RegistryClientConfiguration(
        caFile: tls.ca, dockerConfig: try DockerConfigCredentials.load(path: configFile)))
    let helperError = await #expect(throws: RegistryError.self) {
      try await helper.fetchManifest(ref)
    }
    #expect(helperError?.code == .configuration)
    #expect(helperError?.message.contains("credential helpers are not supported yet") == true)
    await helper.shutdown()
  }

  @Test func bearerTokenFlowWithCachingAndServerSideExpiry() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let service = "tailguard-registry"
    let issuer = "tailguard-token-issuer"
    let token = try env.startTokenServer(
      service: service, issuer: issuer, users: ["alice:wonder"], refreshToken: "refresh-secret")
    let storage = env.dir.file("shared-storage")
    let port = try env.startRegistry(
      auth: .token(
        realm: "http://127.0.0.1:\(token.port)/token", service: service, issuer: issuer,
        rootCert: token.cert),
      storage: storage)
    let host = "127.0.0.1:\(port)"
    try env.push(to: "\(host)/fixtures/planted:latest", credentials: "alice:wonder")
    let ref = try ImageReference(parsing: "\(host)/fixtures/planted:latest")

    // Anonymous: the token server refuses, so does the client — clearly.
    let anonymous = try Self.client(host)
    let denied = await #expect(throws: RegistryError.self) {
      try await anonymous.fetchManifest(ref)
    }
    #expect(denied?.code == .authDenied)
    #expect(denied?.message.contains("no credentials") == true)
    await anonymous.shutdown()

    // Basic credentials at the token realm; one token serves every request of the scope.
    let alice = try Self.client(host) {
      $0.credential = .basic(username: "alice", password: "wonder")
    }
    let resolved = try await RegistryImageSource(reference: ref, client: alice).resolve()
    #expect(resolved.manifest.digest.description == Self.plantedManifest)
    let small = resolved.metadata.layers[1]
    #expect(
      try await Self.drain(RegistryImageSource(reference: ref, client: alice).openLayer(small))
        == (try Self.layoutBlob(small.digest)))
    #expect(await alice.auth.tokenRequests == 1)
    await alice.shutdown()

    // identitytoken (OAuth2 refresh token) → POST to the realm.
    let refresh = try Self.client(host) { $0.credential = .identityToken("refresh-secret") }
    #expect(try await refresh.headManifest(ref).digest.description == Self.plantedManifest)
    await refresh.shutdown()

    // Server-side expiry: a second registry on the same storage whose token server issues JWTs
    // that expire almost at once but tells the client 3600 s. docker-registry accepts `exp` with
    // 60 s of leeway, so `exp = now - 56` leaves about 4 s. After 6 s the cached token is
    // refused (401) and the client must fetch a new one and succeed.
    let lying = try env.startTokenServer(
      service: service, issuer: issuer, users: ["alice:wonder"], ttl: -56, claimedExpiresIn: 3600,
      name: "lying")
    let port2 = try env.startRegistry(
      name: "registry2",
      auth: .token(
        realm: "http://127.0.0.1:\(lying.port)/token", service: service, issuer: issuer,
        rootCert: lying.cert),
      storage: storage)
    let host2 = "127.0.0.1:\(port2)"
    let ref2 = try ImageReference(parsing: "\(host2)/fixtures/planted:latest")
    let expiring = try Self.client(host2) {
      $0.credential = .basic(username: "alice", password: "wonder")
    }
    #expect(try await expiring.fetchManifest(ref2).digest.description == Self.plantedManifest)
    #expect(await expiring.auth.tokenRequests == 1)
    try await Task.sleep(for: .seconds(6))
    #expect(try await expiring.fetchManifest(ref2).digest.description == Self.plantedManifest)
    #expect(await expiring.auth.tokenRequests == 2)
    await expiring.shutdown()
  }

  // MARK: - Faults: 429 storms, 5xx, drops, stalls, corrupt bytes, wrong digests, redirects

  @Test func faultInjectingProxy() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    try env.push(to: "127.0.0.1:\(port)/fixtures/planted:latest")
    let proxy = try env.startFaultProxy(upstreamPort: port)
    let host = "127.0.0.1:\(proxy)"
    let ref = try ImageReference(parsing: "\(host)/fixtures/planted:latest")
    // A generous total budget: the whole suite runs in parallel on 2 cores, and a loaded machine
    // must not turn the first (2 × Retry-After: 1) case into a budget failure.
    let client = try Self.client(host) {
      $0.readTimeout = .seconds(2)
      $0.retry.maxElapsed = .seconds(120)
    }
    defer { Task { await client.shutdown() } }
    func arm(_ query: String) throws {
      _ = try RegistryTestEnvironment.proxyControl(proxy, "/__fault?" + query)
    }
    func reset() throws { _ = try RegistryTestEnvironment.proxyControl(proxy, "/__reset") }

    // 429 twice with Retry-After: 1 → waits (≥ 2 s in total) and succeeds.
    try arm("mode=429&count=2&retry_after=1&match=/manifests/")
    var start = ContinuousClock.now
    #expect(try await client.fetchManifest(ref).digest.description == Self.plantedManifest)
    #expect(ContinuousClock.now - start >= .milliseconds(1900))
    var stats = try RegistryTestEnvironment.proxyStats(proxy)
    #expect(stats.filter { $0.path.contains("/manifests/") }.map(\.status) == [429, 429, 200])

    // A 429 storm longer than the retry budget → rateLimited naming the reference.
    try reset()
    try arm("mode=429&count=50&retry_after=0&match=/manifests/")
    let storm = await #expect(throws: RegistryError.self) { try await client.fetchManifest(ref) }
    #expect(storm?.code == .rateLimited)
    #expect(storm?.reference == ref.description)
    #expect(try RegistryTestEnvironment.proxyStats(proxy).count == 4)  // maxAttempts

    // A Retry-After beyond the total budget → give up at once rather than stall.
    try reset()
    try arm("mode=429&count=1&retry_after=3600&match=/manifests/")
    start = ContinuousClock.now
    let tooLong = await #expect(throws: RegistryError.self) { try await client.fetchManifest(ref) }
    #expect(tooLong?.code == .rateLimited)
    #expect(ContinuousClock.now - start < .seconds(5))

    // 503s are retried with backoff.
    try reset()
    try arm("mode=503&count=2&match=/manifests/")
    #expect(try await client.fetchManifest(ref).digest.description == Self.plantedManifest)

    let resolved = try await RegistryImageSource(reference: ref, client: client).resolve()
    let big = resolved.metadata.layers[0]
    let small = resolved.metadata.layers[1]
    let source = RegistryImageSource(reference: ref, client: client)

    // Connection dropped half-way through the 51 MB layer → resumed with Range, bytes verified.
    try reset()
    try arm("mode=drop&count=1&match=/blobs/\(big.digest)")
    let bigBytes = try await Self.drain(source.openLayer(big))
    #expect(Self.sha256Hex(bigBytes) == big.digest.hex)
    stats = try RegistryTestEnvironment.proxyStats(proxy).filter {
      $0.path.contains(big.digest.hex)
    }
    // One drop, then ranged resumes (more than one only if the loaded machine also tripped the
    // read timeout), each continuing where the previous one stopped.
    #expect(stats.count >= 2, "\(stats)")
    #expect(stats.first?.fault == "drop")
    #expect(stats.first?.range == nil)
    #expect(
      stats.dropFirst().allSatisfy { $0.status == 206 && $0.range?.hasPrefix("bytes=") == true })
    #expect(stats.last?.range != "bytes=0-")

    // Body stalls longer than the read timeout → treated as a drop, resumed.
    try reset()
    try arm("mode=slow&count=1&delay=6&match=/blobs/\(small.digest)")
    #expect(try await Self.drain(source.openLayer(small)) == (try Self.layoutBlob(small.digest)))
    #expect(try RegistryTestEnvironment.proxyStats(proxy).last?.status == 206)

    // Corrupt layer bytes → digestMismatch at the end of the stream (never silently accepted).
    // Every response for the blob is corrupt: on a loaded machine the read timeout can cut the
    // first response before its flipped byte, and the ranged resume must not come back clean.
    try reset()
    try arm("mode=corrupt&count=20&match=/blobs/\(small.digest)")
    let corrupt = await #expect(throws: RegistryError.self) {
      try await Self.drain(source.openLayer(small))
    }
    #expect(corrupt?.code == .digestMismatch)
    #expect(corrupt?.reference.contains(small.digest.description) == true)

    // Corrupt manifest by digest, and a wrong Docker-Content-Digest by tag → digestMismatch.
    try reset()
    try arm("mode=corrupt&count=1&match=/manifests/sha256")
    var byDigest = ref
    byDigest.tag = nil
    byDigest.digest = try Digest(parsing: Self.plantedManifest)
    let badManifest = await #expect(throws: RegistryError.self) {
      try await client.fetchManifest(byDigest)
    }
    #expect(badManifest?.code == .digestMismatch)
    try arm("mode=baddigest&count=1&match=/manifests/latest")
    let badHeader = await #expect(throws: RegistryError.self) {
      try await client.fetchManifest(ref)
    }
    #expect(badHeader?.code == .digestMismatch)

    // Connections reset on every attempt (no progress) → network error after the budget.
    try reset()
    try arm("mode=reset&count=50&match=/blobs/\(small.digest)")
    let dropped = await #expect(throws: RegistryError.self) {
      try await Self.drain(source.openLayer(small))
    }
    #expect(dropped?.code == .network)
    #expect(try RegistryTestEnvironment.proxyStats(proxy).count == 4)  // maxAttempts

    // 307 to another origin (a CDN): followed, without our Authorization header.
    try reset()
    try arm("mode=redirect&count=1&match=/blobs/\(small.digest)")
    let redirected = RegistryImageSource(
      reference: ref,
      client: try Self.client(host) { $0.credential = .basic(username: "u", password: "p") })
    // Teach the client to send Basic auth to the registry host (as after a Basic challenge).
    await redirected.client.auth.remember(challenge: AuthChallenge(scheme: "Basic"), host: host)
    #expect(
      try await Self.drain(redirected.openLayer(small)) == (try Self.layoutBlob(small.digest)))
    stats = try RegistryTestEnvironment.proxyStats(proxy)
    #expect(stats.map(\.status) == [307, 200])
    #expect(stats.first?.auth == true)
    #expect(stats.last?.auth == false)
    #expect(stats.last?.host?.hasPrefix("localhost:") == true)
    await redirected.client.shutdown()

    // Nobody listening → network error after retries, naming the reference.
    let deadPort = try RegistryTestEnvironment.freePort()
    let dead = try Self.client("127.0.0.1:\(deadPort)")
    let refused = await #expect(throws: RegistryError.self) {
      try await dead.fetchManifest(try ImageReference(parsing: "127.0.0.1:\(deadPort)/x:1"))
    }
    #expect(refused?.code == .network)
    await dead.shutdown()
  }

  // MARK: - Cache: a fleet sharing a base downloads the shared layer once

  @Test func fleetSharingABaseFetchesSharedLayersOnce() async throws {
    let env = try RegistryTestEnvironment()
    defer { env.stop() }
    let port = try env.startRegistry()
    try env.push(to: "127.0.0.1:\(port)/fixtures/planted:latest")
    try env.push(tag: "bookworm-minbase", to: "127.0.0.1:\(port)/fixtures/base:latest")
    let proxy = try env.startFaultProxy(upstreamPort: port)
    let host = "127.0.0.1:\(proxy)"
    let cacheDir = try TemporaryDirectory()
    let cache = BlobCache(root: cacheDir.path)
    let fleet = ["\(host)/fixtures/base:latest", "\(host)/fixtures/planted:latest"]

    func pullFleet() async throws -> [Digest] {
      let client = try Self.client(host)
      var layers: [Digest] = []
      for text in fleet {
        let source = RegistryImageSource(
          reference: try ImageReference(parsing: text), client: client, cache: cache)
        let resolved = try await source.resolve()
        for layer in resolved.metadata.layers {
          let bytes = try await Self.drain(source.openLayer(layer))
          #expect(Self.sha256Hex(bytes) == layer.digest.hex)
          layers.append(layer.digest)
        }
      }
      await client.shutdown()
      return layers
    }

    let first = try await pullFleet()
    #expect(first.count == 3)
    #expect(Set(first).count == 2)  // the base layer is shared
    var blobGets = try RegistryTestEnvironment.proxyStats(proxy).filter {
      $0.method == "GET" && $0.path.contains("/blobs/")
    }
    // 2 configs + 2 distinct layers: the shared base layer was downloaded once.
    #expect(blobGets.count == 4)
    #expect(blobGets.filter { $0.path.contains(first[0].hex) }.count == 1)

    _ = try RegistryTestEnvironment.proxyControl(proxy, "/__reset")
    let second = try await pullFleet()
    #expect(second == first)
    let again = try RegistryTestEnvironment.proxyStats(proxy)
    blobGets = again.filter { $0.path.contains("/blobs/") }
    #expect(blobGets.isEmpty)
    #expect(again.allSatisfy { $0.method == "HEAD" })  // tags are re-checked, nothing else fetched
    let status = cache.status()
    #expect(status.entries == 2 + 2 + 2)  // manifests, configs, layers
    #expect(status.totalBytes > 58_000_000)
  }
}
