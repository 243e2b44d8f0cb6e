import ByteFormats
import FileTrees
import TailguardModel

/// One selected file handed to a `FileParser`: its path, its bytes, and the tree it came from
/// (for layer attribution and diagnostics).
public struct SelectedFile {
  public var path: String
  public var source: any ByteSource
  public var resolver: any FileResolver
  public var context: CatalogContext
  /// The id of the cataloger reading it (`Package.foundBy`, diagnostics' source).
  public var catalogerID: String
}

/// A kind of file and what reads it: which files (declared before the walk, like every
/// selector) and a pure function from one of them to what it declares.
public struct FileParser: Sendable {
  public var selector: FileSelector
  public var parse: @Sendable (SelectedFile) -> CatalogResult

  public init(_ selector: FileSelector, parse: @escaping @Sendable (SelectedFile) -> CatalogResult)
  {
    self.selector = selector
    self.parse = parse
  }
}

/// The files of one ecosystem: a cataloger id and its (file selector → parser) pairs. A language
/// ecosystem whose packages come from one kind of manifest, lockfile or binary is one type
/// conforming to this (its parser file) and `FileCataloger<ThatType>` in Scanner's array.
public protocol PackageFiles: Sendable {
  /// Stable id, used in `Package.foundBy` and diagnostics.
  var id: String { get }
  var parsers: [FileParser] { get }
  init()
}

/// The generic cataloger: every file each parser selects, read by that parser, with packages and
/// relationships sorted so the result does not depend on walk order.
public struct FileCataloger<Files: PackageFiles>: Cataloger {
  public var files: Files
  public init() { files = Files() }
  public init(_ files: Files) { self.files = files }

  public var id: String { files.id }
  public var selectors: [FileSelector] { files.parsers.map(\.selector) }

  public func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult {
    var result = CatalogResult()
    for parser in files.parsers {
      for path in resolver.paths(matching: parser.selector) {
        guard let source = resolver.contents(at: path) else { continue }
        let found = parser.parse(
          SelectedFile(
            path: path, source: source, resolver: resolver, context: context, catalogerID: id))
        result.packages += found.packages
        result.relationships += found.relationships
        result.diagnostics += found.diagnostics
      }
    }
    result.packages.sort()
    result.relationships.sort()
    return result
  }
}
