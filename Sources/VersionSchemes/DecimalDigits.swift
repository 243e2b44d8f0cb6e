/// An arbitrary-length non-negative decimal integer, as version schemes need it: PEP 440, Go
/// and Maven numbers have no size limit, and a `UInt64` would silently wrap on a hostile input.
/// Values up to 18 digits are kept in `small` so that the common case compares as one integer.
public struct DecimalDigits: Comparable, Hashable, Sendable, CustomStringConvertible {
  /// The value when it has at most 18 significant digits; 0 otherwise (then `big` is set).
  let small: UInt64
  /// The significant digits (no leading zeros) when there are more than 18 of them.
  let big: [UInt8]?

  public static let zero = DecimalDigits(small: 0, big: nil)

  init(small: UInt64, big: [UInt8]?) {
    self.small = small
    self.big = big
  }

  /// `digits` must hold only ASCII digits (callers check); an empty run is zero.
  init<C: Collection>(digits: C) where C.Element == UInt8 {
    var start = digits.startIndex
    while start != digits.endIndex, digits[start] == UInt8(ascii: "0") {
      start = digits.index(after: start)
    }
    let significant = digits[start...]
    if significant.count <= 18 {
      var value: UInt64 = 0
      for d in significant { value = value * 10 + UInt64(d &- 48) }
      self.init(small: value, big: nil)
    } else {
      self.init(small: 0, big: Array(significant))
    }
  }

  init(_ value: UInt64) {
    if value < 1_000_000_000_000_000_000 {
      self.init(small: value, big: nil)
    } else {
      self.init(digits: Array(String(value).utf8))
    }
  }

  public var isZero: Bool { big == nil && small == 0 }

  public static func < (a: DecimalDigits, b: DecimalDigits) -> Bool { compare(a, b) < 0 }

  public static func compare(_ a: DecimalDigits, _ b: DecimalDigits) -> Int {
    switch (a.big, b.big) {
    case (nil, nil): return a.small < b.small ? -1 : (a.small == b.small ? 0 : 1)
    case (nil, _): return -1
    case (_, nil): return 1
    case (let x?, let y?):
      if x.count != y.count { return x.count < y.count ? -1 : 1 }
      return compareBytes(x, y)
    }
  }

  public var description: String {
    if let big { return String(decoding: big, as: UTF8.self) }
    return String(small)
  }
}

/// Lexicographic byte comparison (memcmp, then length), returning -1, 0 or 1.
@inline(__always)
func compareBytes<A: Collection, B: Collection>(_ a: A, _ b: B) -> Int
where A.Element == UInt8, B.Element == UInt8 {
  var i = a.startIndex
  var j = b.startIndex
  while i != a.endIndex, j != b.endIndex {
    let x = a[i]
    let y = b[j]
    if x != y { return x < y ? -1 : 1 }
    i = a.index(after: i)
    j = b.index(after: j)
  }
  if i == a.endIndex { return j == b.endIndex ? 0 : -1 }
  return 1
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
@inline(__always) func isLower(_ c: UInt8) -> Bool { c >= 97 && c <= 122 }
@inline(__always) func isUpper(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
@inline(__always) func isAlpha(_ c: UInt8) -> Bool { isLower(c) || isUpper(c) }
@inline(__always) func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
/// C `isspace` in the C locale.
@inline(__always) func isCSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
@inline(__always) func toLower(_ c: UInt8) -> UInt8 { isUpper(c) ? c + 32 : c }
