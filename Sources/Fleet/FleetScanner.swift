import ByteFormats
import Foundation
import TailguardModel
import Yams

/// Finds deployment files under the given paths (by name and by content), extracts every image
/// reference with its file and line, applies kustomize `images:` overrides and patch
/// inheritance, and returns them sorted. Pure apart from reading the files.
public struct FleetScanner: Sendable {
  public var buildArgs: [String: String]
  public var environment: [String: String]
  /// Files larger than this are skipped with a diagnostic.
  public static let maxFileBytes = 8 << 20
  /// Upper bound on files visited.
  public static let maxFiles = 200_000

  public init(buildArgs: [String: String] = [:], environment: [String: String] = [:]) {
    self.buildArgs = buildArgs
    self.environment = environment
  }

  public enum FileKind: String, Sendable {
    case dockerfile, yaml, other
  }

  /// Kind by name alone.
  public static func kindByName(_ path: String) -> FileKind {
    let base = (path as NSString).lastPathComponent.lowercased()
    if base == "dockerfile" || base == "containerfile" || base.hasPrefix("dockerfile.")
      || base.hasSuffix(".dockerfile") || base.hasPrefix("containerfile.")
      || base.hasSuffix(".containerfile") || base.hasPrefix("dockerfile-")
    {
      return .dockerfile
    }
    if base.hasSuffix(".yaml") || base.hasSuffix(".yml") { return .yaml }
    return .other
  }

  /// Whether the text reads as a Dockerfile: its first instruction (after comments, parser
  /// directives and global ARGs) is `FROM`.
  public static func looksLikeDockerfile(_ bytes: [UInt8]) -> Bool {
    let head = String(decoding: bytes.prefix(16_384), as: UTF8.self)
    for raw in head.split(separator: "\n", omittingEmptySubsequences: true) {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let upper = line.uppercased()
      if upper.hasPrefix("ARG ") { continue }
      return upper.hasPrefix("FROM ") || upper.hasPrefix("FROM\t")
    }
    return false
  }

  /// Expands the given paths into files (directories recursively, sorted).
  public func files(_ paths: [String], diagnostics: inout [Diagnostic]) -> [(String, Bool)] {
    var out: [(String, Bool)] = []  // (path, explicitly given)
    let fm = FileManager.default
    for p in paths {
      var isDir: ObjCBool = false
      guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
        diagnostics.append(
          Diagnostic(
            .error, code: "fleet.missing", "no such file or directory", source: "fleet", path: p))
        continue
      }
      if !isDir.boolValue {
        out.append((p, true))
        continue
      }
      var found: [String] = []
      if let e = fm.enumerator(atPath: p) {
        while let rel = e.nextObject() as? String {
          let comps = rel.split(separator: "/")
          if let last = comps.last, last == ".git" || last == "node_modules" || last == ".build" {
            e.skipDescendants()
            continue
          }
          if found.count >= Self.maxFiles { break }
          var d: ObjCBool = false
          let full = p.hasSuffix("/") ? p + rel : p + "/" + rel
          if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { found.append(full) }
        }
      }
      out.append(contentsOf: found.sorted().map { ($0, false) })
    }
    return out
  }

  public func scan(_ paths: [String]) -> FleetInventory {
    var inv = FleetInventory()
    var overrides: [KustomizeImageOverride] = []
    for (path, explicit) in files(paths, diagnostics: &inv.diagnostics) {
      var kind = Self.kindByName(path)
      if kind == .other {
        let base = (path as NSString).lastPathComponent
        // Content sniffing only for files without a known non-deployment extension.
        if !explicit && base.contains(".") && !base.lowercased().hasPrefix("dockerfile") {
          continue
        }
      }
      let bytes: [UInt8]
      do throws(ByteFormatError) {
        bytes = try BoundedFile.read(path: path, limit: Self.maxFileBytes)
      } catch  where error.code == .limitExceeded {
        inv.diagnostics.append(
          Diagnostic(
            .warning, code: "fleet.too-large",
            "file larger than \(Self.maxFileBytes) bytes skipped",
            source: "fleet", path: path))
        continue
      } catch {
        inv.diagnostics.append(
          Diagnostic(
            .error, code: "fleet.unreadable", "cannot read file: \(error.message)", source: "fleet",
            path: path))
        continue
      }
      if kind == .other {
        if Self.looksLikeDockerfile(bytes) {
          kind = .dockerfile
        } else if explicit {
          kind = .yaml
        } else {
          continue
        }
      }
      let result = scanFile(bytes: bytes, path: path, kind: kind, explicit: explicit)
      inv.references += result.references
      inv.diagnostics += result.diagnostics
      inv.files.append((path, result.kind))
      overrides += result.overrides
      inv.routes.services += result.routes.services
      inv.routes.routes += result.routes.routes
    }
    applyOverrides(overrides, to: &inv.references)
    inheritPatchReplicas(&inv.references)
    inv.references.sort { ($0.file, $0.line, $0.reference) < ($1.file, $1.line, $1.reference) }
    return inv
  }

  public struct FileResult: Sendable {
    public var kind: String
    public var references: [FleetReference] = []
    public var diagnostics: [Diagnostic] = []
    public var overrides: [KustomizeImageOverride] = []
    public var routes = KubernetesRoutes()
  }

  /// Scans one file's bytes as the given kind.
  public func scanFile(bytes: [UInt8], path: String, kind: FileKind, explicit: Bool = true)
    -> FileResult
  {
    if kind == .dockerfile {
      let r = DockerfileExtractor(buildArgs: buildArgs).extract(bytes: bytes, file: path)
      return FileResult(kind: "dockerfile", references: r.references, diagnostics: r.diagnostics)
    }
    let text = TextLines(bytes: bytes)
    let string = String(decoding: bytes, as: UTF8.self)
    let (docs, diag) = YAMLSupport.documents(string, file: path)
    var result = FileResult(kind: "yaml")
    if let diag {
      result.diagnostics.append(diag)
      if docs.isEmpty {
        let src: ReferenceSource =
          string.contains("jobs:")
          ? .actions
          : string.contains("services:") && !string.contains("kind:")
            ? .compose
            : string.contains("kind:") ? .kubernetes : .helm
        result.kind = "yaml-unparsed"
        result.references = YAMLSupport.fallbackImageLines(text, file: path, source: src)
        return result
      }
    }
    let base = (path as NSString).lastPathComponent.lowercased()
    if base == "kustomization.yaml" || base == "kustomization.yml"
      || docs.contains(where: {
        YAMLSupport.string(YAMLSupport.mapping($0)?["kind"]) == "Kustomization"
      })
    {
      result.kind = "kustomization"
      result.overrides = Self.kustomizeOverrides(docs, path: path)
      return result
    }
    if docs.contains(where: { ActionsExtractor.isWorkflow($0, file: path) }) {
      result.kind = "actions"
      result.references = ActionsExtractor().extract(documents: docs, text: text, file: path)
    } else if docs.contains(where: { ComposeExtractor.isCompose($0, file: path) }) {
      result.kind = "compose"
      result.references = ComposeExtractor(environment: environment).extract(
        documents: docs, text: text, file: path)
    } else if docs.contains(where: KubernetesExtractor.isKubernetes) {
      result.kind = "kubernetes"
      result.references = KubernetesExtractor().extract(documents: docs, text: text, file: path)
      result.routes.read(docs, file: path)
    } else if HelmValuesExtractor.isValuesFile(path) || (explicit && diag == nil) {
      result.kind = "helm"
      result.references = HelmValuesExtractor().extract(documents: docs, text: text, file: path)
    }
    return result
  }

  static func kustomizeOverrides(_ docs: [Node], path: String) -> [KustomizeImageOverride] {
    let dir = (URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path)
    var out: [KustomizeImageOverride] = []
    for doc in docs {
      guard let m = YAMLSupport.mapping(doc) else { continue }
      let resources = (YAMLSupport.sequence(m["resources"]) ?? Node.Sequence([])).compactMap {
        YAMLSupport.string($0).map {
          URL(fileURLWithPath: dir).appendingPathComponent($0).standardizedFileURL.path
        }
      }
      for entry in YAMLSupport.sequence(m["images"]) ?? Node.Sequence([]) {
        guard let e = YAMLSupport.mapping(entry), let name = YAMLSupport.string(e["name"]) else {
          continue
        }
        out.append(
          KustomizeImageOverride(
            name: name, newName: YAMLSupport.string(e["newName"]),
            newTag: YAMLSupport.string(e["newTag"]), digest: YAMLSupport.string(e["digest"]),
            directory: dir, resources: resources.isEmpty ? [dir] : resources))
      }
    }
    return out
  }

  func applyOverrides(_ overrides: [KustomizeImageOverride], to refs: inout [FleetReference]) {
    guard !overrides.isEmpty else { return }
    for i in refs.indices where refs[i].source == .kubernetes {
      let abs = URL(fileURLWithPath: refs[i].file).standardizedFileURL.path
      for o in overrides
      where o.resources.contains(where: { abs == $0 || abs.hasPrefix($0 + "/") }) {
        if let new = o.apply(to: refs[i].effectiveText) {
          refs[i].resolved = new
          refs[i].resolvedClass = ReferenceClass.classify(new).0
          refs[i].replicasSource = refs[i].replicasSource.map { $0 } ?? nil
          break
        }
      }
    }
  }

  /// A kustomize patch restates a workload without `replicas`; it runs with its base's count.
  func inheritPatchReplicas(_ refs: inout [FleetReference]) {
    var base: [String: (Int?, String?)] = [:]
    for r in refs where r.source == .kubernetes && r.replicasSource == "explicit" {
      if let w = r.workload, let k = w.kind, let n = w.name {
        base["\(k)/\(n)"] = (r.replicas, r.replicasSource)
      }
    }
    for i in refs.indices where refs[i].source == .kubernetes && refs[i].replicasSource == "default"
    {
      guard let w = refs[i].workload, let k = w.kind, let n = w.name,
        refs[i].file.contains("patch") || refs[i].file.contains("overlay"),
        let b = base["\(k)/\(n)"]
      else { continue }
      refs[i].replicas = b.0
      refs[i].replicasSource = "base"
    }
  }
}
