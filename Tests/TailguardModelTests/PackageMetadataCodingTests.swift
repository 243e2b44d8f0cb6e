import Foundation
import Testing

@testable import TailguardModel

/// Package metadata in JSON: one key naming the record type, the record as its value; every
/// case survives a round trip, and objects with no or several type keys are refused.
@Suite struct PackageMetadataCodingTests {
  static let all: [PackageMetadata] = [
    .none,
    .dpkg(DpkgMetadata(architecture: "amd64", installedSize: 12, files: ["usr/bin/x"])),
    .apk(ApkMetadata(architecture: "x86_64", origin: "busybox", files: ["bin/busybox"])),
    .rpm(RpmMetadata(epoch: 1, version: "3.0.7", release: "27.el9", sourceRpm: "openssl.src.rpm")),
    .python(PythonMetadata(format: "dist-info", summary: "HTTP", files: ["a/b.py"])),
    .npm(NpmMetadata(description: "semver", isPrivate: true)),
    .goModule(
      GoModuleMetadata(goVersion: "go1.22.1", buildSettings: [KeyValue("CGO_ENABLED", "0")])),
    .rust(RustMetadata(source: "crates.io", kind: "runtime")),
    .java(
      JavaMetadata(
        groupID: "org.x", artifactID: "y", archivePath: ["a.war"], evidence: "pom.properties")),
  ]

  @Test func roundTripsEveryCase() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    for m in Self.all {
      let data = try encoder.encode(m)
      #expect(try JSONDecoder().decode(PackageMetadata.self, from: data) == m)
      let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      #expect(object.count == 1)
      // The record itself is the value: no `_0` wrapper.
      let record = try #require(object.values.first as? [String: Any])
      #expect(record["_0"] == nil)
    }
    let dpkg = String(decoding: try encoder.encode(Self.all[1]), as: UTF8.self)
    #expect(
      dpkg == #"{"dpkg":{"architecture":"amd64","files":["usr\/bin\/x"],"installedSize":12}}"#)
    #expect(
      String(decoding: try encoder.encode(PackageMetadata.none), as: UTF8.self) == #"{"none":{}}"#)
  }

  @Test func refusesZeroOrSeveralTypes() {
    for bad in [#"{}"#, #"{"dpkg":{"files":[]},"apk":{"files":[]}}"#, #"{"deb":{}}"#, #"[]"#] {
      #expect(throws: DecodingError.self, "\(bad)") {
        try JSONDecoder().decode(PackageMetadata.self, from: Data(bad.utf8))
      }
    }
  }
}
