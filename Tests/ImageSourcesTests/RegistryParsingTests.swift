import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import ImageSources

/// The pure parts of the registry client: challenges, Docker config, Link, manifests
/// (`RetryPolicy` is tested in TailguardModelTests).
@Suite struct RegistryParsingTests {
  @Test func bearerChallengeAsDockerHubSendsIt() {
    let c = AuthChallenge.parse(
      #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
    )
    #expect(c.count == 1)
    #expect(c.first?.isBearer == true)
    #expect(c.first?.realm == "https://auth.docker.io/token")
    #expect(c.first?.service == "registry.docker.io")
    #expect(c.first?.scope == "repository:library/alpine:pull")
  }

  @Test func challengeWithCommaInScopeSpacesAndEscapes() {
    let c = AuthChallenge.parse(
      #"bearer  realm = "https://r.example/t?x=1" , scope="repository:a/b:pull,push" ,service=unquoted, error="insufficient_scope", note="say \"hi\"""#
    )
    #expect(c.count == 1)
    #expect(c[0].isBearer)
    #expect(c[0].realm == "https://r.example/t?x=1")
    #expect(c[0].scope == "repository:a/b:pull,push")
    #expect(c[0].service == "unquoted")
    #expect(c[0].parameters["error"] == "insufficient_scope")
    #expect(c[0].parameters["note"] == #"say "hi""#)
  }

  @Test func severalChallengesInOneHeader() {
    let c = AuthChallenge.parse(
      #"Basic realm="Registry Realm", Bearer realm="https://a/t",service="s""#)
    #expect(c.map(\.scheme) == ["Basic", "Bearer"])
    #expect(c[0].realm == "Registry Realm")
    #expect(c[1].service == "s")
  }

  @Test func hostileChallengesDoNotCrash() {
    for text in [
      "", ",,,", "Bearer", "Bearer realm=", #"Bearer realm="unterminated"#, "= = =", "Basic abc==",
      String(repeating: "a=b,", count: 5000),
    ] {
      _ = AuthChallenge.parse(text)
    }
    #expect(AuthChallenge.parse("Basic abc==").first?.isBasic == true)
  }

  @Test func dockerConfigAuthsIdentityTokenAndHelpers() throws {
    let json = """
      {"auths": {
        "https://index.docker.io/v1/": {"auth": "\(Data("hubuser:hub:pass".utf8).base64EncodedString())"},
        "127.0.0.1:5001": {"auth": "\(Data("alice:wonder".utf8).base64EncodedString())"},
        "ghcr.io": {"identitytoken": "refresh-123"}
      },
      "credHelpers": {"123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"}}
      """
    let config = try DockerConfigCredentials(parsing: Data(json.utf8), path: "config.json")
    #expect(
      try config.credential(forRegistry: "docker.io")
        == .basic(username: "hubuser", password: "hub:pass"))
    #expect(
      try config.credential(forRegistry: "127.0.0.1:5001")
        == .basic(username: "alice", password: "wonder"))
    #expect(try config.credential(forRegistry: "ghcr.io") == .identityToken("refresh-123"))
    #expect(try config.credential(forRegistry: "quay.io") == .anonymous)
    let error = #expect(throws: RegistryError.self) {
      try config.credential(forRegistry: "123.dkr.ecr.us-east-1.amazonaws.com")
    }
    #expect(error?.code == .configuration)
    #expect(error?.message.contains("credential helpers are not supported yet") == true)

    let store = try DockerConfigCredentials(parsing: Data(#"{"credsStore":"desktop"}"#.utf8))
    let storeError = #expect(throws: RegistryError.self) {
      try store.credential(forRegistry: "quay.io")
    }
    #expect(storeError?.message.contains("credential helpers are not supported yet") == true)

    #expect(throws: RegistryError.self) {
      try DockerConfigCredentials(parsing: Data(#"{"auths":{"x.io":{"auth":"%%%"}}}"#.utf8))
    }
  }

  @Test func linkHeaderNext() {
    let base = "http://127.0.0.1:5000/v2/planted/tags/list?n=2"
    #expect(
      RegistryClient.nextLink(#"</v2/planted/tags/list?last=b&n=2>; rel="next""#, base: base)
        == "http://127.0.0.1:5000/v2/planted/tags/list?last=b&n=2")
    #expect(RegistryClient.nextLink(#"<https://x/a>; rel="prev""#, base: base) == nil)
  }

  @Test func insecureRegistryOnlyForLoopback() {
    #expect(RegistryClientConfiguration.isLoopback("127.0.0.1:5000"))
    #expect(RegistryClientConfiguration.isLoopback("localhost"))
    #expect(RegistryClientConfiguration.isLoopback("[::1]:5000"))
    #expect(!RegistryClientConfiguration.isLoopback("registry.example.com:5000"))
    #expect(!RegistryClientConfiguration.isLoopback("127.0.0.1.nip.io"))
    #expect(!RegistryClientConfiguration.isLoopback("10.0.0.1"))
    let bad = RegistryClientConfiguration(insecureRegistries: ["ghcr.io"])
    #expect(throws: RegistryError.self) { try bad.validate() }
  }

  @Test(.enabled(if: Oracles.gate(SharedData.isAvailable))) func manifestOfTheSharedLayout() throws
  {
    let blobs = SharedData.path("images/built/oci-layout/blobs/sha256/")
    let hex = "76fa8eafdebb39ba069657275b0c93499d580450427ff5ad9fc0e9b23f992a50"
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: blobs + hex)))
    let digest = try Digest(parsing: "sha256:" + hex)
    #expect(try RegistryClient.sha256(bytes) == digest)
    let m = try RegistryManifest(bytes: bytes, digest: digest, contentType: nil, reference: "t")
    #expect(m.mediaType == RegistryMediaType.ociManifest)
    guard case .image(let config, let layers) = m.document else {
      Issue.record("not an image manifest")
      return
    }
    #expect(config.digest.hex == "6388c27d815d9991d2ba02287ee77fd11db307d92290d56563c481142ec1e568")
    #expect(layers.map(\.size) == [51_105_546, 7_475_761])
    let configBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: blobs + config.digest.hex)))
    let decoded = try ImageConfigParser.parse(configBytes)
    #expect(decoded.architecture == "amd64")
    #expect(decoded.diffIDs.count == 2)
    #expect(decoded.cmd == ["/bin/bash"])
  }

  @Test func indexPlatformSelectionAndSchema1Refusal() throws {
    let json = """
      {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:\(String(repeating: "a", count: 64))","size":1,"platform":{"os":"linux","architecture":"amd64"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:\(String(repeating: "b", count: 64))","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:\(String(repeating: "c", count: 64))","size":1,"platform":{"os":"unknown","architecture":"unknown"}}]}
      """
    let bytes = Array(json.utf8)
    let m = try RegistryManifest(
      bytes: bytes, digest: try RegistryClient.sha256(bytes), contentType: nil, reference: "t")
    #expect(m.isIndex)
    #expect(m.select(platform: .linuxAMD64)?.digest.hex.first == "a")
    #expect(
      m.select(platform: Platform(os: "linux", architecture: "arm64"))?.digest.hex.first == "b")
    #expect(
      m.select(platform: Platform(os: "linux", architecture: "arm64", variant: "v8"))?.digest.hex
        .first == "b")
    #expect(m.select(platform: Platform(os: "linux", architecture: "s390x")) == nil)

    let v1 = Array(#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}"#.utf8)
    #expect(throws: RegistryError.self) {
      try RegistryManifest(
        bytes: v1, digest: try RegistryClient.sha256(v1), contentType: nil, reference: "t")
    }
    for hostile in ["", "{", "[]", #"{"config":1}"#, #"{"manifests":{}}"#] {
      let b = Array(hostile.utf8)
      #expect(throws: RegistryError.self) {
        try RegistryManifest(
          bytes: b, digest: try RegistryClient.sha256(b), contentType: nil, reference: "t")
      }
    }
  }

  @Test func blobCacheVerifiesOnWriteAndEvictsLRU() throws {
    let dir = try TemporaryDirectory()
    var cache = BlobCache(root: dir.path, maxSize: 1000)
    let a = [UInt8](repeating: 1, count: 400)
    let b = [UInt8](repeating: 2, count: 400)
    let c = [UInt8](repeating: 3, count: 400)
    let da = try RegistryClient.sha256(a)
    let db = try RegistryClient.sha256(b)
    let dc = try RegistryClient.sha256(c)
    // Wrong digest: refused, nothing left behind.
    let wrong = #expect(throws: RegistryError.self) { try cache.store(a, digest: db) }
    #expect(wrong?.code == .digestMismatch)
    #expect(!cache.contains(db))
    try cache.store(a, digest: da)
    try cache.store(b, digest: db)
    // Make `a` older than `b`, then use `a`: now `b` is least recently used.
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -100)], ofItemAtPath: cache.path(for: db))
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -200)], ofItemAtPath: cache.path(for: da))
    #expect(try cache.read(da, limit: 1000) == a)
    try cache.store(c, digest: dc)  // 1200 > 1000: evicts b
    #expect(cache.contains(da))
    #expect(!cache.contains(db))
    #expect(cache.contains(dc))
    #expect(cache.status().entries == 2)
    #expect(cache.status().totalBytes == 800)
    cache.maxSize = 0
    #expect(cache.prune().count == 2)
    #expect(cache.status().entries == 0)
    #expect(
      (try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/tmp"))?.isEmpty ?? true)
  }
}
