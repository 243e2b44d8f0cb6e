import TailguardModel

/// How an image reference is pinned. The classes are what a fleet report groups by:
/// `digest` is immutable, everything else can move under the deployment.
public enum ReferenceClass: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
  case digest, tag, latest, untagged, variable, scratch, stage, invalid

  public static func < (a: ReferenceClass, b: ReferenceClass) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }

  /// Classifies text that contains no unresolved placeholder. `stages` are the names (lowercased)
  /// of earlier Dockerfile stages.
  public static func classify(
    _ text: String, stages: Set<String> = [], dockerfile: Bool = false,
    substituted: Bool = false
  ) -> (ReferenceClass, ImageReference?) {
    if dockerfile && text.lowercased() == "scratch" { return (.scratch, nil) }
    if dockerfile && stages.contains(text.lowercased()) { return (.stage, nil) }
    // After substitution a `$` left over is literal (Compose `$$`), which makes it invalid.
    if !substituted && Interpolation.containsPlaceholder(text) { return (.variable, nil) }
    guard let ref = try? ImageReference(parsing: text) else {
      return (looksLikePlaceholder(text) ? .variable : .invalid, nil)
    }
    if ref.digest != nil { return (.digest, ref) }
    guard let tag = ref.tag else { return (.untagged, ref) }
    return (tag == "latest" ? .latest : .tag, ref)
  }

  /// Documentation placeholders that a human replaces before deploying: `<DOCKER_REPO>`,
  /// `[PROJECT_ID]`, `PROJECT_ID`, `CONTAINER_IMAGE`. Only consulted when the text does not parse,
  /// so a valid reference is never mistaken for one.
  public static func looksLikePlaceholder(_ text: String) -> Bool {
    if text.contains("<") || text.contains(">") || text.contains("[") || text.contains("]") {
      return true
    }
    var word = ""
    for ch in text + "/" {
      if ch.isUppercase || ch == "_" || (ch.isNumber && !word.isEmpty) {
        word.append(ch)
      } else {
        if word.count >= 3, word.contains(where: \.isUppercase),
          word.filter(\.isUppercase).count >= 2
        {
          return true
        }
        word = ""
      }
    }
    return false
  }
}
