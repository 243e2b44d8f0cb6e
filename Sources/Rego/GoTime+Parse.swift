import Foundation

extension GoTime {
  /// Go's `time.Parse` (default zone UTC; a zone abbreviation is looked up in the
  /// process's local zone, as Go does).
  ///
  /// In three steps, as Go's `parse` reads: match the layout's chunks against the value and
  /// collect the fields (`TimeFields.scan`), then settle the date from them (`resolveDate`), then
  /// apply the zone (`time`).
  static func parse(_ layoutText: String, _ valueText: String) throws -> GoTime {
    var fields = TimeFields(value: Array(valueText.utf8)[...], valueText: valueText)
    do {
      try fields.scan(layout: Array(layoutText.utf8)[...])
      try fields.resolveDate()
      return try fields.time()
    } catch is TimeFields.CannotParse {
      throw ParseError(
        message:
          "parsing time \(JSONCodec.quote(valueText)) as \(JSONCodec.quote(layoutText)): cannot parse"
      )
    }
  }

  /// The fields a layout has read from a value so far, and the rest of the value.
  struct TimeFields {
    /// The value does not fit the layout (Go's generic "cannot parse" error).
    struct CannotParse: Error {}

    var value: ArraySlice<UInt8>
    let valueText: String
    var amSet = false
    var pmSet = false
    var year = 0
    var month = -1
    var day = -1
    var yday = -1
    var hour = 0
    var minute = 0
    var second = 0
    var nsec = 0
    var utcZone = false
    var zoneOffset: Int? = nil
    var zoneName = ""

    init(value: ArraySlice<UInt8>, valueText: String) {
      self.value = value
      self.valueText = valueText
    }

    func failure(_ what: String) -> ParseError {
      ParseError(message: "parsing time \(JSONCodec.quote(valueText)): \(what)")
    }

    // MARK: step 1, the layout's chunks against the value

    mutating func scan(layout text: ArraySlice<UInt8>) throws {
      var layout = text
      while true {
        let (prefix, std, suffix) = GoTime.nextChunk(layout)
        try skipLiteral(prefix)
        guard let std else {
          if !value.isEmpty {
            throw failure(
              "extra text: \(JSONCodec.quote(String(decoding: value, as: UTF8.self)))")
          }
          return
        }
        layout = suffix
        if let range = try field(std, layoutAfter: layout) {
          throw failure("\(range) out of range")
        }
      }
    }

    /// Skips the layout's literal text in the value (a space matches any run of spaces).
    mutating func skipLiteral(_ prefix: ArraySlice<UInt8>) throws {
      var p = prefix
      while let c = p.first {
        if c == UInt8(ascii: " ") {
          if let v = value.first, v != UInt8(ascii: " ") { throw CannotParse() }
          p = p.drop(while: { $0 == UInt8(ascii: " ") })
          value = value.drop(while: { $0 == UInt8(ascii: " ") })
          continue
        }
        guard value.first == c else { throw CannotParse() }
        p = p.dropFirst()
        value = value.dropFirst()
      }
    }

    /// Reads one standard field; returns the name of a field out of range (Go reports it after
    /// the field is read).
    mutating func field(_ std: Std, layoutAfter layout: ArraySlice<UInt8>) throws -> String? {
      switch std {
      case .year:
        guard value.count >= 2, let y = Int(String(decoding: value.prefix(2), as: UTF8.self)) else {
          throw CannotParse()
        }
        value = value.dropFirst(2)
        year = y >= 69 ? y + 1900 : y + 2000
      case .longYear:
        guard value.count >= 4, Self.isDigit(value, 0),
          let y = Int(String(decoding: value.prefix(4), as: UTF8.self))
        else { throw CannotParse() }
        value = value.dropFirst(4)
        year = y
      case .month:
        month = try Self.lookup(GoTime.longMonths.map { String($0.prefix(3)) }, &value) + 1
      case .longMonth: month = try Self.lookup(GoTime.longMonths, &value) + 1
      case .numMonth, .zeroMonth:
        month = try Self.getnum(&value, fixed: std == .zeroMonth)
        if month <= 0 || month > 12 { return "month" }
      case .weekDay: _ = try Self.lookup(GoTime.longDays.map { String($0.prefix(3)) }, &value)
      case .longWeekDay: _ = try Self.lookup(GoTime.longDays, &value)
      case .day, .underDay, .zeroDay:
        if std == .underDay, value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        day = try Self.getnum(&value, fixed: std == .zeroDay)
      case .underYearDay, .zeroYearDay:
        for _ in 0..<2 where std == .underYearDay && value.first == UInt8(ascii: " ") {
          value = value.dropFirst()
        }
        yday = try Self.getnum3(&value, fixed: std == .zeroYearDay)
      case .hour:
        hour = try Self.getnum(&value, fixed: false)
        if hour >= 24 { return "hour" }
      case .hour12, .zeroHour12:
        hour = try Self.getnum(&value, fixed: std == .zeroHour12)
        if hour > 12 { return "hour" }
      case .minute, .zeroMinute:
        minute = try Self.getnum(&value, fixed: std == .zeroMinute)
        if minute >= 60 { return "minute" }
      case .second, .zeroSecond:
        second = try Self.getnum(&value, fixed: std == .zeroSecond)
        if second >= 60 { return "second" }
        try fractionWithoutLayout(layoutAfter: layout)
      case .pm, .lowerPM:
        guard value.count >= 2 else { throw CannotParse() }
        let s = String(decoding: value.prefix(2), as: UTF8.self)
        value = value.dropFirst(2)
        let (pm, am) = std == .pm ? ("PM", "AM") : ("pm", "am")
        if s == pm { pmSet = true } else if s == am { amSet = true } else { throw CannotParse() }
      case .iso8601TZ, .iso8601ShortTZ, .iso8601ColonTZ, .iso8601SecondsTZ,
        .iso8601ColonSecondsTZ, .numTZ, .numShortTZ, .numColonTZ, .numSecondsTZ,
        .numColonSecondsTZ:
        return try numericZone(std)
      case .tz:
        if value.starts(with: Array("UTC".utf8)) {
          utcZone = true
          value = value.dropFirst(3)
          break
        }
        guard let n = GoTime.parseTimeZone(Array(value)) else { throw CannotParse() }
        zoneName = String(decoding: value.prefix(n), as: UTF8.self)
        value = value.dropFirst(n)
      case .frac0(let digits, _):
        let nd = 1 + digits
        guard value.count >= nd else { throw CannotParse() }
        nsec = try Self.nanoseconds(value, nd)
        value = value.dropFirst(nd)
      case .frac9:
        guard value.count >= 2,
          value.first == UInt8(ascii: ".") || value.first == UInt8(ascii: ","),
          Self.isDigit(value, 1)
        else { break }
        var i = 0
        while Self.isDigit(value, i + 1) { i += 1 }
        nsec = try Self.nanoseconds(value, 1 + i)
        value = value.dropFirst(1 + i)
      }
      return nil
    }

    /// A fraction of a second in the value where the layout has none after the seconds.
    mutating func fractionWithoutLayout(layoutAfter layout: ArraySlice<UInt8>) throws {
      guard value.count >= 2, value.first == UInt8(ascii: ".") || value.first == UInt8(ascii: ","),
        Self.isDigit(value, 1)
      else { return }
      let (_, next, _) = GoTime.nextChunk(layout)
      if case .frac0? = next { return }
      if case .frac9? = next { return }
      var n = 2
      while Self.isDigit(value, n) { n += 1 }
      nsec = try Self.nanoseconds(value, n)
      value = value.dropFirst(n)
    }

    /// `Z`, `±hh`, `±hhmm`, `±hh:mm`, `±hhmmss`, `±hh:mm:ss` as the layout asks.
    mutating func numericZone(_ std: Std) throws -> String? {
      let iso = [
        .iso8601TZ, .iso8601ShortTZ, .iso8601ColonTZ, .iso8601SecondsTZ,
        .iso8601ColonSecondsTZ,
      ].contains(std)
      if iso, value.first == UInt8(ascii: "Z") {
        value = value.dropFirst()
        utcZone = true
        return nil
      }
      let v = Array(value)
      var sign: UInt8 = 0
      var hh = ""
      var mm = ""
      var ss = "00"
      func str(_ r: Range<Int>) -> String { String(decoding: v[r], as: UTF8.self) }
      switch std {
      case .iso8601ColonTZ, .numColonTZ:
        guard v.count >= 6, v[3] == UInt8(ascii: ":") else { throw CannotParse() }
        (sign, hh, mm) = (v[0], str(1..<3), str(4..<6))
        value = value.dropFirst(6)
      case .numShortTZ, .iso8601ShortTZ:
        guard v.count >= 3 else { throw CannotParse() }
        (sign, hh, mm) = (v[0], str(1..<3), "00")
        value = value.dropFirst(3)
      case .iso8601ColonSecondsTZ, .numColonSecondsTZ:
        guard v.count >= 9, v[3] == UInt8(ascii: ":"), v[6] == UInt8(ascii: ":") else {
          throw CannotParse()
        }
        (sign, hh, mm, ss) = (v[0], str(1..<3), str(4..<6), str(7..<9))
        value = value.dropFirst(9)
      case .iso8601SecondsTZ, .numSecondsTZ:
        guard v.count >= 7 else { throw CannotParse() }
        (sign, hh, mm, ss) = (v[0], str(1..<3), str(3..<5), str(5..<7))
        value = value.dropFirst(7)
      default:
        guard v.count >= 5 else { throw CannotParse() }
        (sign, hh, mm) = (v[0], str(1..<3), str(3..<5))
        value = value.dropFirst(5)
      }
      func two(_ s: String) throws -> Int {
        var x = Array(s.utf8)[...]
        return try Self.getnum(&x, fixed: true)
      }
      let hr = try two(hh)
      let mn = try two(mm)
      let sc = try two(ss)
      var range: String? = nil
      if hr > 24 { range = "time zone offset hour" }
      if mn > 60 { range = "time zone offset minute" }
      if sc > 60 { range = "time zone offset second" }
      var off = (hr * 60 + mn) * 60 + sc
      switch sign {
      case UInt8(ascii: "+"): break
      case UInt8(ascii: "-"): off = -off
      default: throw CannotParse()
      }
      zoneOffset = off
      return range
    }

    // MARK: step 2, the date

    /// AM/PM applied to the hour; month and day from the day of the year when one was read
    /// (they must agree with a month and day read as well); day checked against the month.
    mutating func resolveDate() throws {
      if pmSet, hour < 12 {
        hour += 12
      } else if amSet, hour == 12 {
        hour = 0
      }
      if yday >= 0 {
        let (m, d) = try monthAndDay(ofYearDay: yday)
        if month >= 0, month != m { throw failure("day-of-year does not match month") }
        month = m
        if day >= 0, day != d { throw failure("day-of-year does not match day") }
        day = d
      } else {
        if month < 0 { month = 1 }
        if day < 0 { day = 1 }
      }
      if day < 1 || day > GoTime.daysIn(month, year) { throw failure("day out of range") }
    }

    func monthAndDay(ofYearDay yday: Int) throws -> (month: Int, day: Int) {
      var d = 0
      var m = 0
      var yd = yday
      if GoTime.isLeap(year) {
        if yd == 31 + 29 {
          m = 2
          d = 29
        } else if yd > 31 + 29 {
          yd -= 1
        }
      }
      if yd < 1 || yd > 365 { throw failure("day-of-year out of range") }
      if m == 0 {
        let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]
        m = (yd - 1) / 31 + 1
        if before[m] < yd { m += 1 }
        d = yd - before[m - 1]
      }
      return (m, d)
    }

    // MARK: step 3, the zone

    func time() throws -> GoTime {
      guard var t = GoTime.date(year, month, day, hour, minute, second, nsec, .utc) else {
        throw CannotParse()
      }
      if utcZone { return t }
      if let off = zoneOffset {
        t.unix -= off
        return t
      }
      if !zoneName.isEmpty {
        let local = Zone(tz: TimeZone.current, fixedName: "", fixedOffset: 0)
        if local.abbreviation(at: t.unix) == zoneName {
          t.unix -= local.offset(at: t.unix)
          return t
        }
        if zoneName.count > 3, zoneName.hasPrefix("GMT"), let h = Int(zoneName.dropFirst(3)) {
          t.unix -= h * 3600
        }
      }
      return t
    }

    // MARK: readers of the value

    static func isDigit(_ s: ArraySlice<UInt8>, _ i: Int) -> Bool {
      s.startIndex + i < s.endIndex && s[s.startIndex + i] >= 0x30 && s[s.startIndex + i] <= 0x39
    }

    static func digit(_ s: ArraySlice<UInt8>, _ i: Int) -> Int { Int(s[s.startIndex + i] - 0x30) }

    static func getnum(_ s: inout ArraySlice<UInt8>, fixed: Bool) throws -> Int {
      guard isDigit(s, 0) else { throw CannotParse() }
      if !isDigit(s, 1) {
        if fixed { throw CannotParse() }
        let v = digit(s, 0)
        s = s.dropFirst()
        return v
      }
      let v = digit(s, 0) * 10 + digit(s, 1)
      s = s.dropFirst(2)
      return v
    }

    static func getnum3(_ s: inout ArraySlice<UInt8>, fixed: Bool) throws -> Int {
      var n = 0
      var i = 0
      while i < 3, isDigit(s, i) {
        n = n * 10 + digit(s, i)
        i += 1
      }
      if i == 0 || (fixed && i != 3) { throw CannotParse() }
      s = s.dropFirst(i)
      return n
    }

    static func lookup(_ names: [String], _ s: inout ArraySlice<UInt8>) throws -> Int {
      for (i, name) in names.enumerated() {
        let b = Array(name.utf8)
        if s.count >= b.count,
          zip(s.prefix(b.count), b).allSatisfy({ x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7a)
          })
        {
          s = s.dropFirst(b.count)
          return i
        }
      }
      throw CannotParse()
    }

    /// Go's `parseNanoseconds`: a separator, then up to 9 digits scaled to ns.
    static func nanoseconds(_ s: ArraySlice<UInt8>, _ nbytes: Int) throws -> Int {
      guard let f = s.first, f == UInt8(ascii: ".") || f == UInt8(ascii: ",") else {
        throw CannotParse()
      }
      let n = min(nbytes, 10)
      let digits = s.dropFirst().prefix(n - 1)
      guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        var v = Int(String(decoding: digits, as: UTF8.self))
      else { throw CannotParse() }
      for _ in 0..<(10 - n) { v *= 10 }
      return v
    }
  }
}
