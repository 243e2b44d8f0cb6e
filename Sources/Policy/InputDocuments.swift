import ByteFormats
import Foundation
import Rego

/// Loads policy inputs from files: JSON, YAML (multi-document Kubernetes
/// manifests become an array), and Dockerfiles (Trivy's instruction JSON).
public enum InputDocuments {
  public static let maxBytes = 64 << 20

  static func read(_ path: String) throws -> String {
    let d: [UInt8]
    do throws(ByteFormatError) {
      d = try BoundedFile.read(path: path, limit: maxBytes)
    } catch {
      throw RegoError(.dataError, error.description)
    }
    guard let s = String(bytes: d, encoding: .utf8) else {
      throw RegoError(.dataError, "\(path) is not UTF-8")
    }
    return s
  }

  /// Detects the kind of input by name and content.
  public static func load(path: String) throws -> Value {
    let name = (path as NSString).lastPathComponent.lowercased()
    if name == "dockerfile" || name.hasPrefix("dockerfile.") || name.hasSuffix(".dockerfile")
      || name == "containerfile"
    {
      return try dockerfile(path: path)
    }
    let text = try read(path)
    if name.hasSuffix(".json") { return try JSONCodec.decode(text, file: path) }
    if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
      return try kubernetes(text: text, path: path)
    }
    if let v = try? JSONCodec.decode(text, file: path) { return v }
    return try kubernetes(text: text, path: path)
  }

  public static func dockerfile(path: String) throws -> Value {
    try DockerfileParser(parsing: try read(path), path: path).value
  }

  public static func kubernetes(path: String) throws -> Value {
    try kubernetes(text: try read(path), path: path)
  }

  /// One document → that document; several → an array of the non-empty ones.
  public static func kubernetes(text: String, path: String) throws -> Value {
    let docs = try YAMLCodec.decodeAll(text, file: path).filter { $0 != .null }
    if docs.count == 1 { return docs[0] }
    return .array(docs)
  }
}
