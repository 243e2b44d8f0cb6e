/// The media types of the distribution spec the client asks for and understands.
public enum RegistryMediaType {
  public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
  public static let ociIndex = "application/vnd.oci.image.index.v1+json"
  public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
  public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
  public static let ociConfig = "application/vnd.oci.image.config.v1+json"
  public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
  public static let ociEmpty = "application/vnd.oci.empty.v1+json"

  /// Sent on every manifest request, so a registry that could down-convert (schema 1) does not.
  public static let manifestAccept = [ociIndex, ociManifest, dockerManifestList, dockerManifest]

  public static func isIndex(_ type: String) -> Bool {
    type == ociIndex || type == dockerManifestList
  }
  public static func isManifest(_ type: String) -> Bool {
    type == ociManifest || type == dockerManifest
  }
}
