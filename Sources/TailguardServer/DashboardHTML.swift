import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Reports

/// Typed HTML building for the dashboard. Tag and attribute names are literals in the code;
/// every text and attribute value goes through `HTML.escape`, the dashboard's one escaping
/// function, so a value from an image, an SBOM or an advisory can only ever be text.
struct HTML {
  var out: String

  init(capacity: Int = 16 << 10) {
    out = ""
    out.reserveCapacity(capacity)
  }

  /// HTML text and attribute-value escaping: the project's one function (`HTMLText.escape`,
  /// shared with the reports and the graph), skipped for the common text that needs none.
  static func escape(_ s: String) -> String {
    for c in s.utf8
    where c < 0x20 || c == 0x26 || c == 0x3C || c == 0x3E || c == 0x22 || c == 0x27 || c >= 0x7F {
      return HTMLText.escape(s)
    }
    return s
  }

  /// Escaped text.
  mutating func text(_ s: String) { out += Self.escape(s) }
  mutating func text(_ n: Int) { out += String(n) }

  /// `<tag attr="value"…>`; nil values leave the attribute out, "" writes it bare.
  mutating func open(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:])
  {
    out += "<"
    out += tag.description
    for (name, value) in attributes {
      guard let value else { continue }
      out += " "
      out += name.description
      if !value.isEmpty {
        out += "=\""
        out += Self.escape(value)
        out += "\""
      }
    }
    out += ">"
  }

  mutating func close(_ tag: StaticString) {
    out += "</"
    out += tag.description
    out += ">"
  }

  /// An element with BODY inside.
  mutating func element(
    _ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:],
    _ body: (inout HTML) -> Void
  ) {
    open(tag, attributes)
    body(&self)
    close(tag)
  }

  /// An element holding TEXT.
  mutating func element(
    _ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:], text: String
  ) {
    open(tag, attributes)
    self.text(text)
    close(tag)
  }

  /// A void element (`<input>`, `<meta>`, SVG shapes closed with `/>`).
  mutating func void(_ tag: StaticString, _ attributes: KeyValuePairs<StaticString, String?> = [:])
  {
    open(tag, attributes)
  }

  /// A newline between blocks (readable source, no meaning).
  mutating func newline() { out += "\n" }

  /// A number for SVG coordinates: one decimal at most.
  static func n(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }

  /// A share as a percentage with one decimal (`61.5%`).
  static func percent(_ share: Double) -> String {
    String(format: "%.1f%%", share * 100)
  }
}

/// The dashboard's embedded assets and the headers every dashboard response carries.
enum DashboardAssets {
  /// The dashboard's stylesheet and script, each followed by the dependency graph's (Reports).
  static let css: [UInt8] =
    PackageResources.dashboard_css + Array(DependencyGraphRenderer.style.utf8)
  static let js: [UInt8] =
    PackageResources.dashboard_js + Array(("\n" + DependencyGraphRenderer.script).utf8)

  /// A short content hash, so pages name each asset by version and it may be cached for long.
  static let cssVersion = version(css)
  static let jsVersion = version(js)

  static func version(_ bytes: [UInt8]) -> String {
    String(Tokens.hash(String(decoding: bytes, as: UTF8.self)).prefix(12))
  }

  /// Scripts and styles from this server only, no inline script or style, no framing.
  static let contentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

  static func secure(_ headers: inout HTTPFields) {
    headers[.contentSecurityPolicy] = contentSecurityPolicy
    headers[.xContentTypeOptions] = "nosniff"
    headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
    headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
  }

  static func asset(_ bytes: [UInt8], type: String, version: String, request: Request) -> Response {
    let etag = "\"\(version)\""
    var headers: HTTPFields = [
      .contentType: type, .cacheControl: "public, max-age=86400", .eTag: etag,
    ]
    secure(&headers)
    if request.headers[.ifNoneMatch] == etag {
      return Response(status: .notModified, headers: headers)
    }
    return Response(
      status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
  }
}

/// Adds the security headers to every response of the dashboard's routes (pages, login, assets).
struct DashboardHeadersMiddleware: RouterMiddleware {
  typealias Context = ServerContext
  func handle(
    _ request: Request, context: ServerContext,
    next: (Request, ServerContext) async throws -> Response
  ) async throws -> Response {
    var response = try await next(request, context)
    DashboardAssets.secure(&response.headers)
    return response
  }
}
