import Foundation
import TailguardModel

/// Filters of the dashboard's image table (`GET /images?…`).
public struct DashboardImageQuery: Sendable, Hashable {
  /// `head`, `tail`, `retired`, or `none` (no usage known).
  public var segment: String?
  /// Only images with an open finding at least this severe.
  public var severity: Severity?
  /// Only images with an open known-exploited finding.
  public var kev = false
  /// A substring of the reference or the digest (case-insensitive).
  public var search: String?
  public init() {}
}

/// One row of the image table: the image, where it stands in the fleet, its open findings.
public struct DashboardImageRow: Sendable, Hashable, Codable {
  public var digest: String
  public var reference: String
  public var status: String
  public var segment: String?
  public var indexedAt: String?
  public var packages: Int
  public var replicas = 0
  public var workloads = 0
  /// Open findings by severity (`critical`, `high`, `medium`, `low`, and `other`).
  public var bySeverity: [String: Int] = [:]
  public var kev = 0
  public var fixable = 0
  /// Whether every workload names the image by digest; nil when no workload runs it.
  public var pinned: Bool?
  public var openFindings: Int { bySeverity.values.reduce(0, +) }
}

/// An image as the long-tail chart ranks it.
public struct DashboardRanked: Sendable, Hashable {
  public var digest: String
  public var reference: String
  public var segment: String
  public var replicas: Int
  public var findings: Int
}

/// Everything the overview page shows, read in one go.
public struct DashboardOverview: Sendable {
  public var summary: FleetLiveSummary
  public var sla: SLAReport
  /// Head and tail images, most used first (ties by digest: the store's own ranking).
  public var ranked: [DashboardRanked]
  /// Open findings by segment (`head`, `tail`, `none`) and severity.
  public var severityBySegment: [String: [String: Int]]
  public var totalImages: Int
}

/// One image's page: identity, usage, findings, history, and its SBOM when stored.
public struct DashboardImageDetail: Sendable {
  public var image: ImageSummary
  public var segment: String?
  public var source: String?
  public var usage: [UsageEntry]
  public var findings: [FindingRecord]
  public var history: [HistoryEvent]
  public var sbom: SoftwareBOM?
}

/// One vulnerability in one image, as the finding page lists it.
public struct DashboardFindingRow: Sendable, Hashable {
  public var digest: String
  public var reference: String
  public var segment: String?
  public var state: String
  public var severity: String
  public var kev: Bool
  public var fixedVersion: String?
  public var packages: [String]
  public var summary: String?
  public var firstSeen: String
  public var fixedAt: String?
  public var slaDue: String?
  public var slaState: String?
}

/// The reads the dashboard needs beyond the API's (`ServerStore`): aggregates per image for the
/// table and the charts, and one vulnerability across the fleet.
public protocol DashboardStore: ServerStore {
  func dashboardOverview(now: Date) throws -> DashboardOverview
  func dashboardImages(_ query: DashboardImageQuery, limit: Int, after: String?) throws -> Page<
    DashboardImageRow
  >
  func dashboardImage(digest: String) throws -> DashboardImageDetail?
  func dashboardImageCount() throws -> Int
  func dashboardFinding(vulnerabilityID: String, now: Date, limit: Int) throws
    -> [DashboardFindingRow]
}

extension SQLServerStore: DashboardStore {
  public func dashboardOverview(now: Date) throws -> DashboardOverview {
    let summary = try fleetSummary(now: now)
    let sla = try slaReport(now: now, limit: 20)
    return try read { db in
      // One pass over the open findings, per image and severity; the ranking and the segments'
      // severities are summed from it here (each aggregate in SQL would be another pass).
      var counts: [String: [String: Int]] = [:]
      for row in try db.query(
        "SELECT digest, severity, COUNT(*) AS n FROM finding WHERE state = 'open' GROUP BY digest, severity"
      ) {
        counts[try row.string("digest"), default: [:]][try row.string("severity")] = try row.int(
          "n")
      }
      var replicas: [String: Int] = [:]
      for row in try db.query(
        "SELECT digest, SUM(replicas) AS r FROM image_usage GROUP BY digest")
      {
        replicas[try row.string("digest")] = row.optionalInt("r") ?? 0
      }
      var ranked: [DashboardRanked] = []
      var bySegment: [String: [String: Int]] = [:]
      var total = 0
      for row in try db.query("SELECT digest, reference, segment FROM image") {
        total += 1
        let digest = try row.string("digest")
        let segment = row.optionalString("segment")
        guard segment != "retired" else { continue }
        let severities = counts[digest] ?? [:]
        for (severity, n) in severities {
          bySegment[segment ?? "none", default: [:]][severity, default: 0] += n
        }
        if let segment, segment == "head" || segment == "tail" {
          ranked.append(
            DashboardRanked(
              digest: digest, reference: try row.string("reference"), segment: segment,
              replicas: replicas[digest] ?? 0, findings: severities.values.reduce(0, +)))
        }
      }
      ranked.sort { ($0.replicas, $1.digest) > ($1.replicas, $0.digest) }
      return DashboardOverview(
        summary: summary, sla: sla, ranked: ranked, severityBySegment: bySegment,
        totalImages: total)
    }
  }

  public func dashboardImages(_ query: DashboardImageQuery, limit: Int, after: String?) throws
    -> Page<DashboardImageRow>
  {
    try read { db in
      var clauses = ["i.digest > ?"]
      var args: [SQLValue] = [.text(after ?? "")]
      switch query.segment {
      case nil: break
      case "none": clauses.append("i.segment IS NULL")
      case let segment?:
        clauses.append("i.segment = ?")
        args.append(.text(segment))
      }
      if let severity = query.severity {
        // A set from the index on (state, severity_rank): severe findings are few, so this
        // reads them once (76 ms at 10,000 images) where a probe per image read every finding
        // of the images it passed (1 s when few images match).
        clauses.append(
          """
          i.digest IN (SELECT f.digest FROM finding f WHERE f.state = 'open'
            AND f.severity_rank >= ?)
          """)
        args.append(.int(Int64(severity.rank)))
      }
      if query.kev {
        clauses.append(
          "EXISTS (SELECT 1 FROM finding f WHERE f.digest = i.digest AND f.state = 'open' AND f.kev = 1)"
        )
      }
      if let search = query.search?.lowercased(), !search.isEmpty {
        let escaped =
          search.replacingOccurrences(of: "\\", with: "\\\\")
          .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        clauses.append(
          "(LOWER(i.reference) LIKE ? ESCAPE '\\' OR LOWER(i.digest) LIKE ? ESCAPE '\\')")
        args += [.text("%\(escaped)%"), .text("%\(escaped)%")]
      }
      args.append(.int(Int64(limit + 1)))
      var rows = try db.query(
        """
        SELECT i.digest AS digest, i.reference AS reference, i.status AS status,
          i.segment AS segment, i.indexed_at AS indexed_at, i.package_count AS package_count
        FROM image i WHERE \(clauses.joined(separator: " AND "))
        ORDER BY i.digest LIMIT ?
        """, args
      ).map { row in
        DashboardImageRow(
          digest: try row.string("digest"), reference: try row.string("reference"),
          status: try row.string("status"), segment: row.optionalString("segment"),
          indexedAt: row.optionalString("indexed_at"),
          packages: row.optionalInt("package_count") ?? 0)
      }
      let next = rows.count > limit ? rows[limit - 1].digest : nil
      rows = Array(rows.prefix(limit))
      guard !rows.isEmpty else { return Page(items: [], next: nil) }
      // Aggregates for this page's images only: a page costs its rows, not the fleet.
      var index: [String: Int] = [:]
      for (i, r) in rows.enumerated() { index[r.digest] = i }
      let marks = Array(repeating: "?", count: rows.count).joined(separator: ",")
      let digests = rows.map { SQLValue.text($0.digest) }
      for row in try db.query(
        """
        SELECT digest, severity, kev, fixable, COUNT(*) AS n FROM finding
        WHERE state = 'open' AND digest IN (\(marks))
        GROUP BY digest, severity, kev, fixable
        """, digests)
      {
        guard let i = index[try row.string("digest")] else { continue }
        let n = try row.int("n")
        let severity = try row.string("severity")
        let key = ["critical", "high", "medium", "low"].contains(severity) ? severity : "other"
        rows[i].bySeverity[key, default: 0] += n
        if try row.bool("kev") { rows[i].kev += n }
        if try row.bool("fixable") { rows[i].fixable += n }
      }
      for row in try db.query(
        """
        SELECT digest, SUM(replicas) AS replicas, COUNT(*) AS workloads,
          SUM(CASE WHEN reference LIKE '%@sha256:%' THEN 0 ELSE 1 END) AS unpinned
        FROM image_usage WHERE digest IN (\(marks)) GROUP BY digest
        """, digests)
      {
        guard let i = index[try row.string("digest")] else { continue }
        rows[i].replicas = row.optionalInt("replicas") ?? 0
        rows[i].workloads = row.optionalInt("workloads") ?? 0
        rows[i].pinned = (row.optionalInt("unpinned") ?? 0) == 0
      }
      return Page(items: rows, next: next)
    }
  }

  public func dashboardImageCount() throws -> Int {
    try read { db in try db.one("SELECT COUNT(*) AS n FROM image")?.int("n") ?? 0 }
  }

  public func dashboardImage(digest: String) throws -> DashboardImageDetail? {
    guard let image = try image(digest: digest) else { return nil }
    var all = FindingQuery()
    all.state = nil
    all.digest = digest
    let findings = try self.findings(all, limit: 2000, after: nil).items
    let history = try self.history(digest: digest, limit: 500, after: nil).items
    let sbom = try self.sbom(digest: digest)
    return try read { db in
      let row = try db.one("SELECT segment, source FROM image WHERE digest = ?", digest)
      let usage = try db.query(
        """
        SELECT reference, source, namespace, workload, kind, replicas, exposure, team
        FROM image_usage WHERE digest = ? ORDER BY source, namespace, workload, id LIMIT 1000
        """, digest
      ).map { r in
        UsageEntry(
          digest: digest, reference: try r.string("reference"),
          namespace: r.optionalString("namespace"), workload: try r.string("workload"),
          kind: try r.string("kind"), replicas: try r.int("replicas"),
          exposure: (r.optionalString("exposure") ?? "").split(separator: ";").map(String.init),
          team: r.optionalString("team"))
      }
      return DashboardImageDetail(
        image: image, segment: row?.optionalString("segment"),
        source: row?.optionalString("source"), usage: usage, findings: findings,
        history: history, sbom: sbom)
    }
  }

  public func dashboardFinding(vulnerabilityID: String, now: Date, limit: Int) throws
    -> [DashboardFindingRow]
  {
    let epoch = now.timeIntervalSince1970
    return try read { db in
      try db.query(
        """
        SELECT f.digest AS digest, i.reference AS reference, i.segment AS segment,
          f.state AS state, f.severity AS severity, f.kev AS kev, f.fixed_version AS fixed_version,
          f.packages AS packages, f.summary AS summary, f.first_seen AS first_seen,
          f.fixed_at AS fixed_at, f.sla_start AS sla_start, f.sla_due AS sla_due
        FROM finding f JOIN image i ON i.digest = f.digest
        WHERE f.vulnerability_id = ?
        ORDER BY f.state, f.digest LIMIT ?
        """, vulnerabilityID, limit
      ).map { row in
        let state = try row.string("state")
        var slaState: String?
        var slaDue: String?
        if let due = row.optionalDouble("sla_due"), let start = row.optionalDouble("sla_start") {
          slaDue = Self.timestamp(epoch: due)
          if state == "open" { slaState = sla.state(start: start, due: due, now: epoch) }
        }
        let packages = try row.string("packages")
        return DashboardFindingRow(
          digest: try row.string("digest"), reference: try row.string("reference"),
          segment: row.optionalString("segment"), state: state,
          severity: try row.string("severity"), kev: try row.bool("kev"),
          fixedVersion: row.optionalString("fixed_version"),
          packages: Self.decodePackages(packages), summary: row.optionalString("summary"),
          firstSeen: try row.string("first_seen"), fixedAt: row.optionalString("fixed_at"),
          slaDue: slaDue, slaState: slaState)
      }
    }
  }

  /// The `packages` column: a JSON array of `name@version` (or, in older rows, one per line).
  static func decodePackages(_ text: String) -> [String] {
    if let data = text.data(using: .utf8),
      let list = try? JSONDecoder().decode([String].self, from: data)
    {
      return list
    }
    return text.split(whereSeparator: \.isNewline).map(String.init)
  }
}
