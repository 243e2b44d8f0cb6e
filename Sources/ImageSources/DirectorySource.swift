import Foundation
import TailguardModel

/// An unpacked root filesystem (`dir:PATH`, including `/`). It has no layers: the file tree
/// is read straight from disk (FileTrees' `DirectoryResolver`), so this source only gives the
/// identity of the target.
public struct DirectorySource: ImageSource {
  public let target: String
  public let root: String

  public init(root: String, target: String? = nil) {
    self.root = root
    self.target = target ?? "dir:\(root)"
  }

  public func image() async throws -> ImageMetadata { try resolve() }

  public func resolve() throws(ImageSourceError) -> ImageMetadata {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
      throw ImageSourceError(.notFound, "directory \(root) does not exist", path: root)
    }
    return ImageMetadata(target: target, sourceKind: "directory", reference: root)
  }

  public func openLayerBlob(_ layer: LayerInfo) async throws -> any BlobReader {
    throw ImageSourceError(.unsupported, "a directory source has no layers", path: root)
  }
}
