import Testing

@testable import TailguardModel

@Suite struct ImageReferenceTests {
  @Test(arguments: [
    ("alpine", "docker.io", "library/alpine", nil as String?, false),
    ("alpine:3.19", "docker.io", "library/alpine", "3.19", false),
    ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", false),
    ("index.docker.io/library/nginx", "docker.io", "library/nginx", nil, false),
    ("localhost/foo", "localhost", "foo", nil, false),
    ("localhost:5000/foo/bar:v1", "localhost:5000", "foo/bar", "v1", false),
    ("127.0.0.1:5000/planted:latest", "127.0.0.1:5000", "planted", "latest", false),
    ("ghcr.io/org/a_b__c-d---e/x.y:1.0-rc_1", "ghcr.io", "org/a_b__c-d---e/x.y", "1.0-rc_1", false),
    ("[::1]:5000/repo:tag", "[::1]:5000", "repo", "tag", false),
    ("Registry/repo", "Registry", "repo", nil, false),
  ])
  func parses(text: String, registry: String, repository: String, tag: String?, _: Bool) throws {
    let ref = try ImageReference(parsing: text)
    #expect(ref.registry == registry)
    #expect(ref.repository == repository)
    #expect(ref.tag == tag)
    #expect(ref.original == text)
  }

  @Test func digestAndTag() throws {
    let hex = String(repeating: "ab", count: 32)
    let ref = try ImageReference(parsing: "python:3.11@sha256:\(hex)")
    #expect(ref.tag == "3.11")
    #expect(ref.digest?.hex == hex)
    #expect(ref.manifestReference == "sha256:\(hex)")
    #expect(ref.familiar == "python:3.11@sha256:\(hex)")
    #expect(ref.description == "docker.io/library/python:3.11@sha256:\(hex)")
  }

  @Test(arguments: [
    "", "repo/UPPER", "a//b", "-leading/x", "repo:", "repo:-bad", "repo@sha256:short",
    "repo@md5:0123456789abcdef0123456789abcdef", "has space", "repo:" + String(repeating: "t", count: 129),
    "host:99999x/repo", "a/b_/c", "a/b.-c",
  ])
  func rejects(text: String) {
    #expect(throws: ModelError.self) { try ImageReference(parsing: text) }
  }

  @Test func apiHostForDockerHub() throws {
    #expect(try ImageReference(parsing: "alpine").apiHost == "registry-1.docker.io")
    #expect(try ImageReference(parsing: "quay.io/x/y").apiHost == "quay.io")
  }
}
