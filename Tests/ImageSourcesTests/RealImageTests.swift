import ByteFormats
import FileTrees
import Foundation
import ImageSources
import TailguardModel
import TailguardTesting
import Testing

@Suite struct RealImageTests {
  @Test(.enabled(if: Oracles.gate(sharedData && hasPython), "shared data or python3 missing"))
  func plantedLayoutMatchesTarfileOracle() async throws {
    let source = OCILayoutSource(directory: plantedLayout, reference: .tag("planted"))
    let selectors = [
      FileSelector(.path("var/lib/dpkg/status")),
      FileSelector(.suffix(".jar"), magic: [FileSelector.zipMagic]),
    ]
    let (meta, stack) = try await readStack(source, selectors: selectors)
    #expect(meta.manifestDigest?.description == plantedDigest)
    #expect(meta.layers.count == 2)
    #expect(meta.platform == Platform.linuxAMD64)
    #expect(meta.tags == ["planted"])
    #expect(meta.layers.allSatisfy { $0.diffID != nil && $0.compression == .gzip })
    let expected = try SquashOracle.run(layout: plantedLayout, tag: "planted")
    let got = lines(stack)
    #expect(got.count == expected.count)
    #expect(got == expected)
    // Captured contents equal the bytes in the layer.
    let status = try #require(stack.contents(at: "/var/lib/dpkg/status"))
    let text = String(decoding: try status.readAll(limit: 1 << 20), as: UTF8.self)
    #expect(text.components(separatedBy: "\nPackage: ").count == 88)
    let jars = stack.paths(matching: selectors[1])
    #expect(jars.contains { $0.hasSuffix("log4j-core-2.19.0.jar") || $0.contains("log4j-core") })
    #expect(stack.location(of: "var/lib/dpkg/status").layerIndex == 0)
  }

  @Test(.enabled(if: Oracles.gate(sharedData && hasSkopeo), "shared data or skopeo missing"))
  func plantedDockerArchiveEqualsLayout() async throws {
    let tmp = try TemporaryDirectory()
    let archive = tmp.file("planted.tar")
    try FixtureProcess.run(
      "skopeo",
      [
        "copy", "--quiet", "oci:\(plantedLayout):planted",
        "docker-archive:\(archive):planted:latest",
      ])
    let (ociMeta, ociStack) = try await readStack(
      OCILayoutSource(directory: plantedLayout, reference: .tag("planted")))
    let target = try ImageTarget.parse("docker-archive:\(archive):planted:latest")
    #expect(target == .dockerArchive(path: archive, tag: "planted:latest"))
    let (dMeta, dStack) = try await readStack(try target.makeSource())
    #expect(dMeta.sourceKind == "docker-archive")
    #expect(dMeta.tags.contains { $0.hasSuffix("planted:latest") })
    #expect(dMeta.config.diffIDs == ociMeta.config.diffIDs)
    #expect(dMeta.layers.map(\.diffID) == ociMeta.layers.map(\.diffID))
    #expect(dMeta.config.env == ociMeta.config.env)
    #expect(dMeta.layers.map(\.createdBy) == ociMeta.layers.map(\.createdBy))
    #expect(lines(dStack) == lines(ociStack))
    #expect(dStack.count == ociStack.count)
  }

  @Test(.enabled(if: Oracles.gate(sharedData), "shared data missing"))
  func alpineGzippedDockerArchiveReads() async throws {
    let path = SharedData.path("images/trivy-fanal/alpine-310.tar.gz")
    guard case .dockerArchive = try ImageTarget.parse(path) else {
      Issue.record("not detected as a docker archive")
      return
    }
    let selector = FileSelector(.path("lib/apk/db/installed"))
    let release = FileSelector(.path("etc/alpine-release"))
    let (meta, stack) = try await readStack(
      DockerArchiveSource(path: path), selectors: [selector, release])
    #expect(meta.layers.count == 1)
    #expect(meta.platform?.architecture == "amd64")
    let rel = try #require(stack.contents(at: "etc/alpine-release"))
    #expect(String(decoding: try rel.readAll(limit: 100), as: UTF8.self) == "3.10.4\n")
    let db = String(
      decoding: try #require(stack.contents(at: "lib/apk/db/installed")).readAll(limit: 1 << 20),
      as: UTF8.self)
    #expect(db.components(separatedBy: "\nP:").count - 1 + (db.hasPrefix("P:") ? 1 : 0) == 14)
    #expect(db.contains("P:libcrypto1.1\nV:1.1.1d-r2"))
    // Oracle: the member count of the layer tar as listed by tar(1).
    let tarList = try FixtureProcess.run(
      "sh",
      [
        "-c",
        "tar -xzOf '\(path)' --wildcards '*/layer.tar' | tar -t | sed 's#^\\./##; s#/$##' | grep -v '^$' | sort -u | wc -l",
      ])
    let n =
      Int(String(decoding: tarList, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
      ?? -1
    #expect(stack.entries().count == n)
  }

  @Test(.enabled(if: Oracles.gate(sharedData), "shared data missing"))
  func trivyMalformedLayoutsGiveClearErrors() async throws {
    let base = SharedData.path("images/trivy-fanal")
    let cases: [(String, ImageSourceError.Code)] = [
      ("test_bad_index_json.oci", .malformed),
      ("test_index_json_dir.oci", .malformed),
      ("test_no_valid_manifests.oci", .malformed),
      ("test_invalid_oci_image.oci", .unsupported),
    ]
    for (name, code) in cases {
      do {
        _ = try await OCILayoutSource(directory: "\(base)/\(name)").image()
        Issue.record("\(name) was accepted")
      } catch let e as ImageSourceError {
        #expect(e.code == code, "\(name): \(e)")
        #expect(!e.message.isEmpty)
      }
    }
    // The valid one resolves by tag.
    let ok = try await OCILayoutSource(
      directory: "\(base)/test_image_tag.oci", reference: .tag("0.0.1")
    ).resolve()
    #expect(ok.manifestDigest?.hex.hasPrefix("afb744871f99") == true)
    do {
      _ = try OCILayoutSource(directory: "\(base)/test_image_tag.oci", reference: .tag("nope"))
        .resolve()
      Issue.record("unknown tag accepted")
    } catch {
      #expect(error.code == .notFound)
      #expect(error.message.contains("0.0.1"))
    }
  }

  @Test(.enabled(if: Oracles.gate(sharedData), "shared data missing"))
  func goContainerRegistryLayouts() async throws {
    let base = SharedData.path("images/go-containerregistry/pkg/v1/layout/testdata")
    let one = try OCILayoutSource(directory: "\(base)/test_index", reference: .tag("1")).resolve()
    #expect(one.manifestDigest?.hex.hasPrefix("eebff607b162") == true)
    #expect(one.layers.count >= 1)
    do {
      _ = try OCILayoutSource(directory: "\(base)/test_index", reference: .tag("2")).resolve()
      Issue.record("descriptor media type accepted")
    } catch { #expect(error.code == .unsupported) }
    // Nested OCI index and Docker manifest list.
    for tag in ["3", "4"] {
      do {
        let m = try OCILayoutSource(directory: "\(base)/test_index", reference: .tag(tag)).resolve()
        #expect(m.indexDigest != nil, "tag \(tag)")
        #expect(m.manifestDigest != nil)
      } catch {
        // An index without a linux/amd64 entry must say which platforms exist.
        #expect(error.code == .platformNotFound || error.code == .ambiguous, "tag \(tag): \(error)")
      }
    }
    do {
      _ = try OCILayoutSource(directory: "\(base)/test_index").resolve()
      Issue.record("ambiguous layout accepted")
    } catch { #expect(error.code == .ambiguous) }
    do {
      _ = try OCILayoutSource(directory: "\(base)/test_gc_image_unknown_mediatype").resolve()
      Issue.record("unknown media type accepted")
    } catch { #expect(error.code == .unsupported) }
    let single = try OCILayoutSource(directory: "\(base)/test_index_one_image").resolve()
    #expect(single.layers.count >= 1)
  }

  @Test(.enabled(if: Oracles.gate(sharedData), "shared data missing"))
  func goContainerRegistryTarballs() async throws {
    let base = SharedData.path("images/go-containerregistry/pkg/v1/tarball/testdata")
    let (hello, helloStack) = try await readStack(
      DockerArchiveSource(path: "\(base)/hello-world-v25.tar"))
    #expect(hello.layers.count == 1)
    #expect(helloStack.entry(at: "hello")?.kind == .regular)
    // Multi-image bundle: ambiguous without a tag, each image by tag.
    do {
      _ = try DockerArchiveSource(path: "\(base)/test_bundle.tar").resolve()
      Issue.record("bundle without tag accepted")
    } catch { #expect(error.code == .ambiguous) }
    let bundleManifest = try FixtureProcess.run(
      "tar", ["-xOf", "\(base)/test_bundle.tar", "manifest.json"])
    let tags =
      (try JSONSerialization.jsonObject(with: Data(bundleManifest)) as? [[String: Any]] ?? [])
      .flatMap { $0["RepoTags"] as? [String] ?? [] }
    #expect(tags.count >= 2)
    var configs = Set<String>()
    for tag in tags {
      let (m, _) = try await readStack(
        DockerArchiveSource(path: "\(base)/test_bundle.tar", tag: tag))
      configs.insert(m.configDigest?.description ?? "")
    }
    #expect(configs.count == 2)
    do {
      _ = try DockerArchiveSource(path: "\(base)/null_manifest.tar").resolve()
      Issue.record("null manifest accepted")
    } catch { #expect(error.code == .malformed) }
    // Legacy layout without manifest.json.
    let (legacy, legacyStack) = try await readStack(
      DockerArchiveSource(path: "\(base)/no_manifest.tar"))
    #expect(legacy.layers.count == 1)
    #expect(legacyStack.count > 1)
    // A layer.tar that is a symlink to another member.
    let (linked, _) = try await readStack(
      DockerArchiveSource(path: "\(base)/test_link.tar", tag: "bazel/v1/tarball:test_image_3"))
    #expect(linked.layers.count == 2)
    #expect(linked.layers.allSatisfy { $0.diffID != nil })
  }

  /// go-containerregistry's whiteout fixtures squash to the trees its own tests expect.
  @Test(.enabled(if: Oracles.gate(sharedData), "shared data missing"))
  func whiteoutFixturesSquash() async throws {
    let base = SharedData.path("images/go-containerregistry/pkg/v1/mutate/testdata")
    func tree(_ file: String) async throws -> [String] {
      let (_, stack) = try await readStack(DockerArchiveSource(path: "\(base)/\(file)"))
      return lines(stack)
    }
    #expect(try await tree("whiteout_image.tar") == ["bar.txt|0|4||0|0"])
    #expect(
      try await tree("overwritten_file.tar") == ["bar.txt|0|4||1|1", "foo.txt|2|0|bar.txt|0|1"])
    #expect(
      try await tree("whiteout_dir.tar") == [
        "a|5|0||3|3", "a/baz|0|0||3|3", "b|5|0||1|1", "b/bar|0|0||1|1",
      ])
  }
}
