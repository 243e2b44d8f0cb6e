import TailguardModel

/// Where `db update` downloads from, and how hard it tries. Every URL is configurable so an
/// air-gapped mirror (or a test's loopback server) can stand in for the public feeds.
public struct UpdateConfiguration: Sendable {
  /// OSV's public bucket; each ecosystem is `<base>/<ECOSYSTEM>/all.zip`.
  public static let defaultOSVBase = "https://osv-vulnerabilities.storage.googleapis.com"
  public static let defaultKEVURL =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
  public static let defaultEPSSURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
  /// Ecosystems fetched when none are named: the language ecosystems tailguard catalogs and the
  /// distros whose OSV data is keyed by release, as `Ecosystem.table` lists them (`updateFeeds`).
  public static let defaultEcosystems = Ecosystem.updateFeeds

  public var osvBaseURL: String
  public var ecosystems: [String]
  /// nil skips the feed.
  public var kevURL: String?
  public var epssURL: String?
  /// Retries of 408, 429, 5xx, dropped connections and truncated bodies: the registry client's
  /// policy (attempt count, jittered exponential backoff, `Retry-After`, a time budget).
  public var retry: RetryPolicy
  /// Per-request timeout in seconds.
  public var timeout: Int64
  public var maxDownloadBytes: Int

  public init(
    osvBaseURL: String = UpdateConfiguration.defaultOSVBase,
    ecosystems: [String] = UpdateConfiguration.defaultEcosystems,
    kevURL: String? = UpdateConfiguration.defaultKEVURL,
    epssURL: String? = UpdateConfiguration.defaultEPSSURL,
    /// Attempts including the first, and the first retry delay in seconds (it doubles on every
    /// further retry, with jitter); both become `retry`.
    maxAttempts: Int = 4, initialBackoff: Double = 1, timeout: Int64 = 300,
    maxDownloadBytes: Int = 4 << 30
  ) {
    self.osvBaseURL = osvBaseURL
    self.ecosystems = ecosystems
    self.kevURL = kevURL
    self.epssURL = epssURL
    // The budget is generous because one attempt may be a long download (`timeout` each).
    self.retry = RetryPolicy(
      maxAttempts: maxAttempts, baseDelay: .milliseconds(Int64(max(0, initialBackoff) * 1000)),
      maxDelay: .seconds(60), maxElapsed: .seconds(1800))
    self.timeout = timeout
    self.maxDownloadBytes = maxDownloadBytes
  }

  /// `<base>/<ECOSYSTEM>/all.zip` with the ecosystem percent-encoded (`Rocky%20Linux`).
  public func osvURL(for ecosystem: String) -> String {
    let allowed = Set(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:".unicodeScalars)
    var encoded = ""
    for scalar in ecosystem.unicodeScalars {
      if allowed.contains(scalar) {
        encoded.unicodeScalars.append(scalar)
      } else {
        for byte in String(scalar).utf8 {
          encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
        }
      }
    }
    let base = osvBaseURL.hasSuffix("/") ? String(osvBaseURL.dropLast()) : osvBaseURL
    return "\(base)/\(encoded)/all.zip"
  }
}

extension String {
  fileprivate func leftPadded(_ n: Int) -> String {
    String(repeating: "0", count: max(0, n - count)) + self
  }
}
