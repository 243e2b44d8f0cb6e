import Foundation
import TailguardModel

/// Parses FIRST's EPSS CSV (`epss_scores-YYYY-MM-DD.csv[.gz]`):
///
/// ```
/// #model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000
/// cve,epss,percentile
/// CVE-1999-0001,0.00383,0.73075
/// ```
/// A missing or malformed comment header is a warning (rows still import without a date); a
/// column header other than `cve,epss,percentile` is an error and the file imports nothing,
/// because the columns could mean something else.
public struct EPSSParser: Sendable {
  public var maxRows = 2_000_000
  public init() {}

  public struct Output: Sendable {
    public var scores: [EPSSScore]
    public var diagnostics: [Diagnostic]
    public var modelVersion: String?
    /// `YYYY-MM-DD`.
    public var scoreDate: String?
  }

  public func parse(_ bytes: [UInt8], path: String) -> Output {
    var diags: [Diagnostic] = []
    var modelVersion: String?
    var scoreDate: String?
    var scores: [EPSSScore] = []
    var sawHeader = false
    var lineNumber = 0
    var start = 0
    let count = bytes.count
    while start < count {
      var end = start
      while end < count && bytes[end] != 0x0A { end += 1 }
      lineNumber += 1
      var lineEnd = end
      if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
      let line = String(decoding: bytes[start..<lineEnd], as: UTF8.self)
      start = end + 1
      if line.isEmpty { continue }
      if line.hasPrefix("#") {
        guard lineNumber == 1 else { continue }
        for field in line.dropFirst().split(separator: ",") {
          let kv = field.split(separator: ":", maxSplits: 1).map(String.init)
          guard kv.count == 2 else { continue }
          if kv[0] == "model_version" { modelVersion = kv[1] }
          if kv[0] == "score_date" {
            let date = String(kv[1].prefix(10))
            if KEVParser.isDate(date) {
              scoreDate = date
            } else {
              diags.append(
                Diagnostic(
                  .warning, code: "epss.bad-header",
                  "score_date '\(kv[1].prefix(40))' is not a date", source: "advisories",
                  path: path, line: lineNumber))
            }
          }
        }
        continue
      }
      if !sawHeader {
        sawHeader = true
        let cols = line.split(separator: ",").map {
          $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard cols == ["cve", "epss", "percentile"] else {
          diags.append(
            Diagnostic(
              .error, code: "epss.bad-header",
              "column header is '\(line.prefix(80))', expected 'cve,epss,percentile'; file not imported",
              source: "advisories", path: path, line: lineNumber))
          return Output(
            scores: [], diagnostics: diags, modelVersion: modelVersion, scoreDate: scoreDate)
        }
        continue
      }
      guard scores.count < maxRows else {
        diags.append(
          Diagnostic(
            .warning, code: "epss.limit", "more than \(maxRows) rows; the rest is ignored",
            source: "advisories", path: path, line: lineNumber))
        break
      }
      let cols = line.split(separator: ",", omittingEmptySubsequences: false)
      guard cols.count == 3, cols[0].hasPrefix("CVE-"), cols[0].utf8.count <= 64,
        let score = Double(cols[1]),
        let pct = Double(cols[2]), (0...1).contains(score), (0...1).contains(pct)
      else {
        diags.append(
          Diagnostic(
            .warning, code: "epss.bad-row",
            "row '\(line.prefix(80))' is not 'CVE-…,score,percentile' with values in 0…1; ignored",
            source: "advisories", path: path, line: lineNumber))
        continue
      }
      scores.append(EPSSScore(cveID: String(cols[0]), score: score, percentile: pct))
    }
    if modelVersion == nil || scoreDate == nil {
      diags.append(
        Diagnostic(
          .warning, code: "epss.bad-header",
          "missing '#model_version:…,score_date:…' header (model \(modelVersion ?? "unknown"), date \(scoreDate ?? "unknown"))",
          source: "advisories", path: path, line: 1))
    }
    if !sawHeader {
      diags.append(
        Diagnostic(
          .error, code: "epss.bad-header", "no 'cve,epss,percentile' column header",
          source: "advisories", path: path))
    }
    for i in scores.indices {
      scores[i].modelVersion = modelVersion
      scores[i].scoreDate = scoreDate
    }
    scores.sort()
    return Output(
      scores: scores, diagnostics: diags, modelVersion: modelVersion, scoreDate: scoreDate)
  }
}
