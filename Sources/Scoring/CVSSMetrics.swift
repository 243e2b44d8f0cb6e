import Foundation

/// The `METRIC:VALUE/…` part of a vector, parsed with the checks every CVSS version shares:
/// no empty or malformed field, only known metrics with allowed values, no duplicates, all
/// mandatory metrics present. Order is kept (and not enforced) as given.
struct CVSSMetrics: Sendable, Hashable {
  static let maxVectorLength = 512

  let ordered: [(metric: String, value: String)]
  let values: [String: String]

  static func == (a: CVSSMetrics, b: CVSSMetrics) -> Bool { a.values == b.values }
  func hash(into hasher: inout Hasher) { hasher.combine(values) }

  subscript(_ metric: String) -> String? { values[metric] }

  init(
    body: Substring, vector: String, allowed: [String: Set<String>], mandatory: [String]
  ) throws(CVSSError) {
    if body.isEmpty { throw CVSSError(.empty, vector: vector, "no metrics") }
    if body.hasSuffix("/") { throw CVSSError(.trailingSlash, vector: vector, "trailing '/'") }
    var ordered: [(String, String)] = []
    var values: [String: String] = [:]
    for field in body.split(separator: "/", omittingEmptySubsequences: false) {
      if field.isEmpty { throw CVSSError(.emptyField, vector: vector, "empty field ('//')") }
      let parts = field.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2 else {
        throw CVSSError(
          .malformedField, vector: vector, field: String(field),
          "field '\(field)' is not METRIC:VALUE")
      }
      let metric = String(parts[0])
      let value = String(parts[1])
      guard let allowedValues = allowed[metric] else {
        throw CVSSError(
          .unknownMetric, vector: vector, field: String(field), "unknown metric '\(metric)'")
      }
      guard allowedValues.contains(value) else {
        throw CVSSError(
          .invalidValue, vector: vector, field: String(field),
          "invalid value '\(value)' for \(metric) (allowed: \(allowedValues.sorted().joined(separator: ", ")))"
        )
      }
      if values[metric] != nil {
        throw CVSSError(
          .duplicateMetric, vector: vector, field: String(field), "metric \(metric) appears twice")
      }
      values[metric] = value
      ordered.append((metric, value))
    }
    let missing = mandatory.filter { values[$0] == nil }
    if !missing.isEmpty {
      throw CVSSError(
        .missingMetric, vector: vector,
        "missing mandatory metric\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))"
      )
    }
    self.ordered = ordered
    self.values = values
  }
}
