import FileTrees
import TailguardModel

/// Options every cataloger sees.
public struct CatalogOptions: Hashable, Sendable {
  /// Report language packages also when an OS package owns their files (default: the OS package wins).
  public var allEcosystems: Bool
  public init(allEcosystems: Bool = false) { self.allEcosystems = allEcosystems }
}

/// What the catalogers learned before they run (the OS release is read first, since purls and
/// matching depend on it), and the files OS package managers own (for the precision rule).
public struct CatalogContext: Sendable {
  public var distro: Distro?
  public var options: CatalogOptions
  public init(distro: Distro? = nil, options: CatalogOptions = CatalogOptions()) {
    self.distro = distro
    self.options = options
  }
}

/// What one cataloger found.
public struct CatalogResult: Sendable {
  public var packages: [Package]
  public var relationships: [Relationship]
  public var diagnostics: [Diagnostic]
  public init(
    packages: [Package] = [], relationships: [Relationship] = [], diagnostics: [Diagnostic] = []
  ) {
    self.packages = packages
    self.relationships = relationships
    self.diagnostics = diagnostics
  }
}

/// Finds packages of one kind in a file tree. The scanner holds an explicit array of them;
/// nothing registers itself.
public protocol Cataloger: Sendable {
  /// Stable id, used in `Package.foundBy` and diagnostics (`dpkg`, `python`, `go-binary`, …).
  var id: String { get }
  /// Files this cataloger reads, declared before the walk.
  var selectors: [FileSelector] { get }
  func catalog(_ resolver: any FileResolver, context: CatalogContext) -> CatalogResult
}
