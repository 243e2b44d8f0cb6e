/// One entry of a `kustomization.yaml` `images:` list: which image name it rewrites and to what.
public struct KustomizeImageOverride: Sendable, Hashable {
  public var name: String
  public var newName: String?
  public var newTag: String?
  public var digest: String?
  /// Directory of the kustomization file (absolute, standardised).
  public var directory: String
  /// Resource paths (absolute, standardised) the kustomization includes.
  public var resources: [String]

  /// Applies the override to a reference text when its name matches; nil when it does not.
  func apply(to text: String) -> String? {
    var rest = Substring(text)
    var digestPart: Substring?
    if let at = rest.firstIndex(of: "@") {
      digestPart = rest[rest.index(after: at)...]
      rest = rest[..<at]
    }
    var tag: Substring?
    if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
      tag = rest[rest.index(after: colon)...]
      rest = rest[..<colon]
    }
    guard rest == name else { return nil }
    var out = newName ?? String(rest)
    if let digest {
      out += "@" + digest
    } else if let newTag {
      out += ":" + newTag
    } else {
      if let tag { out += ":" + tag }
      if let digestPart { out += "@" + digestPart }
    }
    return out
  }
}
