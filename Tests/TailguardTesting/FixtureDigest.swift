import ByteFormats

/// Digests for fixtures (OCI blobs are named by their SHA-256).
public enum FixtureDigest {
  public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
    BlobHasher.sha256Hex(bytes)
  }
  public static func sha256(_ bytes: some Collection<UInt8>) -> String {
    "sha256:" + sha256Hex(bytes)
  }
}
