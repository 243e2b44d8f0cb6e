import Foundation
import Scanner
import TailguardModel

/// Uploaded SBOMs, where images run, SLA, ignore rules.
extension SQLServerStore {
  public func storeUploadedSBOM(
    digest: String, reference: String, sbom: SoftwareBOM, keys: [AdvisoryLookupKey],
    fingerprints: [AdvisoryLookupKey: String], matched: [MatchedVulnerability], now: Date
  ) throws {
    let ts = Self.timestamp(now)
    let json = try JSONEncoder().encode(sbom)
    let compressed = try Compression.deflate(json)
    try write { db in
      try db.execute(
        """
        INSERT INTO image (digest, reference, status, created_at, source)
        VALUES (?, ?, 'indexed', ?, 'sbom')
        ON CONFLICT (digest) DO NOTHING
        """, digest, reference, ts)
      try db.execute(
        """
        INSERT INTO image_reference (reference, digest, seen_at) VALUES (?, ?, ?)
        ON CONFLICT (reference) DO UPDATE SET digest = excluded.digest, seen_at = excluded.seen_at
        """, reference, digest, ts)
      try Self.writeSBOM(
        db, digest: digest, json: json, compressed: compressed, packages: sbom.packages.count,
        keys: keys, fingerprints: fingerprints, at: ts, source: "sbom")
      try apply(db, digest: digest, matched: matched, cause: "sbom-upload", withdrawn: [], now: now)
      try Self.emitIndexed(
        db, digest: digest, packages: sbom.packages.count, matched: matched, at: ts)
    }
  }

  /// The stored SBOM and its lookup keys, in the caller's transaction: what indexing a pulled
  /// image and an uploaded SBOM both write. SOURCE names where the SBOM came from.
  static func writeSBOM(
    _ db: any SQLExecutor, digest: String, json: Data, compressed: Data, packages: Int,
    keys: [AdvisoryLookupKey], fingerprints: [AdvisoryLookupKey: String], at ts: String,
    source: String
  ) throws {
    try db.execute(
      """
      UPDATE image SET status = 'indexed', indexed_at = ?, package_count = ?, sbom = ?,
        sbom_size = ?, error = NULL, source = ?
      WHERE digest = ?
      """, ts, packages, compressed, json.count, source, digest)
    try db.execute("DELETE FROM package_key WHERE digest = ?", digest)
    for key in keys {
      try db.execute(
        "INSERT INTO package_key (ecosystem, name, digest) VALUES (?, ?, ?)",
        key.ecosystem, key.name, digest)
      // Only keys no image held yet: a stored fingerprint is what the other images holding
      // the key were matched against, and must stay so until the next advisory update.
      if let fp = fingerprints[key] {
        try db.execute(
          """
          INSERT INTO advisory_fingerprint (ecosystem, name, fingerprint) VALUES (?, ?, ?)
          ON CONFLICT DO NOTHING
          """, key.ecosystem, key.name, fp)
      }
    }
  }

  // MARK: - Usage and segments

  public func replaceUsage(source: String, entries: [UsageEntry], head: Int, now: Date) throws
    -> UsageUpdate
  {
    let ts = Self.timestamp(now)
    return try write { db in
      let before = Set(
        try db.query("SELECT DISTINCT digest FROM image_usage").map { try $0.string("digest") })
      let retiredBefore = Set(
        try db.query("SELECT digest FROM image WHERE segment = 'retired'").map {
          try $0.string("digest")
        })
      try db.execute("DELETE FROM image_usage WHERE source = ?", source)
      for e in entries {
        try db.execute(
          """
          INSERT INTO image_usage (digest, reference, source, namespace, workload, kind, replicas,
            exposure, team, seen_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """, e.digest, e.reference, source, e.namespace, e.workload, e.kind, max(0, e.replicas),
          e.exposure.joined(separator: ";"), e.team, ts)
      }
      // Rank by replicas (ties by digest): the HEAD most used are the head.
      var replicas: [(String, Int)] = []
      for row in try db.query(
        "SELECT digest, SUM(replicas) AS n FROM image_usage GROUP BY digest")
      {
        replicas.append((try row.string("digest"), try row.int("n")))
      }
      replicas.sort { ($0.1, $1.0) > ($1.1, $0.0) }
      let after = Set(replicas.map(\.0))
      try db.execute("UPDATE image SET segment = NULL WHERE segment IN ('head', 'tail')")
      for (rank, (digest, _)) in replicas.enumerated() {
        try db.execute(
          "UPDATE image SET segment = ? WHERE digest = ?", rank < head ? "head" : "tail", digest)
      }
      // No workload runs it any more: its open findings are fixed.
      let retired = before.subtracting(after).sorted()
      for digest in retired {
        try db.execute("UPDATE image SET segment = 'retired' WHERE digest = ?", digest)
        try apply(db, digest: digest, matched: [], cause: "image-retired", withdrawn: [], now: now)
      }
      return UsageUpdate(
        source: source, entries: entries.count, images: Set(entries.map(\.digest)).count,
        retired: retired, revived: after.intersection(retiredBefore).sorted())
    }
  }

  public func fleetSummary(now: Date) throws -> FleetLiveSummary {
    let epoch = now.timeIntervalSince1970
    return try read { db in
      var segments: [String: LiveSegment] = ["head": LiveSegment(), "tail": LiveSegment()]
      var images = 0
      for row in try db.query(
        """
        SELECT i.segment AS segment, COUNT(*) AS n,
          (SELECT COALESCE(SUM(u.replicas), 0) FROM image_usage u
            WHERE u.digest IN (SELECT digest FROM image j WHERE j.segment = i.segment)) AS replicas
        FROM image i WHERE i.status = 'indexed' GROUP BY i.segment
        """)
      {
        images += try row.int("n")
        guard let segment = row.optionalString("segment"), segments[segment] != nil else {
          continue
        }
        segments[segment]?.images = try row.int("n")
        segments[segment]?.replicas = row.optionalInt("replicas") ?? 0
      }
      for row in try db.query(
        """
        SELECT i.segment AS segment, f.severity AS severity, f.kev AS kev, f.fixable AS fixable,
          COUNT(*) AS n
        FROM finding f JOIN image i ON i.digest = f.digest
        WHERE f.state = 'open' AND i.segment IN ('head', 'tail')
        GROUP BY i.segment, f.severity, f.kev, f.fixable
        """)
      {
        let segment = try row.string("segment")
        let n = try row.int("n")
        segments[segment]?.openFindings += n
        switch try row.string("severity") {
        case "critical": segments[segment]?.critical += n
        case "high": segments[segment]?.high += n
        default: break
        }
        if try row.bool("kev") { segments[segment]?.kev += n }
        if try row.bool("fixable") { segments[segment]?.fixable += n }
      }
      let totalImages = segments.values.map(\.images).reduce(0, +)
      let totalFindings = segments.values.map(\.openFindings).reduce(0, +)
      for (key, var segment) in segments {
        segment.imageShare = Self.share(segment.images, totalImages)
        segment.findingShare = Self.share(segment.openFindings, totalFindings)
        segments[key] = segment
      }
      var alerts: [String: LiveAlert] = [:]
      for row in try db.query(
        """
        SELECT f.digest AS digest, f.vulnerability_id AS id, f.kev AS kev, i.reference AS reference,
          i.segment AS segment
        FROM finding f JOIN image i ON i.digest = f.digest
        WHERE f.state = 'open' AND (f.kev = 1 OR (f.severity = 'critical' AND f.fixable = 1))
          AND (i.segment IS NULL OR i.segment != 'retired')
        ORDER BY f.digest, f.vulnerability_id
        """)
      {
        let digest = try row.string("digest")
        let reference = try row.string("reference")
        var alert =
          alerts[digest]
          ?? LiveAlert(
            digest: digest, reference: reference,
            segment: row.optionalString("segment"), kev: [], criticalFixable: [])
        if try row.bool("kev") {
          alert.kev.append(try row.string("id"))
        } else {
          alert.criticalFixable.append(try row.string("id"))
        }
        alerts[digest] = alert
      }
      let head =
        try db.query("SELECT COUNT(*) AS n FROM image WHERE segment = 'head'").first?
        .int("n") ?? 0
      return FleetLiveSummary(
        head: head, segments: segments, alerts: alerts.values.sorted { $0.digest < $1.digest },
        sla: try slaCounts(db, now: epoch), images: images)
    }
  }

  static func share(_ part: Int, _ whole: Int) -> Double {
    whole == 0 ? 0 : (Double(part) / Double(whole) * 10_000).rounded() / 10_000
  }

  // MARK: - SLA

  func slaCounts(_ db: any SQLExecutor, now: Double) throws -> [String: Int] {
    var counts = ["ok": 0, "at_risk": 0, "breached": 0]
    for row in try db.query(
      "SELECT sla_start, sla_due FROM finding WHERE state = 'open' AND sla_due IS NOT NULL")
    {
      counts[
        sla.state(start: try row.double("sla_start"), due: try row.double("sla_due"), now: now)]! +=
        1
    }
    return counts
  }

  public func slaReport(now: Date, limit: Int) throws -> SLAReport {
    let epoch = now.timeIntervalSince1970
    return try read { db in
      var breached: [SLAReport.Entry] = []
      var atRisk: [SLAReport.Entry] = []
      for row in try db.query(
        """
        SELECT digest, vulnerability_id, severity, kev, first_seen, sla_start, sla_due FROM finding
        WHERE state = 'open' AND sla_due IS NOT NULL
          AND sla_start + ? * (sla_due - sla_start) <= ?
        ORDER BY sla_due, digest, vulnerability_id
        """, sla.atRisk, epoch)
      {
        let due = try row.double("sla_due")
        let state = sla.state(start: try row.double("sla_start"), due: due, now: epoch)
        let entry = SLAReport.Entry(
          digest: try row.string("digest"), vulnerabilityID: try row.string("vulnerability_id"),
          severity: try row.string("severity"), kev: try row.bool("kev"),
          firstSeen: try row.string("first_seen"), due: Self.timestamp(epoch: due), state: state)
        if state == "breached", breached.count < limit { breached.append(entry) }
        if state == "at_risk", atRisk.count < limit { atRisk.append(entry) }
      }
      return SLAReport(
        policy: sla, breached: breached, atRisk: atRisk, counts: try slaCounts(db, now: epoch),
        mttr: try mttr(db))
    }
  }

  /// Mean time from first seen to fixed, by severity, by segment and by team, over every fixed
  /// finding (retracted and suppressed ones are not remediations).
  func mttr(_ db: any SQLExecutor) throws -> [String: [String: SLAReport.MTTR]] {
    var teams: [String: Set<String>] = [:]
    for row in try db.query("SELECT DISTINCT digest, team FROM image_usage WHERE team IS NOT NULL")
    {
      teams[try row.string("digest"), default: []].insert(try row.string("team"))
    }
    var sums: [String: [String: (Double, Int)]] = [:]
    func add(_ group: String, _ key: String, _ seconds: Double) {
      let (s, n) = sums[group, default: [:]][key] ?? (0, 0)
      sums[group, default: [:]][key] = (s + seconds, n + 1)
    }
    for row in try db.query(
      """
      SELECT f.digest AS digest, f.severity AS severity, f.first_seen AS first_seen,
        f.fixed_at AS fixed_at, i.segment AS segment
      FROM finding f JOIN image i ON i.digest = f.digest
      WHERE f.state = 'fixed' AND f.fixed_at IS NOT NULL
      """)
    {
      guard let start = Self.epoch(try row.string("first_seen")),
        let end = Self.epoch(try row.string("fixed_at")), end >= start
      else { continue }
      let seconds = end - start
      add("severity", try row.string("severity"), seconds)
      add("segment", row.optionalString("segment") ?? "none", seconds)
      for team in teams[try row.string("digest")] ?? [] { add("team", team, seconds) }
    }
    return sums.mapValues { groups in
      groups.mapValues { SLAReport.MTTR(seconds: ($0.0 / Double($0.1)).rounded(), fixed: $0.1) }
    }
  }

  public func slaSweep(now: Date) throws -> Int {
    let epoch = now.timeIntervalSince1970
    let ts = Self.timestamp(now)
    return try write { db in
      var crossed: [String: [String: [FindingsEvent.Item]]] = [:]
      var count = 0
      for row in try db.query(
        """
        SELECT digest, vulnerability_id, severity, kev, sla_start, sla_due, sla_notified
        FROM finding
        WHERE state = 'open' AND sla_due IS NOT NULL AND sla_notified != 'breached'
          AND sla_start + ? * (sla_due - sla_start) <= ?
        ORDER BY digest, vulnerability_id
        """ + skipLocked, sla.atRisk, epoch)
      {
        let due = try row.double("sla_due")
        let state = sla.state(start: try row.double("sla_start"), due: due, now: epoch)
        guard state != "ok", state != (try row.string("sla_notified")) else { continue }
        let digest = try row.string("digest")
        let id = try row.string("vulnerability_id")
        try db.execute(
          "UPDATE finding SET sla_notified = ? WHERE digest = ? AND vulnerability_id = ?",
          state, digest, id)
        crossed[state, default: [:]][digest, default: []].append(
          .init(
            id: id, severity: try row.string("severity"), kev: try row.bool("kev"),
            fixedVersion: nil, packages: nil, due: Self.timestamp(epoch: due)))
        count += 1
      }
      for (state, images) in crossed.sorted(by: { $0.key < $1.key }) {
        let event: WebhookEvent = state == "breached" ? .slaBreached : .slaAtRisk
        for (digest, items) in images.sorted(by: { $0.key < $1.key }) {
          try Self.emit(
            db, event, at: ts, payload: FindingsEvent(digest: digest, cause: "sla", findings: items)
          )
        }
      }
      return count
    }
  }

  // MARK: - Suppressions

  static func suppression(_ row: SQLRow) throws -> Suppression {
    Suppression(
      id: try row.int64("id"), vulnerabilityID: try row.string("vulnerability_id"),
      digest: row.optionalString("digest"), reason: try row.string("reason"),
      author: try row.string("author"), createdAt: try row.string("created_at"))
  }

  /// Digests with a finding of ID (in DIGEST only, when given).
  static func digests(_ db: any SQLExecutor, withFinding id: String, digest: String?) throws
    -> [String]
  {
    var sql = "SELECT DISTINCT digest FROM finding WHERE vulnerability_id = ?"
    var args: [SQLValue] = [.text(id)]
    if let digest {
      sql += " AND digest = ?"
      args.append(.text(digest))
    }
    return try db.query(sql + " ORDER BY digest", args).map { try $0.string("digest") }
  }

  /// Applies the ignore rules anew to the current findings of ID (their attributes unchanged).
  func reapplyRules(_ db: any SQLExecutor, id: String, digest: String?, cause: String, now: Date)
    throws
  {
    let ts = Self.timestamp(now)
    for d in try Self.digests(db, withFinding: id, digest: digest) {
      let rule = try Self.suppressionRules(db, digest: d)[id]
      guard
        let state = try db.one(
          "SELECT state FROM finding WHERE digest = ? AND vulnerability_id = ?", d, id)?
          .string("state")
      else { continue }
      let (target, event): (String, String)
      switch (state, rule) {
      case ("open", .some): (target, event) = ("suppressed", "suppressed")
      case ("suppressed", nil): (target, event) = ("open", "unsuppressed")
      case ("suppressed", .some(let r)):
        try db.execute(
          "UPDATE finding SET suppression_id = ? WHERE digest = ? AND vulnerability_id = ?", r.id,
          d, id)
        continue
      default: continue
      }
      try db.execute(
        """
        UPDATE finding SET state = ?, suppression_id = ?, sla_notified = 'ok'
        WHERE digest = ? AND vulnerability_id = ?
        """, target, rule?.id, d, id)
      try db.execute(
        """
        INSERT INTO finding_history (digest, vulnerability_id, event, at, cause)
        VALUES (?, ?, ?, ?, ?)
        """, d, id, event, ts, rule?.cause ?? cause)
    }
  }

  public func addSuppression(
    vulnerabilityID: String, digest: String?, reason: String, author: String, now: Date
  ) throws -> Suppression {
    try write { db in
      guard
        let row = try db.one(
          """
          INSERT INTO suppression (vulnerability_id, digest, reason, author, created_at)
          VALUES (?, ?, ?, ?, ?) RETURNING *
          """, vulnerabilityID, digest, reason, author, Self.timestamp(now))
      else { throw StoreError(.database, "suppression insert returned nothing") }
      let rule = try Self.suppression(row)
      try reapplyRules(db, id: vulnerabilityID, digest: digest, cause: "", now: now)
      return rule
    }
  }

  public func suppressions(limit: Int, after: Int64?) throws -> Page<Suppression> {
    try read { db in
      let rows = try db.query(
        "SELECT * FROM suppression WHERE id > ? ORDER BY id LIMIT ?", after ?? 0, limit + 1
      ).map(Self.suppression)
      return Page(
        items: Array(rows.prefix(limit)), next: rows.count > limit ? "\(rows[limit - 1].id)" : nil)
    }
  }

  public func removeSuppression(id: Int64, now: Date) throws -> Bool {
    try write { db in
      guard let row = try db.one("SELECT * FROM suppression WHERE id = ?", id) else {
        return false
      }
      let rule = try Self.suppression(row)
      try db.execute("DELETE FROM suppression WHERE id = ?", id)
      try reapplyRules(
        db, id: rule.vulnerabilityID, digest: rule.digest, cause: "suppression #\(id) removed",
        now: now)
      return true
    }
  }
}
