/// A container image reference, parsed as Docker and the distribution spec do:
/// `[registry[:port]/]repository[:tag][@digest]`.
///
/// Docker Hub defaults are applied on parse: no registry means `docker.io`, a single-component
/// repository on Docker Hub gets `library/`. `index.docker.io` is normalised to `docker.io`.
/// `original` keeps the text as written so fleet reports can show it.
public struct ImageReference: Hashable, Sendable, Codable, CustomStringConvertible {
  public static let dockerHub = "docker.io"
  /// The host that actually serves Docker Hub's API.
  public static let dockerHubAPIHost = "registry-1.docker.io"

  public var original: String
  /// Registry host (and port), e.g. `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
  public var registry: String
  /// Repository path, e.g. `library/alpine`.
  public var repository: String
  public var tag: String?
  public var digest: Digest?

  public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
    self.registry = registry
    self.repository = repository
    self.tag = tag
    self.digest = digest
    self.original = ""
    self.original = description
  }

  /// Whether the registry was given explicitly in the original text.
  public var registryWasExplicit: Bool {
    guard let slash = original.firstIndex(of: "/") else { return false }
    return Self.looksLikeRegistry(original[..<slash])
  }

  /// The host to contact for the API (`registry-1.docker.io` for Docker Hub).
  public var apiHost: String { registry == Self.dockerHub ? Self.dockerHubAPIHost : registry }

  /// `registry/repository` (no tag or digest).
  public var name: String { "\(registry)/\(repository)" }

  /// Fully qualified: `registry/repository[:tag][@digest]`.
  public var description: String {
    var out = name
    if let tag { out += ":" + tag }
    if let digest { out += "@" + digest.description }
    return out
  }

  /// Docker's familiar short form: `alpine:3.19`, `bitnami/redis:7`, `ghcr.io/x/y:1`.
  public var familiar: String {
    var repo = name
    if registry == Self.dockerHub {
      repo = repository.hasPrefix("library/") ? String(repository.dropFirst(8)) : repository
    }
    if let tag { repo += ":" + tag }
    if let digest { repo += "@" + digest.description }
    return repo
  }

  /// The tag or digest used to fetch the manifest (digest wins), `latest` when neither is set.
  public var manifestReference: String { digest?.description ?? tag ?? "latest" }

  public init(parsing text: String) throws(ModelError) {
    func fail(_ why: String) -> ModelError {
      ModelError(.invalidReference, "invalid image reference '\(text.prefix(300))': \(why)")
    }
    guard !text.isEmpty else { throw fail("empty") }
    guard text.utf8.count <= 1024 else { throw fail("longer than 1024 bytes") }
    guard !text.contains(where: { $0.isWhitespace }) else { throw fail("contains white space") }

    var rest = Substring(text)
    var digest: Digest?
    if let at = rest.firstIndex(of: "@") {
      let digestText = String(rest[rest.index(after: at)...])
      do { digest = try Digest(parsing: digestText) } catch { throw fail("bad digest '\(digestText.prefix(150))'") }
      rest = rest[..<at]
    }
    // A tag is after the last ':' that comes after the last '/'.
    var tag: String?
    let lastSlash = rest.lastIndex(of: "/")
    if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
      let t = rest[rest.index(after: colon)...]
      guard Self.isValidTag(t) else { throw fail("bad tag '\(t.prefix(150))'") }
      tag = String(t)
      rest = rest[..<colon]
    }
    guard !rest.isEmpty else { throw fail("missing repository name") }
    var registry = Self.dockerHub
    var path = rest
    if let slash = rest.firstIndex(of: "/"), Self.looksLikeRegistry(rest[..<slash]) {
      registry = String(rest[..<slash])
      path = rest[rest.index(after: slash)...]
      guard Self.isValidRegistry(registry) else { throw fail("bad registry host '\(registry.prefix(150))'") }
    }
    if registry == "index.docker.io" { registry = Self.dockerHub }
    guard !path.isEmpty else { throw fail("missing repository name") }
    let components = path.split(separator: "/", omittingEmptySubsequences: false)
    for component in components {
      guard Self.isValidPathComponent(component) else {
        if component.contains(where: { $0.isUppercase }) {
          throw fail("repository name must be lowercase")
        }
        throw fail("bad repository component '\(component.prefix(100))'")
      }
    }
    var repository = String(path)
    if registry == Self.dockerHub && components.count == 1 { repository = "library/" + repository }
    guard registry.utf8.count + 1 + repository.utf8.count <= 255 else {
      throw fail("repository name longer than 255 characters")
    }
    self.original = text
    self.registry = registry
    self.repository = repository
    self.tag = tag
    self.digest = digest
  }

  /// Docker's rule: the first component is a registry if it has a `.` or `:`, is `localhost`,
  /// or has an uppercase letter (which a repository path cannot).
  static func looksLikeRegistry(_ s: Substring) -> Bool {
    s.contains(".") || s.contains(":") || s == "localhost" || s.contains(where: { $0.isUppercase })
  }

  static func isValidRegistry(_ host: String) -> Bool {
    var h = Substring(host)
    if h.hasPrefix("[") {  // IPv6 literal
      guard let close = h.firstIndex(of: "]") else { return false }
      let inside = h[h.index(after: h.startIndex)..<close]
      guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return false }
      h = h[h.index(after: close)...]
      if h.isEmpty { return true }
      guard h.hasPrefix(":") else { return false }
      return isValidPort(h.dropFirst())
    }
    if let colon = h.lastIndex(of: ":") {
      guard isValidPort(h[h.index(after: colon)...]) else { return false }
      h = h[..<colon]
    }
    let labels = h.split(separator: ".", omittingEmptySubsequences: false)
    return !labels.isEmpty
      && labels.allSatisfy { label in
        guard let first = label.first, let last = label.last else { return false }
        return first.isASCII && (first.isLetter || first.isNumber) && last.isASCII
          && (last.isLetter || last.isNumber)
          && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
      }
  }

  static func isValidPort(_ s: Substring) -> Bool {
    !s.isEmpty && s.count <= 5 && s.allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
  static func isValidPathComponent(_ s: Substring) -> Bool {
    let bytes = Array(s.utf8)
    guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else {
      return false
    }
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      if isAlnum(b) {
        i += 1
        continue
      }
      // a separator run
      var j = i
      while j < bytes.count, !isAlnum(bytes[j]) { j += 1 }
      let sep = bytes[i..<j]
      let ok =
        sep.elementsEqual([0x2E]) || sep.elementsEqual([0x5F]) || sep.elementsEqual([0x5F, 0x5F])
        || sep.allSatisfy { $0 == 0x2D }
      if !ok { return false }
      i = j
    }
    return true
  }

  static func isAlnum(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) }

  /// `[\w][\w.-]{0,127}`
  static func isValidTag(_ s: Substring) -> Bool {
    let bytes = Array(s.utf8)
    guard let first = bytes.first, bytes.count <= 128 else { return false }
    func word(_ b: UInt8) -> Bool {
      (0x61...0x7A).contains(b) || (0x41...0x5A).contains(b) || (0x30...0x39).contains(b) || b == 0x5F
    }
    return word(first) && bytes.dropFirst().allSatisfy { word($0) || $0 == 0x2E || $0 == 0x2D }
  }
}
