import Foundation

/// Exact decimal arithmetic for the v2/v3 equations: the reference implementations compute in
/// decimal, and binary floating point would put some scores on the wrong side of a rounding step.
enum CVSSDecimal {
  /// `significand × 10^exponent`.
  static func d(_ significand: UInt64, _ exponent: Int) -> Decimal {
    Decimal(sign: .plus, exponent: exponent, significand: Decimal(significand))
  }

  /// Round half away from zero to one decimal (v2's round_to_1_decimal).
  static func roundHalfUp1(_ x: Decimal) -> Decimal {
    var input = x
    var result = Decimal()
    NSDecimalRound(&result, &input, 1, .plain)
    return result
  }

  /// The smallest one-decimal number >= x (v3.0's "Round up").
  static func ceil1(_ x: Decimal) -> Decimal {
    var input = x
    var result = Decimal()
    NSDecimalRound(&result, &input, 1, x < 0 ? .down : .up)
    return result
  }

  /// CVSS v3.1's `Roundup`: round to 5 decimals first (so that representation noise never
  /// bumps a score up a step), then up to one decimal. On exact decimals it equals `ceil1`
  /// except for inputs within 0.000005 above a step.
  static func roundup31(_ x: Decimal) -> Decimal {
    var input = x * 100_000
    var intInput = Decimal()
    NSDecimalRound(&intInput, &input, 0, .plain)
    var ten = intInput / 10_000
    var floorTen = Decimal()
    NSDecimalRound(&floorTen, &ten, 0, .down)
    if floorTen * 10_000 == intInput { return intInput / 100_000 }
    return (floorTen + 1) / 10
  }

  static func double(_ x: Decimal) -> Double {
    let value = NSDecimalNumber(decimal: x).doubleValue
    return value == 0 ? 0 : value  // no -0.0
  }
}
