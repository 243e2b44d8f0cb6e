/// Parsed RE2 syntax tree (flags already applied to the nodes they affect).
indirect enum RegexNode {
  case empty
  /// A class of scalars: inclusive ranges, negation, case folding.
  case chars([ClosedRange<UInt32>], negated: Bool, fold: Bool)
  case any(dotNL: Bool)
  case concat([RegexNode])
  case alt([RegexNode])
  case repeatNode(RegexNode, min: Int, max: Int?, greedy: Bool)
  case group(RegexNode, index: Int?)
  case assertion(RegexAssertion)
}

enum RegexAssertion {
  case beginText, endText, beginLine, endLine, wordBoundary, notWordBoundary
}
