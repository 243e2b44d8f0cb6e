import Foundation
import TailguardTesting

/// Versions that occur in real data under ../shared/data: installed packages, advisory ranges
/// (`affected[].ranges[].events`, `affected[].versions`), vunnel's normalised fixed versions,
/// and the upstream vector files.
enum RealVersions {
  /// Every string value under an OSV `events` entry or `versions` list in the JSON files below
  /// `relative` (recursively), at most `limit` files.
  static func osv(_ relative: String, limit: Int = 5000) -> [String] {
    var result: [String] = []
    for file in jsonFiles(relative).prefix(limit) {
      guard let data = FileManager.default.contents(atPath: file),
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let affected = json["affected"] as? [[String: Any]]
      else { continue }
      for a in affected {
        for range in a["ranges"] as? [[String: Any]] ?? [] {
          for event in range["events"] as? [[String: Any]] ?? [] {
            for (_, v) in event { if let s = v as? String { result.append(s) } }
          }
        }
        for v in a["versions"] as? [String] ?? [] { result.append(v) }
      }
    }
    return unique(result)
  }

  /// vunnel snapshot records: `{"Version": …, "VersionFormat": format}` objects.
  static func vunnel(format: String) -> [String] {
    var result: [String] = []
    func walk(_ value: Any) {
      if let object = value as? [String: Any] {
        if let f = object["VersionFormat"] as? String, f == format,
          let v = object["Version"] as? String,
          v != "None"
        {
          result.append(v)
        }
        object.values.forEach(walk)
      } else if let array = value as? [Any] {
        array.forEach(walk)
      }
    }
    for file in jsonFiles("vunnel") {
      guard let data = FileManager.default.contents(atPath: file),
        let json = try? JSONSerialization.jsonObject(with: data)
      else { continue }
      walk(json)
    }
    return unique(result)
  }

  /// Fixed versions (the `secfixes` keys) of the Alpine secdb YAML files.
  static func secdb() -> [String] {
    let root = SharedData.path("advisories/alpine-secdb")
    guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
    var result: [String] = []
    while let p = e.nextObject() as? String {
      guard p.hasSuffix(".yaml"),
        let text = try? String(contentsOfFile: root + "/" + p, encoding: .utf8)
      else { continue }
      for line in text.split(separator: "\n")
      where line.hasPrefix("        ") && line.hasSuffix(":") {
        let key = line.trimmingCharacters(in: .whitespaces).dropLast()
        if let first = key.first, first.isNumber { result.append(String(key)) }
      }
    }
    return unique(result.sorted())
  }

  /// A column of a tab-separated file (0-based), skipping `#` lines.
  static func column(_ relative: String, _ columns: [Int]) -> [String] {
    guard let text = try? String(contentsOfFile: SharedData.path(relative), encoding: .utf8) else {
      return []
    }
    var result: [String] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      for c in columns where c < fields.count { result.append(String(fields[c])) }
    }
    return unique(result)
  }

  /// rpm `EPOCH VERSION RELEASE` columns of `rpm -qa` output as `[E:]V-R`.
  static func rpmQA() -> [String] {
    var result: [String] = []
    for name in [
      "rpmdb-cbl-mariner-2.0.rpm-qa.tsv", "rpmdb-libuuid.rpm-qa.tsv",
      "rpmdb-syft-redhat-Packages.rpm-qa.tsv",
    ] {
      guard
        let text = try? String(
          contentsOfFile: SharedData.path("pkgdb/expected/" + name), encoding: .utf8)
      else { continue }
      for line in text.split(separator: "\n") {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count >= 4 else { continue }
        result.append((f[1] == "0" || f[1].isEmpty ? "" : f[1] + ":") + f[2] + "-" + f[3])
        result.append(f[2])
      }
    }
    return unique(result)
  }

  static func jsonFiles(_ relative: String) -> [String] {
    let root = SharedData.path(relative)
    guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
    var files: [String] = []
    while let p = e.nextObject() as? String {
      if p.hasSuffix(".json") { files.append(root + "/" + p) }
    }
    return files.sorted()
  }

  static func unique(_ values: [String]) -> [String] {
    var seen = Set<String>()
    return values.filter { !$0.isEmpty && seen.insert($0).inserted }
  }
}
