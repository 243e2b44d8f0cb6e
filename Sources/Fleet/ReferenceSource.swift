/// The kind of file a reference was found in.
public enum ReferenceSource: String, Sendable, Codable, Hashable, CaseIterable {
  case dockerfile, kubernetes, compose, helm, actions
}
