/// The media types of the distribution spec the client asks for and understands: names for the
/// one table, `MediaTypes`, plus what only the client sends.
public enum RegistryMediaType {
  public static let ociManifest = MediaTypes.ociManifest
  public static let ociIndex = MediaTypes.ociIndex
  public static let dockerManifest = MediaTypes.dockerManifest
  public static let dockerManifestList = MediaTypes.dockerList
  public static let ociConfig = MediaTypes.ociConfig
  public static let dockerConfig = MediaTypes.dockerConfig
  public static let ociEmpty = "application/vnd.oci.empty.v1+json"

  /// Sent on every manifest request, so a registry that could down-convert (schema 1) does not.
  public static let manifestAccept = [ociIndex, ociManifest, dockerManifestList, dockerManifest]

  public static func isIndex(_ type: String) -> Bool { MediaTypes.isIndex(type) }
  public static func isManifest(_ type: String) -> Bool { MediaTypes.isManifest(type) }
}
