import Hummingbird
import NIOCore

/// The OpenAPI 3.1 document of the server's API (`Resources/openapi.json`, embedded in the
/// binary), served as is at `GET /api/v1/openapi.json` without a token.
public enum OpenAPIDocument {
  /// The document's bytes, exactly as checked in.
  public static var bytes: [UInt8] { PackageResources.openapi_json }

  static func response() -> Response {
    Response(
      status: .ok, headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
  }
}
