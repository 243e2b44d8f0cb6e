import Foundation
import TailguardTesting
import Testing

@testable import SBOMFormats
@testable import TailguardModel

/// Counts what an independent reader (Python's json module) sees in a document: packages with
/// a purl, so the expectation is not computed by the code under test.
func pythonPurlCount(_ file: String, spdx: Bool) throws -> Int {
  let script =
    spdx
    ? "import json,sys;d=json.load(open(sys.argv[1]));print(sum(1 for p in d.get('packages',[]) if any(r.get('referenceType')=='purl' and not r.get('referenceLocator','').startswith('pkg:oci/') for r in p.get('externalRefs',[]))))"
    : "import json,sys\nd=json.load(open(sys.argv[1]))\nn=0\nq=list(d.get('components',[]))\nwhile q:\n c=q.pop()\n q+=c.get('components',[])\n n+= 1 if c.get('purl') and c.get('type') in ('library','framework','application','file') else 0\nprint(n)"
  let r = try OracleProcess.run("python3", ["-c", script, file])
  guard r.status == 0, let n = Int(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
    throw FixtureError("python count failed: \(r.output)")
  }
  return n
}

@Suite struct SBOMReaderTests {
  @Test(arguments: [
    ("sbom/ntia-testdata/SPDXSBOMExampleTests/chainguard.spdx.json", true),
    ("sbom/ntia-testdata/SPDXSBOMExampleTests/bom-alpine-3.15.spdx.json", true),
    ("pkgdb/syft/syft/format/spdxjson/testdata/spdx/alpine-3.10.syft.spdx.json", true),
    ("pkgdb/syft/syft/format/spdxjson/testdata/spdx/alpine-3.10.vendor.spdx.json", true),
    ("pkgdb/syft/syft/format/cyclonedxjson/testdata/identify/1.6.json", false),
    ("pkgdb/syft/syft/format/cyclonedxjson/testdata/identify/micronaut-1.6.json", false),
  ])
  func readsOtherToolsSBOMs(relative: String, spdx: Bool) throws {
    let file = SharedData.path(relative)
    let bom = try SBOMReader().read(path: file)
    let withPurl = bom.packages.filter { $0.purl.type != "generic" }
    #expect(withPurl.count == (try pythonPurlCount(file, spdx: spdx)))
    for p in withPurl { #expect(!p.name.isEmpty) }
  }

  @Test func alpineSPDXYieldsSourcePackagesAndDistro() throws {
    let bom = try SBOMReader().read(
      path: SharedData.path(
        "pkgdb/syft/syft/format/spdxjson/testdata/spdx/alpine-3.10.syft.spdx.json"))
    let apks = bom.packages.filter { $0.ecosystem == .apk }
    #expect(!apks.isEmpty)
    #expect(bom.distro?.id == "alpine")
    #expect(apks.allSatisfy { $0.source != nil })
  }

  @Test(arguments: [
    ("not json at all", SBOMFormatError.Code.unknownFormat),
    ("[1,2,3]", .unknownFormat),
    ("{\"hello\": 1}", .unknownFormat),
    ("{\"spdxVersion\": \"SPDX-3.0\"}", .unsupportedVersion),
    (String(repeating: "[", count: 100_000), .tooLarge),  // refused by depth before parsing
  ])
  func rejectsBadInput(text: String, code: SBOMFormatError.Code) {
    #expect {
      _ = try SBOMReader().read(data: Data(text.utf8), name: "bad.json")
    } throws: { ($0 as? SBOMFormatError)?.code == code }
  }

  @Test func toleratesWrongTypesAndBadPurls() throws {
    let text = """
      {"bomFormat":"CycloneDX","specVersion":"1.6","components":[
        {"type":"library","name":"x","version":7,"purl":"not-a-purl"},
        {"type":"library","name":"y","version":"1","purl":"pkg:pypi/y@1","licenses":"oops"},
        {"type":"library"},
        {"type":"library","name":"z","version":"2","purl":"pkg:npm/%40s/z@2","components":[{"type":"library","name":"n","version":"3","purl":"pkg:cargo/n@3"}]}
      ],"dependencies":[{"ref":"nope","dependsOn":[1,2]}]}
      """
    let bom = try SBOMReader().read(data: Data(text.utf8), name: "odd.json")
    #expect(bom.packages.map(\.name).sorted() == ["@s/z", "n", "x", "y"])
    #expect(bom.diagnostics.contains { $0.code == "sbom.bad-purl" })
  }

  @Test func refusesOversizedDocuments() {
    #expect(throws: SBOMFormatError.self) {
      _ = try SBOMReader(maxBytes: 10).read(
        data: Data("{\"bomFormat\":\"CycloneDX\"}".utf8), name: "big.json")
    }
  }
}

/// Components nested as deep as the reader's depth bound allows are read (the typed models
/// decode recursively), without exhausting the stack of the thread the test runs on.
@Suite struct SBOMReaderNestingTests {
  @Test func readsComponentsNestedToTheDepthLimit() throws {
    let levels = 120  // two JSON levels each (object and array): 240 of the 256 allowed
    var text = ""
    for i in 0..<levels {
      text +=
        #"{"type":"library","name":"p\#(i)","version":"1","purl":"pkg:pypi/p\#(i)@1","components":["#
    }
    text += String(repeating: "]}", count: levels)
    let doc = #"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["# + text + "]}"
    let bom = try SBOMReader().read(data: Data(doc.utf8), name: "deep.json")
    #expect(bom.packages.count == levels)
  }
}
