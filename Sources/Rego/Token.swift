/// One lexical token of Rego source.
struct Token: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case ident
    case string  // text holds the decoded value
    case number
    case punct  // text holds the operator / punctuation
    case eof
  }
  var kind: Kind
  var text: String
  var row: Int
  var col: Int
  /// True when a line break separates this token from the previous one; Rego uses
  /// line breaks as separators between body literals.
  var newlineBefore: Bool
}
