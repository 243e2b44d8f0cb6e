import ByteFormats
import Catalogers
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@Suite struct OSReleaseDetectorTests {
  static let root = SharedData.path("pkgdb/syft/syft/linux/testdata")

  static func detect(_ tree: String) throws -> Distro? {
    let resolver = try InMemoryFileResolver.loading(
      directory: root + "/" + tree, selectors: OSReleaseDetector.selectors)
    return OSReleaseDetector().detect(resolver).distro
  }

  /// Expected `id versionID` per fixture tree, read off the files by hand.
  static let expectations: [(String, String?)] = [
    ("os/alpine", "alpine 3.11.6"),
    ("os/amazon", "amzn 2"),
    ("os/arch", "arch"),
    ("os/busybox", "busybox 1.31.1"),
    ("os/centos", "centos 8"),
    ("os/centos5", "centos 5.7"),
    ("os/centos6", "centos 6"),
    ("os/custom", "scientific 8"),
    ("os/empty", nil),
    ("os/fedora", "fedora 36"),
    ("os/mariner", "mariner 1.0"),
    ("os/opensuse-leap", "opensuse-leap 15.2"),
    ("os/oraclelinux", "ol 8.3"),
    ("os/photon", "photon 2.0"),
    ("os/sles", "sles 15.2"),
    ("os/ubuntu", "ubuntu 20.04"),
    ("os/wolfi", "wolfi 20220914"),
    ("os/almalinux/from-os-release", "almalinux 8.4"),
    ("os/almalinux/from-redhat-release", "almalinux 8.10"),
    // Distroless Debian: os-release without VERSION_ID, debian_version "10.8".
    ("os/debian/from-debian_version", "debian 10"),
    ("os/debian/from-os-release", "debian 8"),
    ("os/debian/with-point-release", "debian 13"),
    ("os/redhat/from-os-release", "rhel 7.3"),
    ("os/redhat/from-redhat-release", "rhel 8.10"),
    ("os/rockylinux/from-os-release", "rocky 8.4"),
    ("os/rockylinux/from-redhat-release", "rocky 8.10"),
    ("os/scientific/from-os-release", "scientific 7.5"),
    ("os/scientific/from-redhat-release", "scientific 7.9"),
    ("partial-fields/missing-id", "debian 8"),  // from ID_LIKE, with an info diagnostic
    ("partial-fields/missing-version", "debian"),
    ("partial-fields/unknown-id", "my-awesome-distro 8"),
  ]

  @Test func everyFixtureTreeIsRecognised() throws {
    for (tree, expected) in Self.expectations {
      let distro = try Self.detect(tree)
      let got = distro.map { [$0.id, $0.versionID].compactMap { $0 }.joined(separator: " ") }
      #expect(got == expected, "\(tree)")
    }
  }

  @Test func allFortyTwoFilesParseWithoutCrashing() throws {
    let fm = FileManager.default
    let files = (fm.enumerator(atPath: Self.root)?.allObjects as? [String] ?? []).filter {
      var isDir: ObjCBool = false
      return fm.fileExists(atPath: Self.root + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
    }
    #expect(files.count == 42)
    var unrecognised: [String] = []
    for file in files.sorted() {
      let text = String(
        decoding: try Data(contentsOf: URL(fileURLWithPath: Self.root + "/" + file)), as: UTF8.self)
      // Every file is offered to every reader, the way a hostile image could.
      let resolver = InMemoryFileResolver(
        files: [
          "etc/os-release": Array(text.utf8), "etc/redhat-release": Array(text.utf8),
          "etc/system-release-cpe": Array(text.utf8),
        ],
        selectors: OSReleaseDetector.selectors)
      if OSReleaseDetector().detect(resolver).distro == nil { unrecognised.append(file) }
    }
    // Not release files of those kinds: the broken CPE, .gitignore files, the BusyBox binary,
    // bare debian_version numbers, and the empty os-release.
    #expect(
      unrecognised == [
        "bad-system-release-cpe", "os/busybox/.gitignore", "os/busybox/bin/.gitignore",
        "os/busybox/bin/busybox",
        "os/debian/from-debian_version/etc/debian_version",
        "os/debian/with-point-release/etc/debian_version",
        "os/empty/etc/os-release",
      ])
  }

  @Test func sampleFieldsCheckedByHand() throws {
    let ubuntu = try #require(try Self.detect("os/ubuntu"))
    #expect(ubuntu.versionCodename == "focal")
    #expect(ubuntu.prettyName == "Ubuntu 20.04 LTS")
    #expect(ubuntu.idLike == ["debian"])
    let centos5 = try #require(try Self.detect("os/centos5"))
    #expect(centos5.versionCodename == "Final")
    #expect(centos5.prettyName == "CentOS release 5.7 (Final)")
    let fedora = try #require(try Self.detect("os/fedora"))
    #expect(fedora.versionCodename == nil)  // VERSION_CODENAME=""
    let trixie = try #require(try Self.detect("os/debian/with-point-release"))
    #expect(trixie.versionCodename == "trixie")
    // The loose files: CRLF line ends, a broken CPE, a redhat-release without a dotted version.
    let crlf = OSReleaseDetector.parseOSRelease(
      String(
        decoding: try Data(contentsOf: URL(fileURLWithPath: Self.root + "/unprintable")),
        as: UTF8.self))
    #expect(crlf["ID"] == "debian")
    #expect(crlf["VERSION_ID"] == "8")
    #expect(crlf["PRETTY_NAME"] == "Debian GNU/Linux 8 (jessie)")
    let badCPE = InMemoryFileResolver(
      files: ["etc/system-release-cpe": Array("cpe:/o:centos:6:GA".utf8)],
      selectors: OSReleaseDetector.selectors)
    #expect(OSReleaseDetector().detect(badCPE).distro == nil)
  }

  @Test func quotingAndEscapes() {
    let fields = OSReleaseDetector.parseOSRelease(
      "# comment\nNAME='Single Quoted'\nPRETTY_NAME=\"A \\\"quoted\\\" name\"\nID=plain\n=novalue\nBAD KEY=x\nEMPTY=\n"
    )
    #expect(
      fields == [
        "NAME": "Single Quoted", "PRETTY_NAME": "A \"quoted\" name", "ID": "plain", "EMPTY": "",
      ])
  }

  @Test func distrolessDetection() throws {
    let osRelease = Array("ID=debian\nVERSION_ID=\"12\"\n".utf8)
    let status = Array("Package: base-files\nVersion: 12.4\n".utf8)
    let distroless = InMemoryFileResolver(
      files: ["etc/os-release": osRelease, "var/lib/dpkg/status.d/base-files": status],
      selectors: OSReleaseDetector.selectors)
    #expect(OSReleaseDetector().detect(distroless).distro?.distroless == true)
    let withShell = InMemoryFileResolver(
      files: ["etc/os-release": osRelease, "var/lib/dpkg/status": status, "bin/dash": [0x7F]],
      symlinks: ["bin/sh": "dash"],
      selectors: OSReleaseDetector.selectors)
    #expect(OSReleaseDetector().detect(withShell).distro?.distroless == false)
    // No shell but dpkg is there (a shell-less image built with a package manager).
    let withDpkg = InMemoryFileResolver(
      files: ["etc/os-release": osRelease, "var/lib/dpkg/status": status, "usr/bin/dpkg": [0x7F]],
      selectors: OSReleaseDetector.selectors)
    #expect(OSReleaseDetector().detect(withDpkg).distro?.distroless == false)
    // No package database at all: a scratch image with an os-release file is not "distroless".
    let scratch = InMemoryFileResolver(
      files: ["etc/os-release": osRelease], selectors: OSReleaseDetector.selectors)
    #expect(OSReleaseDetector().detect(scratch).distro?.distroless == false)
  }

  @Test func osReleaseSymlinkAndPrecedence() throws {
    // etc/os-release → ../usr/lib/os-release (the usual layout), plus a stale debian_version.
    let resolver = InMemoryFileResolver(
      files: [
        "usr/lib/os-release": Array("ID=ubuntu\nVERSION_ID=\"22.04\"\n".utf8),
        "etc/debian_version": Array("bookworm/sid\n".utf8),
      ], symlinks: ["etc/os-release": "../usr/lib/os-release"],
      selectors: OSReleaseDetector.selectors)
    let distro = try #require(OSReleaseDetector().detect(resolver).distro)
    #expect(distro.id == "ubuntu")
    #expect(distro.versionID == "22.04")
  }
}
