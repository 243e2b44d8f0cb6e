import ByteFormats
import Crypto
import Foundation

/// How a receiver knows a webhook request came from this server: GitHub's convention.
///
/// `X-Tailguard-Signature: sha256=<lowercase hex HMAC-SHA256(secret, body)>`, where `secret` is
/// the webhook's secret as UTF-8 bytes and `body` the exact request body bytes (verify before
/// parsing or re-encoding the JSON). The signature covers the body only; a replayed request is
/// recognised by its `X-Tailguard-Delivery` id, which stays the same on every retry of an event.
///
/// A receiver in Python:
/// ```python
/// expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
/// ok = hmac.compare_digest(expected, request.headers["X-Tailguard-Signature"])
/// ```
public enum WebhookSignature {
  /// The header that carries the signature.
  public static let header = "X-Tailguard-Signature"
  static let prefix = "sha256="

  /// `sha256=<lowercase hex>` for BODY under SECRET.
  public static func sign(body: some DataProtocol, secret: String) -> String {
    let mac = HMAC<SHA256>.authenticationCode(for: body, using: key(secret))
    return prefix + Hex.encode(mac)
  }

  /// Whether SIGNATURE (the header's value, `sha256=` and 64 hex digits, either case) is the
  /// signature of BODY under SECRET. The MAC comparison takes the same time whatever bytes
  /// differ.
  public static func verify(signature: String, body: some DataProtocol, secret: String) -> Bool {
    let text = signature.trimmingCharacters(in: .whitespaces)
    guard text.hasPrefix(prefix) else { return false }
    let hex = text.utf8.dropFirst(prefix.utf8.count)
    guard hex.count == SHA256.byteCount * 2, case .success(let mac) = Hex.decode(hex) else {
      return false
    }
    return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key(secret))
  }

  static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Data(secret.utf8)) }
}
