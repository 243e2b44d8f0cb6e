import ByteFormats
import Foundation

/// The file side of `fix apply`: reads the plan and the files with bounds, refuses what it must
/// not touch, and writes every edit only after all of them were prepared.
public enum FixApplyFiles {
  /// A Dockerfile, requirements file or package.json larger than this is refused.
  public static let fileLimit = 4 << 20
  /// A plan larger than this is refused.
  public static let planLimit = 64 << 20

  /// Reads and decodes `fix plan -o json` output.
  public static func loadPlan(path: String) throws(RemediationError) -> FixPlan {
    let bytes: [UInt8]
    do { bytes = try BoundedFile.read(path: path, limit: planLimit) } catch {
      throw RemediationError(.plan, "cannot read the plan: \(error)")
    }
    let plan: FixPlan
    do { plan = try JSONDecoder().decode(FixPlan.self, from: Data(bytes)) } catch {
      throw RemediationError(
        .plan, "\(path) is not a fix plan (tailguard fix plan -o json): \(describe(error))")
    }
    guard plan.schemaVersion <= FixPlan.currentSchemaVersion else {
      throw RemediationError(
        .plan,
        "\(path) has plan schema version \(plan.schemaVersion); this tailguard reads up to \(FixPlan.currentSchemaVersion)"
      )
    }
    return plan
  }

  static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.dataCorrupted(let c): return c.debugDescription
    case DecodingError.keyNotFound(let k, let c):
      return "missing \"\(k.stringValue)\" at \(path(c.codingPath))"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
      return "\(c.debugDescription) at \(path(c.codingPath))"
    default: return "\(error)"
    }
  }

  static func path(_ keys: [any CodingKey]) -> String {
    keys.isEmpty
      ? "the top level"
      : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
  }

  /// The files to edit: each PATH that is a file `fix apply` knows by name, or the known files
  /// directly inside each PATH that is a directory (not recursive). A file named explicitly
  /// whose kind is unknown is an error.
  public static func collect(_ paths: [String]) throws(RemediationError) -> [(
    path: String, kind: ManifestKind
  )] {
    var out: [(String, ManifestKind)] = []
    for p in paths {
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
        throw RemediationError(.edit, "\(p) does not exist")
      }
      if isDir.boolValue {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
        for name in names.sorted() {
          if let kind = ManifestKind.of(fileNamed: name) {
            out.append(((p.hasSuffix("/") ? p : p + "/") + name, kind))
          }
        }
      } else {
        let name = (p as NSString).lastPathComponent
        guard let kind = ManifestKind.of(fileNamed: name) else {
          throw RemediationError(
            .edit,
            "\(p): fix apply edits Dockerfiles, requirements*.txt and package.json, not \(name)")
        }
        out.append((p, kind))
      }
    }
    return out
  }

  /// The file `path` really names, refusing a symlink that leads out of the directory it is in.
  public static func resolve(_ path: String) throws(RemediationError) -> String {
    var info = stat()
    guard lstat(path, &info) == 0 else {
      throw RemediationError(.edit, "cannot stat \(path): \(String(cString: strerror(errno)))")
    }
    guard let real = realpath(path, nil) else {
      throw RemediationError(
        .edit, "\(path) cannot be resolved: \(String(cString: strerror(errno)))")
    }
    defer { free(real) }
    let resolved = String(cString: real)
    guard info.st_mode & S_IFMT == S_IFLNK else { return resolved }
    let parent = (path as NSString).deletingLastPathComponent
    guard let dirReal = realpath(parent.isEmpty ? "." : parent, nil) else {
      throw RemediationError(.edit, "\(parent) cannot be resolved")
    }
    defer { free(dirReal) }
    let dir = String(cString: dirReal)
    guard resolved.hasPrefix(dir == "/" ? "/" : dir + "/") else {
      throw RemediationError(
        .edit,
        "\(path) is a symlink to \(resolved), outside \(dir); refusing to write through it")
    }
    return resolved
  }

  /// Every edit, prepared before anything is written: a file that cannot be read, is not text,
  /// is too large or is a symlink leading elsewhere stops the whole run.
  public static func prepare(_ paths: [String], plan: FixPlan) throws(RemediationError)
    -> [FileEdit]
  {
    var edits: [FileEdit] = []
    for (path, kind) in try collect(paths) {
      _ = try resolve(path)
      let bytes: [UInt8]
      do { bytes = try BoundedFile.read(path: path, limit: fileLimit) } catch {
        throw RemediationError(.edit, "cannot read \(path): \(error)")
      }
      edits.append(try FixApply.edit(bytes, kind: kind, path: path, plan: plan))
    }
    return edits
  }

  /// Writes the changed files: each through a new file next to the real one (same mode),
  /// renamed over it, so a reader never sees half a file.
  public static func write(_ edits: [FileEdit]) throws(RemediationError) {
    for edit in edits where edit.changed {
      let real = try resolve(edit.path)
      var info = stat()
      guard stat(real, &info) == 0 else {
        throw RemediationError(.edit, "cannot stat \(real)")
      }
      let dir = (real as NSString).deletingLastPathComponent
      let tmp = dir + "/.\((real as NSString).lastPathComponent).tailguard-\(getpid())"
      let fd = open(
        tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, info.st_mode & 0o7777)
      guard fd >= 0 else {
        throw RemediationError(
          .edit, "cannot write next to \(real): \(String(cString: strerror(errno)))")
      }
      var ok = true
      edit.edited.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
          let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
          if n < 0 {
            if errno == EINTR { continue }
            ok = false
            return
          }
          offset += n
        }
      }
      _ = fchmod(fd, info.st_mode & 0o7777)
      if fsync(fd) != 0 { ok = false }
      close(fd)
      guard ok, rename(tmp, real) == 0 else {
        unlink(tmp)
        throw RemediationError(.edit, "cannot write \(real): \(String(cString: strerror(errno)))")
      }
    }
  }
}
