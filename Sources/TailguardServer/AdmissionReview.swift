import Foundation
import Rego

/// One container image of a reviewed object, with the JSON pointer of its `image` field (what the
/// mutating webhook's patch replaces).
public struct AdmissionContainer: Sendable, Hashable {
  /// `containers`, `initContainers` or `ephemeralContainers`.
  public var list: String
  public var index: Int
  public var name: String
  public var image: String
  /// RFC 6901 pointer of the `image` field, e.g. `/spec/template/spec/containers/0/image`.
  public var pointer: String
}

/// An `admission.k8s.io/v1` AdmissionReview request, as far as admission needs it. The whole
/// document is kept (`document`) for policies (`input.admission`).
public struct AdmissionRequest: Sendable {
  public var uid: String
  /// `request.kind.kind` (the object's kind as the API server names it).
  public var kind: String
  public var group: String
  public var resource: String
  public var subResource: String?
  public var operation: String
  public var namespace: String?
  public var name: String?
  public var dryRun: Bool
  public var containers: [AdmissionContainer]
  /// The whole AdmissionReview as sent.
  public var document: Value
}

/// Why a review gets no ordinary decision.
public enum AdmissionReviewProblem: Error, Sendable, Equatable {
  /// Not a JSON AdmissionReview at all (truncated, not JSON, another apiVersion): HTTP 400.
  case malformed(String)
  /// An AdmissionReview whose request cannot be understood (no request, no uid, an unknown kind
  /// that carries a pod template, containers that are not a list): answered by the configured
  /// failure mode (`admission.onError`), with UID echoed when there is one.
  case notUnderstood(uid: String, reason: String)
}

/// Reads AdmissionReview documents: which kinds carry pods and where, and the response shape.
public enum AdmissionReview {
  public static let apiVersion = "admission.k8s.io/v1"

  /// Where each pod-bearing kind keeps its pod spec.
  public static let podSpecPaths: [String: [String]] = [
    "Pod": ["spec"],
    "Deployment": ["spec", "template", "spec"],
    "StatefulSet": ["spec", "template", "spec"],
    "DaemonSet": ["spec", "template", "spec"],
    "ReplicaSet": ["spec", "template", "spec"],
    "ReplicationController": ["spec", "template", "spec"],
    "Job": ["spec", "template", "spec"],
    "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
  ]

  static let containerLists = ["initContainers", "containers", "ephemeralContainers"]

  /// `parse` as a value.
  public static func read(_ body: [UInt8]) -> Result<AdmissionRequest, AdmissionReviewProblem> {
    do { return .success(try parse(body)) } catch let problem as AdmissionReviewProblem {
      return .failure(problem)
    } catch {
      return .failure(.malformed("\(error)"))
    }
  }

  /// Parses BODY. Throws `AdmissionReviewProblem`.
  public static func parse(_ body: [UInt8]) throws(AdmissionReviewProblem) -> AdmissionRequest {
    let document: Value
    do {
      document = try JSONCodec.decode(String(decoding: body, as: UTF8.self), file: "review")
    } catch {
      throw .malformed("body is not valid JSON: \(String("\(error)".prefix(200)))")
    }
    guard case .object = document else { throw .malformed("body must be a JSON object") }
    guard document["apiVersion"]?.stringValue == apiVersion,
      document["kind"]?.stringValue == "AdmissionReview"
    else {
      throw .malformed("body must be an \(apiVersion) AdmissionReview")
    }
    guard let request = document["request"], case .object = request else {
      throw .notUnderstood(uid: "", reason: "the AdmissionReview has no request")
    }
    guard let uid = request["uid"]?.stringValue, !uid.isEmpty, uid.utf8.count <= 256 else {
      throw .notUnderstood(uid: "", reason: "the request has no uid")
    }
    let operation = request["operation"]?.stringValue ?? ""
    guard ["CREATE", "UPDATE", "DELETE", "CONNECT"].contains(operation) else {
      throw .notUnderstood(uid: uid, reason: "operation '\(operation.prefix(40))' is not known")
    }
    let object = request["object"]
    let kind =
      request["kind"]?["kind"]?.stringValue ?? object?["kind"]?.stringValue ?? ""
    let subResource = request["subResource"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    var parsed = AdmissionRequest(
      uid: uid, kind: kind, group: request["kind"]?["group"]?.stringValue ?? "",
      resource: request["resource"]?["resource"]?.stringValue ?? "", subResource: subResource,
      operation: operation,
      namespace: (request["namespace"]?.stringValue
        ?? object?["metadata"]?["namespace"]?
        .stringValue).flatMap { $0.isEmpty ? nil : $0 },
      name: (request["name"]?.stringValue ?? object?["metadata"]?["name"]?.stringValue
        ?? object?["metadata"]?["generateName"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 },
      dryRun: request["dryRun"] == .bool(true), containers: [], document: document)
    // Deletion and connection run no image.
    guard operation == "CREATE" || operation == "UPDATE" else { return parsed }
    guard let object, case .object = object else {
      throw .notUnderstood(uid: uid, reason: "the \(operation) request carries no object")
    }
    if kind == "EphemeralContainers" {
      // The pods/ephemeralcontainers subresource before Kubernetes 1.22: the object is an
      // EphemeralContainers list, not a Pod.
      parsed.containers = try containers(in: object, base: "", lists: ["ephemeralContainers"], uid)
      return parsed
    }
    guard let path = podSpecPaths[kind] else {
      // Not a kind that runs pods: nothing to check, unless it carries a pod template anyway.
      for candidate in [["spec"], ["spec", "template", "spec"], ["template", "spec"]] {
        if case .array? = lookup(object, candidate + ["containers"]) {
          throw .notUnderstood(
            uid: uid,
            reason:
              "kind '\(kind.prefix(60))' is not one tailguard knows, yet it carries a pod spec")
        }
      }
      return parsed
    }
    guard let spec = lookup(object, path) else { return parsed }
    guard case .object = spec else {
      throw .notUnderstood(
        uid: uid, reason: "\(kind) /\(path.joined(separator: "/")) is not an object")
    }
    // The ephemeral-container subresource (`kubectl debug`) changes only those containers.
    let lists = subResource == "ephemeralcontainers" ? ["ephemeralContainers"] : containerLists
    parsed.containers = try containers(
      in: spec, base: "/" + path.joined(separator: "/"), lists: lists, uid)
    return parsed
  }

  static func lookup(_ value: Value, _ path: [String]) -> Value? {
    var current = value
    for key in path {
      guard let next = current[key] else { return nil }
      current = next
    }
    return current
  }

  static func containers(in spec: Value, base: String, lists: [String], _ uid: String)
    throws(AdmissionReviewProblem) -> [AdmissionContainer]
  {
    var out: [AdmissionContainer] = []
    for list in lists {
      guard let value = spec[list], value != .null else { continue }
      guard case .array(let items) = value else {
        throw .notUnderstood(uid: uid, reason: "\(base)/\(list) is not a list")
      }
      for (i, item) in items.enumerated() {
        guard let image = item["image"]?.stringValue, !image.isEmpty, image.utf8.count <= 4096
        else {
          throw .notUnderstood(uid: uid, reason: "\(base)/\(list)/\(i) has no image")
        }
        out.append(
          AdmissionContainer(
            list: list, index: i, name: item["name"]?.stringValue ?? "", image: image,
            pointer: "\(base)/\(list)/\(i)/image"))
      }
    }
    return out
  }

  // MARK: - Response

  /// `response.status` of a denial.
  public struct Status: Codable, Sendable, Hashable {
    public var code: Int
    public var message: String
    public var reason: String?
  }

  /// The `response` of an AdmissionReview.
  public struct Response: Codable, Sendable, Hashable {
    public var uid: String
    public var allowed: Bool
    public var status: Status?
    public var warnings: [String]?
    public var auditAnnotations: [String: String]?
    public var patchType: String?
    /// Base64 JSONPatch (RFC 6902).
    public var patch: String?
  }

  struct Envelope: Codable {
    var apiVersion = AdmissionReview.apiVersion
    var kind = "AdmissionReview"
    var response: Response
  }

  /// The response AdmissionReview document.
  public static func encode(_ response: Response) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(Envelope(response: response))) ?? Data()
  }

  /// At most 120 characters (the API server's advice for one warning), cut with an ellipsis.
  public static func warning(_ text: String) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: " ")
    return flat.count <= 120 ? flat : String(flat.prefix(119)) + "…"
  }
}

extension Value {
  /// The member KEY of an object (nil for other values).
  subscript(_ key: String) -> Value? {
    if case .object(let o) = self { return o[.string(key)] }
    return nil
  }
}
