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
    register("time.parse_ns", arity: 2) { a, _ in
      var layout = try argString(a, 0, "time.parse_ns")
      let value = try argString(a, 1, "time.parse_ns")
      if let named = GoTime.namedLayouts[layout] { layout = named }
      let t: GoTime
      do { t = try GoTime.parse(layout, value) } catch let e as GoTime.ParseError {
        throw builtinError("time.parse_ns", e.message)
      }
      return try TimeParsing.safeNano(t, "time.parse_ns")
    }
    register("time.format", arity: 1) { a, _ in
      let (t, layout0) = try TimeParsing.tzTime(a[0], "time.format")
      var layout = layout0.isEmpty ? "2006-01-02T15:04:05.999999999Z07:00" : layout0
      if let named = GoTime.namedLayouts[layout] { layout = named }
      return .string(t.format(layout))
    }
    register("time.date", arity: 1) { a, _ in
      let f = try TimeParsing.tzTime(a[0], "time.date").0.fields
      return .array([.int(f.year), .int(f.month), .int(f.day)])
    }
    register("time.clock", arity: 1) { a, _ in
      let f = try TimeParsing.tzTime(a[0], "time.clock").0.fields
      return .array([.int(f.hour), .int(f.minute), .int(f.second)])
    }
    register("time.weekday", arity: 1) { a, _ in
      .string(GoTime.longDays[try TimeParsing.tzTime(a[0], "time.weekday").0.fields.weekday])
    }
    register("time.add_date", arity: 4) { a, _ in
      let (t, _) = try TimeParsing.tzTime(a[0], "time.add_date")
      let y = try argInt(a, 1, "time.add_date")
      let m = try argInt(a, 2, "time.add_date")
      let d = try argInt(a, 3, "time.add_date")
      guard let r = t.addDate(years: y, months: m, days: d) else {
        throw builtinError("time.add_date", "time outside of valid range")
      }
      return try TimeParsing.safeNano(r, "time.add_date")
    }
    // Calendar difference (years … seconds) between two instants, in the first
    // one's zone (OPA's time.diff, after icza/gox).
    register("time.diff", arity: 2) { a, _ in
      let (t1, _) = try TimeParsing.tzTime(a[0], "time.diff")
      var (t2, _) = try TimeParsing.tzTime(a[1], "time.diff")
      t2.zone = t1.zone
      var (x, y) = (t1, t2)
      if (x.unix, x.nsec) > (y.unix, y.nsec) { swap(&x, &y) }
      let f1 = x.fields
      let f2 = y.fields
      var year = f2.year - f1.year
      var month = f2.month - f1.month
      var day = f2.day - f1.day
      var hour = f2.hour - f1.hour
      var minute = f2.minute - f1.minute
      var second = f2.second - f1.second
      if second < 0 {
        second += 60
        minute -= 1
      }
      if minute < 0 {
        minute += 60
        hour -= 1
      }
      if hour < 0 {
        hour += 24
        day -= 1
      }
      if day < 0 {
        // days in f1's month, by Go's Date(y, m, 32) overflow
        day += GoTime.daysIn(f1.month, f1.year)
        month -= 1
      }
      if month < 0 {
        month += 12
        year -= 1
      }
      return .array([.int(year), .int(month), .int(day), .int(hour), .int(minute), .int(second)])
    }
  }
}

/// RFC 3339 and Go duration parsing (no Foundation formatters: exact nanoseconds).
enum TimeParsing {
  /// OPA's `tzTime`: a number of nanoseconds, or [ns, zone] / [ns, zone, layout].
  static func tzTime(_ v: Value, _ name: String) throws -> (GoTime, String) {
    let expected = "operand 1 must be either number (ns) or [number (ns), string (tz)]"
    var zone = GoTime.Zone.utc
    var layout = ""
    let nv: Value
    switch v {
    case .number: nv = v
    case .array(let a):
      guard let first = a.first else { throw typeError(name, expected) }
      guard case .number = first else {
        throw typeError(name, "operand 1 must be number but got \(first.typeName)")
      }
      nv = first
      if a.count > 1 {
        guard case .string(let tz) = a[1] else {
          throw typeError(name, "operand 1 must be string but got \(a[1].typeName)")
        }
        guard let z = GoTime.Zone.named(tz) else {
          throw builtinError(name, "unknown time zone \(tz)")
        }
        zone = z
      }
      if a.count > 2 {
        guard case .string(let l) = a[2] else {
          throw typeError(name, "operand 1 must be string but got \(a[2].typeName)")
        }
        layout = l
      }
    default: throw typeError(name, expected)
    }
    guard case .number(let n) = nv, let ns = n.intValue ?? Int(exactly: n.doubleValue) else {
      throw builtinError(name, "timestamp too big")
    }
    return (GoTime(unixNano: ns, zone: zone), layout)
  }

  /// OPA's `toSafeUnixNano`: the instant as int64 nanoseconds, or an error.
  static func safeNano(_ t: GoTime, _ name: String) throws -> Value {
    guard let ns = t.unixNano else {
      throw builtinError(name, "time outside of valid range")
    }
    return .int(ns)
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
