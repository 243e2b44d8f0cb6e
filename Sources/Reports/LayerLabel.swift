/// How every text a person reads names an image layer: from 1, bottom layer first, as
/// `inventory` numbers them (`#1` is the base layer). JSON index fields (`introducedByIndex`,
/// `layerIndex`) stay 0-based, as the README's JSON model says.
public enum LayerLabel {
  /// `#N` for the 0-based layer `index`.
  public static func text(_ index: Int) -> String { "#\(index + 1)" }
}
