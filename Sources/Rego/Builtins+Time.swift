import Foundation

extension Builtins {
  mutating func registerTime() {
    register("time.now_ns", arity: 0) { _, ctx in .int(ctx.nowNanoseconds) }
    register("time.parse_rfc3339_ns", arity: 1) { a, _ in
      guard let ns = TimeParsing.rfc3339(try argString(a, 0, "time.parse_rfc3339_ns")) else {
        throw builtinError("time.parse_rfc3339_ns", "invalid RFC 3339 time")
      }
      return .int(ns)
    }
    register("time.parse_duration_ns", arity: 1) { a, _ in
      guard let ns = TimeParsing.duration(try argString(a, 0, "time.parse_duration_ns")) else {
        throw builtinError("time.parse_duration_ns", "invalid duration")
      }
      return .number(Number(ns))
    }
    register("time.date", arity: 1) { a, _ in
      let (ns, tz) = try TimeParsing.nsAndZone(a[0], "time.date")
      let c = TimeParsing.components(ns, tz)
      return .array([.int(c.year ?? 0), .int(c.month ?? 0), .int(c.day ?? 0)])
    }
    register("time.clock", arity: 1) { a, _ in
      let (ns, tz) = try TimeParsing.nsAndZone(a[0], "time.clock")
      let c = TimeParsing.components(ns, tz)
      return .array([.int(c.hour ?? 0), .int(c.minute ?? 0), .int(c.second ?? 0)])
    }
    register("time.weekday", arity: 1) { a, _ in
      let (ns, tz) = try TimeParsing.nsAndZone(a[0], "time.weekday")
      let c = TimeParsing.components(ns, tz)
      let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
      return .string(names[((c.weekday ?? 1) - 1) % 7])
    }
    register("time.add_date", arity: 4) { a, _ in
      let ns = try argInt(a, 0, "time.add_date")
      var cal = Calendar(identifier: .gregorian)
      cal.timeZone = TimeZone(identifier: "UTC") ?? .current
      let date = Date(timeIntervalSince1970: Double(ns / 1_000_000_000))
      var dc = DateComponents()
      dc.year = try argInt(a, 1, "time.add_date")
      dc.month = try argInt(a, 2, "time.add_date")
      dc.day = try argInt(a, 3, "time.add_date")
      guard let d = cal.date(byAdding: dc, to: date) else {
        throw builtinError("time.add_date", "time out of range")
      }
      return .int(Int(d.timeIntervalSince1970) * 1_000_000_000 + ns % 1_000_000_000)
    }
    register("time.diff", arity: 2) { a, _ in
      throw builtinError("time.diff", "not supported")
    }
  }
}

/// RFC 3339 and Go duration parsing (no Foundation formatters: exact nanoseconds).
enum TimeParsing {
  static func nsAndZone(_ v: Value, _ name: String) throws -> (Int, TimeZone) {
    switch v {
    case .number(let n):
      guard let i = n.intValue else { throw typeError(name, "operand 1 must be integer") }
      return (i, TimeZone(identifier: "UTC") ?? .current)
    case .array(let a):
      guard a.count == 2, case .number(let n) = a[0], let i = n.intValue, case .string(let z) = a[1]
      else {
        throw typeError(name, "operand 1 must be [ns, timezone]")
      }
      let tz = z.isEmpty || z == "UTC" ? TimeZone(identifier: "UTC") : TimeZone(identifier: z)
      guard let tz else { throw builtinError(name, "unknown time zone \(z)") }
      return (i, tz)
    default: throw typeError(name, "operand 1 must be number or array")
    }
  }

  static func components(_ ns: Int, _ tz: TimeZone) -> DateComponents {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = tz
    let secs = Double(ns.quotientAndRemainder(dividingBy: 1_000_000_000).quotient)
    return cal.dateComponents(
      [.year, .month, .day, .hour, .minute, .second, .weekday],
      from: Date(timeIntervalSince1970: secs))
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date.
  static func days(_ y: Int, _ m: Int, _ d: Int) -> Int {
    let y2 = m <= 2 ? y - 1 : y
    let era = (y2 >= 0 ? y2 : y2 - 399) / 400
    let yoe = y2 - era * 400
    let mp = (m + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  static func rfc3339(_ s: String) -> Int? {
    let c = Array(s.utf8)
    func num(_ a: Int, _ n: Int) -> Int? {
      guard a + n <= c.count else { return nil }
      var v = 0
      for i in a..<a + n {
        guard c[i] >= 0x30, c[i] <= 0x39 else { return nil }
        v = v * 10 + Int(c[i] - 0x30)
      }
      return v
    }
    guard c.count >= 20, let y = num(0, 4), c[4] == 0x2d, let mo = num(5, 2), c[7] == 0x2d,
      let d = num(8, 2), c[10] == 0x54 || c[10] == 0x74 || c[10] == 0x20, let h = num(11, 2),
      c[13] == 0x3a,
      let mi = num(14, 2), c[16] == 0x3a, let se = num(17, 2),
      (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, se < 61
    else { return nil }
    var i = 19
    var frac = 0
    if i < c.count, c[i] == 0x2e {
      i += 1
      var digits = 0
      while i < c.count, c[i] >= 0x30, c[i] <= 0x39 {
        if digits < 9 {
          frac = frac * 10 + Int(c[i] - 0x30)
          digits += 1
        }
        i += 1
      }
      guard digits > 0 else { return nil }
      for _ in digits..<9 { frac *= 10 }
    }
    guard i < c.count else { return nil }
    var offset = 0
    if c[i] == 0x5a || c[i] == 0x7a {
      i += 1
    } else if c[i] == 0x2b || c[i] == 0x2d {
      guard let oh = num(i + 1, 2), i + 3 < c.count, c[i + 3] == 0x3a, let om = num(i + 4, 2) else {
        return nil
      }
      offset = (oh * 60 + om) * 60 * (c[i] == 0x2b ? 1 : -1)
      i += 6
    } else {
      return nil
    }
    guard i == c.count else { return nil }
    let secs = days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset
    let (r, o) = secs.multipliedReportingOverflow(by: 1_000_000_000)
    guard !o else { return nil }
    return r + frac
  }

  /// Go's time.ParseDuration ("1h30m", "1.5s", "300ms", "-2h").
  static func duration(_ s: String) -> Double? {
    var c = Array(s.unicodeScalars)[...]
    var sign = 1.0
    if c.first == "-" || c.first == "+" {
      if c.first == "-" { sign = -1 }
      c.removeFirst()
    }
    if c == ["0"] { return 0 }
    guard !c.isEmpty else { return nil }
    let units: [(String, Double)] = [
      ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10),
      ("h", 3.6e12),
    ]
    var total = 0.0
    while !c.isEmpty {
      var numText = ""
      while let x = c.first, ("0"..."9").contains(x) || x == "." {
        numText.unicodeScalars.append(x)
        c.removeFirst()
      }
      guard let v = Double(numText) else { return nil }
      var unit = ""
      while let x = c.first, !("0"..."9").contains(x), x != "." {
        unit.unicodeScalars.append(x)
        c.removeFirst()
      }
      guard let mult = units.first(where: { $0.0 == unit })?.1 else { return nil }
      total += v * mult
    }
    return (sign * total).rounded(.towardZero)
  }
}
