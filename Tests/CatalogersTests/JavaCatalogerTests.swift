import ByteFormats
import FileTrees
import Foundation
import TailguardModel
import TailguardTesting
import Testing

@testable import Catalogers

private let trivyJar = "pkgdb/trivy/pkg/dependency/parser/java/jar/testdata/"
private let trivyFanal = "pkgdb/trivy/pkg/fanal/analyzer/language/java/jar/testdata/"
private let syftJava = "pkgdb/syft/syft/pkg/cataloger/java/testdata/"
private let hasPython = FixtureProcess.which("python3") != nil
private let hasUnzip = FixtureProcess.which("unzip") != nil
private let hasJava = FixtureProcess.which("java") != nil

private func jarResolver(_ files: [String: String]) throws -> InMemoryFileResolver {
  InMemoryFileResolver(
    files: try files.mapValues {
      [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.path($0))))
    },
    selectors: JavaCataloger().selectors)
}

private func run(_ resolver: any FileResolver, limits: JavaCataloger.Limits = .init())
  -> CatalogResult
{
  JavaCataloger(limits: limits).catalog(resolver, context: CatalogContext())
}

private func coordinates(_ p: Package) -> String {
  guard case .java(let j) = p.metadata else { return "?" }
  return
    "\(j.archivePath.dropFirst().joined(separator: "!")) \(j.groupID ?? ""):\(j.artifactID ?? ""):\(p.version)"
}

/// Python's zipfile (an independent reader), recursing into nested archives: one line
/// `chain group:artifact:version` per distinct pom.properties coordinate of each archive.
private let pythonOracle = """
  import io, sys, zipfile
  def props(text):
      d = {}
      for line in text.splitlines():
          line = line.strip()
          if not line or line[0] in '#!': continue
          i = min([p for p in (line.find('='), line.find(':')) if p >= 0] or [len(line)])
          d[line[:i].strip()] = line[i+1:].strip()
      return d
  def walk(z, chain):
      seen = set()
      for n in z.namelist():
          if n.endswith('pom.properties') and (n == 'pom.properties' or n.endswith('/pom.properties')):
              d = props(z.read(n).decode('utf-8', 'replace'))
              c = (d.get('groupId'), d.get('artifactId'), d.get('version'))
              if all(c) and c not in seen:
                  seen.add(c)
                  print('!'.join(chain), ':'.join(c))
      for n in z.namelist():
          if n.lower().endswith(('.jar', '.war', '.ear', '.par', '.jpi', '.hpi')) and not n.endswith('/'):
              walk(zipfile.ZipFile(io.BytesIO(z.read(n))), chain + [n])
  walk(zipfile.ZipFile(sys.argv[1]), [])
  """

@Suite struct JavaCatalogerTests {
  @Test(
    "pom.properties coordinates at every depth agree with Python's zipfile",
    .enabled(if: Oracles.gate(hasPython), "python3 is not installed"),
    arguments: [
      trivyJar + "gradle.war", trivyJar + "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
      trivyJar + "io.quarkus.gizmo.gizmo-1.1.jar",
      trivyJar + "multi-license-1.0.0.jar", trivyJar + "nested.jar", trivyFanal + "test.par",
      "pkgdb/syft/cmd/syft/internal/test/integration/testdata/image-pkg-coverage/pkgs/java/example-java-app-maven-0.1.0.jar",
      "pkgdb/syft/cmd/syft/internal/test/integration/testdata/image-pkg-coverage/pkgs/java/example-jenkins-plugin.hpi",
    ])
  func agreesWithPythonZipfile(path: String) throws {
    let out = String(
      decoding: try FixtureProcess.run("python3", ["-c", pythonOracle, SharedData.path(path)]),
      as: UTF8.self)
    let expected = out.split(separator: "\n").map(String.init).sorted()
    let result = run(try jarResolver(["app/" + BinaryCatalogerSupport.basename(of: path): path]))
    let ours = result.packages.filter {
      if case .java(let j) = $0.metadata { return j.evidence == "pom.properties" }
      return false
    }.map(coordinates).sorted()
    #expect(!expected.isEmpty)
    #expect(ours == expected)
  }

  /// The brief's oracle for top-level archives: `unzip -p JAR 'META-INF/maven/*/pom.properties'`.
  @Test(
    "top-level Maven coordinates agree with unzip -p",
    .enabled(if: Oracles.gate(hasUnzip), "unzip is not installed"),
    arguments: [
      "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar", "io.quarkus.gizmo.gizmo-1.1.jar",
      "multi-license-1.0.0.jar",
    ])
  func agreesWithUnzip(name: String) throws {
    let out = String(
      decoding: try FixtureProcess.run(
        "unzip", ["-p", SharedData.path(trivyJar + name), "META-INF/maven/*/pom.properties"]),
      as: UTF8.self)
    // Concatenated properties files: each starts at its own comment or first key; group by artifactId order.
    var coords: [String] = []
    var current: [String: String] = [:]
    for line in out.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
      let kv = line.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else { continue }
      if current[kv[0]] != nil {
        coords.append("\(current["groupId"]!):\(current["artifactId"]!):\(current["version"]!)")
        current = [:]
      }
      current[kv[0]] = kv[1]
    }
    if !current.isEmpty {
      coords.append("\(current["groupId"]!):\(current["artifactId"]!):\(current["version"]!)")
    }
    let result = run(try jarResolver(["lib/" + name: trivyJar + name]))
    let topLevel = result.packages.filter {
      if case .java(let j) = $0.metadata { return j.archivePath.count == 1 }
      return false
    }
    #expect(Set(coords).isSubset(of: Set(topLevel.map { "\($0.name):\($0.version)" })))
    #expect(coords.count >= 1)
  }

  @Test func shadedJarRelationshipsAndPurls() throws {
    let result = run(
      try jarResolver(["lib/guava.jar": trivyJar + "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar"]))
    #expect(
      result.packages.map(\.purl.description) == [
        "pkg:maven/com.google.guava/failureaccess@1.0.1",
        "pkg:maven/com.google.guava/guava@29.0-jre",
        "pkg:maven/com.google.guava/listenablefuture@9999.0-empty-to-avoid-conflict-with-guava",
        "pkg:maven/com.google.j2objc/j2objc-annotations@1.3",
        "pkg:maven/org.apache.hadoop.thirdparty/hadoop-shaded-guava@1.1.0-SNAPSHOT",
      ])
    let own = try #require(
      result.packages.first { $0.name == "org.apache.hadoop.thirdparty:hadoop-shaded-guava" })
    // The file name here is guava.jar, so the own package is the first found; all others are contained by it.
    #expect(result.relationships.count == 4)
    #expect(Set(result.relationships.map(\.from)).count == 1)
    _ = own
  }

  @Test func nestedArchivesChainToTheirParents() throws {
    let result = run(try jarResolver(["opt/nested.jar": trivyJar + "nested.jar"]))
    #expect(
      result.packages.map(coordinates).sorted() == [
        " test:nested:0.0.1", "META-INF/jars/nested2.jar test:nested2:0.0.2",
        "META-INF/jars/nested2.jar!META-INF/jars/nested3.jar test:nested3:0.0.3",
      ])
    let byArtifact = Dictionary(uniqueKeysWithValues: result.packages.map { ($0.purl.name, $0.id) })
    #expect(
      result.relationships
        == [
          Relationship(from: byArtifact["nested"]!, to: byArtifact["nested2"]!, kind: .contains),
          Relationship(from: byArtifact["nested2"]!, to: byArtifact["nested3"]!, kind: .contains),
        ].sorted())
    #expect(result.packages.allSatisfy { $0.locations.map(\.path) == ["opt/nested.jar"] })
  }

  @Test func manifestAndFileNameFallbacks() throws {
    let result = run(
      try jarResolver([
        "a/heuristic-1.0.0-SNAPSHOT.jar": trivyJar + "heuristic-1.0.0-SNAPSHOT.jar",
        "a/test.jar": trivyJar + "test.jar",
        "a/license-from-jenkins-plugin.jar": trivyJar + "license-from-jenkins-plugin.jar",
      ]))
    let found = Dictionary(
      uniqueKeysWithValues: result.packages.map { p -> (String, String) in
        guard case .java(let j) = p.metadata else { return ("", "") }
        return (p.locations[0].path, "\(p.purl) \(j.evidence) \(p.licenses)")
      })
    #expect(
      found["a/heuristic-1.0.0-SNAPSHOT.jar"] == "pkg:maven/heuristic@1.0.0-SNAPSHOT filename []")
    #expect(found["a/test.jar"] == "pkg:maven/org.springframework/core@2.5.6.SEC03 MANIFEST.MF []")
    #expect(
      found["a/license-from-jenkins-plugin.jar"]
        == "pkg:maven/com.example/jenkins-plugin@1.0.0 MANIFEST.MF [\"Apache License, Version 2.0\", \"MIT License\"]"
    )
  }

  @Test(.enabled(if: Oracles.gate(PlantedLayerFixture.available), "planted image not available"))
  func plantedLog4jJars() throws {
    let result = run(try PlantedLayerFixture.resolver(selectors: JavaCataloger().selectors))
    let expected = try #require(
      try PlantedLayerFixture.expectedInventory["java"] as? [String: String])
    let ours = Dictionary(
      uniqueKeysWithValues: result.packages.map {
        ("/" + $0.locations[0].path, "\($0.name):\($0.version)")
      })
    for (path, coordinate) in expected where path.hasPrefix("/") {
      #expect(ours[path] == coordinate, "\(path)")
    }
    #expect(result.packages.count == 2)
  }

  /// syft's `pom.properties` samples, read the way `java.util.Properties` reads them (the JDK is the oracle).
  @Test(
    "pom.properties parsing agrees with java.util.Properties",
    .enabled(if: Oracles.gate(hasJava), "java is not installed"))
  func propertiesAgreeWithJava() throws {
    let dir = try TemporaryDirectory()
    let program = dir.file("P.java")
    try """
    import java.io.*; import java.util.*;
    public class P { public static void main(String[] a) throws Exception {
      for (String f : a) { Properties p = new Properties(); try (InputStream in = new FileInputStream(f)) { p.load(in); }
        for (String k : new TreeSet<>(p.stringPropertyNames())) System.out.println(f + "\\t" + k + "\\t" + p.getProperty(k)); } } }
    """.write(toFile: program, atomically: false, encoding: .utf8)
    let samples = try FileManager.default.contentsOfDirectory(
      atPath: SharedData.path(syftJava + "pom")
    )
    .filter { $0.hasSuffix(".pom.properties") }.sorted().map {
      SharedData.path(syftJava + "pom/" + $0)
    }
    #expect(samples.count == 5)
    let out = String(decoding: try FixtureProcess.run("java", [program] + samples), as: UTF8.self)
    var ours: [String] = []
    for file in samples {
      let props = JavaArchiveText.properties(try String(contentsOfFile: file, encoding: .utf8))
      ours += props.keys.sorted().map { "\(file)\t\($0)\t\(props[$0]!)" }
    }
    #expect(ours == out.split(separator: "\n").map(String.init))
  }

  /// syft's manifest samples, main section as `java.util.jar.Manifest` reads it.
  @Test(
    "manifest parsing agrees with java.util.jar.Manifest",
    .enabled(if: Oracles.gate(hasJava), "java is not installed"))
  func manifestsAgreeWithJava() throws {
    let dir = try TemporaryDirectory()
    let program = dir.file("M.java")
    try """
    import java.io.*; import java.util.*; import java.util.jar.*;
    public class M { public static void main(String[] a) throws Exception {
      for (String f : a) { Manifest m = new Manifest(); try (InputStream in = new FileInputStream(f)) { m.read(in); }
        TreeMap<String, String> t = new TreeMap<>();
        for (Map.Entry<Object, Object> e : m.getMainAttributes().entrySet()) t.put(e.getKey().toString().toLowerCase(), e.getValue().toString());
        for (Map.Entry<String, String> e : t.entrySet()) System.out.println(f + "\\t" + e.getKey() + "\\t" + e.getValue()); } } }
    """.write(toFile: program, atomically: false, encoding: .utf8)
    // `leading-space`, `extra-empty-lines` and `extra-info` have malformed later sections that
    // Java refuses outright; the main sections of the others are compared.
    let samples = ["continuation", "small", "standard-info", "version-with-date"]
      .map { SharedData.path(syftJava + "manifest/" + $0) }
    let out = String(decoding: try FixtureProcess.run("java", [program] + samples), as: UTF8.self)
    var ours: [String] = []
    for file in samples {
      let m = JavaArchiveText.manifestMainSection(try String(contentsOfFile: file, encoding: .utf8))
      ours += m.keys.sorted().map { "\(file)\t\($0)\t\(m[$0]!)" }
    }
    #expect(ours == out.split(separator: "\n").map(String.init))
  }

  /// Generated hostile archives: nesting deeper than the limit, a deflate bomb posing as a
  /// nested jar, a truncated central directory, and a total-budget overrun.
  @Test(.enabled(if: Oracles.gate(hasPython), "python3 is not installed"))
  func hostileArchives() throws {
    let dir = try TemporaryDirectory()
    try FixtureProcess.run(
      "python3",
      [
        "-c",
        """
        import io, sys, zipfile
        out = sys.argv[1]
        def jar(name, inner=None, depth=0):
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('META-INF/maven/g/a%d/pom.properties' % depth, 'groupId=g\\nartifactId=a%d\\nversion=1.%d\\n' % (depth, depth))
                if inner is not None:
                    z.writestr('lib/inner%d.jar' % (depth + 1), inner)
            return b.getvalue()
        data = None
        for d in range(11, -1, -1):
            data = jar('x', data, d)
        open(out + '/deep.jar', 'wb').write(data)
        b = io.BytesIO()
        with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr('META-INF/maven/g/bomb/pom.properties', 'groupId=g\\nartifactId=bomb\\nversion=1\\n')
            with z.open('lib/zeros.jar', 'w', force_zip64=True) as f:
                for _ in range(64):
                    f.write(b'PK\\x03\\x04' + b'\\0' * ((1 << 20) - 4))
        open(out + '/bomb.jar', 'wb').write(b.getvalue())
        """, dir.path,
      ])
    let deep = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file("deep.jar"))))
    let bomb = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file("bomb.jar"))))
    let truncated = Array(deep.prefix(deep.count / 2)) + Array(deep.suffix(22))
    let resolver = InMemoryFileResolver(
      files: ["deep.jar": deep, "bomb.jar": bomb, "truncated.jar": truncated],
      selectors: JavaCataloger().selectors)
    let result = run(resolver)
    // depth 0…8 are read (9 archives), deeper ones are reported.
    let deepPackages = result.packages.filter { $0.locations[0].path == "deep.jar" }
    #expect(deepPackages.map(\.purl.name).sorted() == (0...8).map { "a\($0)" }.sorted())
    #expect(
      result.diagnostics.contains { $0.code == "java.nesting-too-deep" && $0.path == "deep.jar" })
    #expect(result.packages.contains { $0.purl.name == "bomb" })
    #expect(
      result.diagnostics.contains { $0.code == "java.limit-exceeded" && $0.path == "bomb.jar" })
    #expect(
      result.diagnostics.contains { $0.code == "java.bad-archive" && $0.path == "truncated.jar" })
    // A small total budget stops reading nested archives once used up.
    let tight = run(resolver, limits: JavaCataloger.Limits(maxTotalInflated: 4_000))
    #expect(tight.packages.filter { $0.locations[0].path == "deep.jar" }.count < 9)
    #expect(tight.diagnostics.contains { $0.code == "java.budget-exceeded" })
  }

  @Test func fileNames() {
    #expect(
      JavaArchiveText.nameAndVersion(fromFileName: "log4j-core-2.19.0.jar") == (
        "log4j-core", "2.19.0"
      ))
    #expect(
      JavaArchiveText.nameAndVersion(fromFileName: "io.quarkus.gizmo.gizmo-1.1.jar") == (
        "io.quarkus.gizmo.gizmo", "1.1"
      ))
    #expect(JavaArchiveText.nameAndVersion(fromFileName: "app.jar") == ("app", nil))
  }
}

extension JavaCatalogerTests {
  /// Licenses from the pom.xml beside pom.properties: log4j 1.2.17 inside gradle.war declares
  /// one (checked with `unzip -p` and a regular expression); the commons jars inherit theirs
  /// from a parent POM that is not in the archive, so none is claimed.
  @Test func pomXMLLicenses() throws {
    let result = run(try jarResolver(["app/gradle.war": trivyJar + "gradle.war"]))
    let licenses = Dictionary(
      uniqueKeysWithValues: result.packages.map { ($0.purl.name, $0.licenses) })
    #expect(licenses["log4j"] == ["The Apache Software License, Version 2.0"])
    #expect(licenses["commons-compress"] == [])
    #expect(
      JavaArchiveText.pomLicenses(
        "<project><!-- <licenses><license><name>No</name></license></licenses> --><licenses>"
          + "<license><name> A &amp; B </name></license><license><name>MIT</name></license></licenses></project>"
      )
        == ["A & B", "MIT"])
  }
}
