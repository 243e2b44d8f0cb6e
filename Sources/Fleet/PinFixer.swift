import ByteFormats
import Foundation
import TailguardModel

/// Rewrites unpinned references to `name:tag@sha256:…` by replacing only the bytes of each
/// reference token (never re-serialising YAML or Dockerfiles), so comments, order, quoting and
/// indentation stay byte-for-byte. Templated or composed references are reported, not touched.
public struct PinFixer: Sendable {
  public var resolver: any DigestResolver
  /// Also replace a floating tag by the most specific tag with the same digest.
  public var precise: Bool
  /// Upper bound on tags resolved per reference with `precise`.
  public static let maxPreciseCandidates = 200

  public init(resolver: any DigestResolver, precise: Bool = false) {
    self.resolver = resolver
    self.precise = precise
  }

  public struct Skipped: Sendable, Hashable {
    public var reference: FleetReference
    public var reason: String
  }

  public struct Plan: Sendable {
    public var edits: [PinEdit] = []
    public var skipped: [Skipped] = []
  }

  /// The written name of a reference: the text before its tag and digest.
  static func writtenName(_ text: String) -> Substring {
    var rest = Substring(text)
    if let at = rest.firstIndex(of: "@") { rest = rest[..<at] }
    if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") { rest = rest[..<colon] }
    return rest
  }

  public func plan(_ refs: [FleetReference]) async -> Plan {
    var plan = Plan()
    for r in refs {
      switch r.class {
      case .digest, .scratch, .stage: continue
      case .variable:
        plan.skipped.append(Skipped(reference: r, reason: "templated reference, not touched"))
        continue
      case .invalid:
        plan.skipped.append(Skipped(reference: r, reason: "invalid reference"))
        continue
      default: break
      }
      if r.resolved != nil {
        plan.skipped.append(
          Skipped(reference: r, reason: "rewritten elsewhere (kustomize images: override)"))
        continue
      }
      guard let ref = try? ImageReference(parsing: r.reference) else {
        plan.skipped.append(Skipped(reference: r, reason: "invalid reference"))
        continue
      }
      guard let span = r.span else {
        // A Helm image map: the digest goes into its empty `digest: ""`; tag and repository
        // stay as written (the chart composes them).
        if let slot = r.digestSlot {
          do {
            let digest = try await resolver.resolve(ref)
            plan.edits.append(
              PinEdit(file: r.file, line: r.line, span: slot, old: "", new: digest.description))
          } catch {
            plan.skipped.append(Skipped(reference: r, reason: "cannot resolve: \(error)"))
          }
        } else {
          plan.skipped.append(
            Skipped(
              reference: r,
              reason:
                "not written as one token in the file (a Helm image map without an empty `digest: \"\"` to fill)"
            ))
        }
        continue
      }
      do {
        let digest = try await resolver.resolve(ref)
        var tag = ref.tag ?? "latest"
        if precise, let better = try await preciseTag(ref, tag: tag, digest: digest) {
          tag = better
        }
        let new = "\(Self.writtenName(r.reference)):\(tag)@\(digest.description)"
        plan.edits.append(
          PinEdit(file: r.file, line: r.line, span: span, old: r.reference, new: new))
      } catch {
        plan.skipped.append(Skipped(reference: r, reason: "cannot resolve: \(error)"))
      }
    }
    return plan
  }

  /// The most specific tag with the same digest: `3.11` → `3.11.9`, `3.11-slim` → `3.11.9-slim`.
  func preciseTag(_ ref: ImageReference, tag: String, digest: Digest) async throws -> String? {
    let core = tag.prefix(while: { $0.isNumber || $0 == "." || $0 == "v" })
    let suffix = tag.dropFirst(core.count)
    var candidates = try await resolver.tags(ref).filter { t in
      guard t != tag, t.hasSuffix(suffix) else { return false }
      let c = t.dropLast(suffix.count)
      if core.isEmpty { return false }
      return c.hasPrefix(core + ".") && c.allSatisfy({ $0.isNumber || $0 == "." || $0 == "v" })
    }
    candidates.sort {
      ($0.split(separator: ".").count, $0.count, $1) > (
        $1.split(separator: ".").count, $1.count, $0
      )
    }
    for t in candidates.prefix(Self.maxPreciseCandidates) {
      var c = ref
      c.tag = t
      c.digest = nil
      if let d = try? await resolver.resolve(c), d == digest { return t }
    }
    return nil
  }

  /// Applies edits to one file's bytes (spans must not overlap).
  public static func apply(_ edits: [PinEdit], to bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    for e in edits.sorted(by: { $0.span.start > $1.span.start }) {
      guard e.span.start >= 0, e.span.end <= out.count, e.span.start <= e.span.end else { continue }
      out.replaceSubrange(e.span.start..<e.span.end, with: Array(e.new.utf8))
    }
    return out
  }

  /// A unified diff of a file before and after (edits never add or remove lines).
  public static func unifiedDiff(path: String, old: [UInt8], new: [UInt8], context: Int = 3)
    -> String
  {
    let a = TextLines(bytes: old).lines
    let b = TextLines(bytes: new).lines
    guard a != b else { return "" }
    let n = max(a.count, b.count)
    let changed = (0..<n).filter { i in (i < a.count ? a[i] : nil) != (i < b.count ? b[i] : nil) }
    var out = "--- a/\(path)\n+++ b/\(path)\n"
    var i = 0
    while i < changed.count {
      var j = i
      while j + 1 < changed.count && changed[j + 1] - changed[j] <= 2 * context { j += 1 }
      let start = max(changed[i] - context, 0)
      let endA = min(changed[j] + context + 1, a.count)
      let endB = min(changed[j] + context + 1, b.count)
      out += "@@ -\(start + 1),\(endA - start) +\(start + 1),\(endB - start) @@\n"
      let set = Set(changed[i...j])
      for k in start..<max(endA, endB) {
        if set.contains(k) {
          if k < a.count { out += "-" + a[k] + "\n" }
          if k < b.count { out += "+" + b[k] + "\n" }
        } else if k < a.count {
          out += " " + a[k] + "\n"
        }
      }
      i = j + 1
    }
    return out
  }
}
