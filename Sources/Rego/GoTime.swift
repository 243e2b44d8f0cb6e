import Foundation

/// Go's `time` package as OPA's time builtins use it: wall-clock fields in a zone,
/// `time.Date` normalisation (so `AddDate` overflows like Go, Jan 31 + 1 month =
/// Mar 3, rather than clamping), `Format` and `Parse` layouts. Calendar arithmetic
/// is done here (proleptic Gregorian); Foundation only supplies zone offsets and
/// abbreviations from the system time-zone database.
struct GoTime {
  /// Seconds since the Unix epoch and the nanosecond within the second.
  var unix: Int
  var nsec: Int
  var zone: Zone

  /// A location: UTC, a named zone, or a fixed offset (from a parsed layout).
  struct Zone: Sendable {
    var tz: TimeZone?
    var fixedName: String
    var fixedOffset: Int

    static let utc = Zone(tz: nil, fixedName: "UTC", fixedOffset: 0)

    func offset(at unix: Int) -> Int {
      guard let tz else { return fixedOffset }
      return tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(unix)))
    }

    /// The zone abbreviation Go prints for `MST`: read from the zone's TZif file
    /// (as Go's `LoadLocation` does); Foundation on Linux only offers "GMT+1".
    func abbreviation(at unix: Int) -> String {
      guard let tz else { return fixedName }
      let date = Date(timeIntervalSince1970: Double(unix))
      if let info = TZif.load(tz.identifier),
        let name = info.abbreviation(at: unix, isDST: tz.isDaylightSavingTime(for: date))
      {
        return name
      }
      return tz.abbreviation(for: date) ?? ""
    }

    /// OPA's zone names: "" and "UTC" are UTC, "Local" the process zone, anything
    /// else an IANA name.
    static func named(_ name: String) -> Zone? {
      switch name {
      case "", "UTC": return .utc
      case "Local": return Zone(tz: TimeZone.current, fixedName: "", fixedOffset: 0)
      default:
        guard let tz = TimeZone(identifier: name) else { return nil }
        return Zone(tz: tz, fixedName: "", fixedOffset: 0)
      }
    }
  }

  struct Fields {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var weekday: Int  // 0 = Sunday
    var yday: Int  // 1-based
  }

  init(unixNano: Int, zone: Zone) {
    let (q, r) = unixNano.quotientAndRemainder(dividingBy: 1_000_000_000)
    unix = r < 0 ? q - 1 : q
    nsec = r < 0 ? r + 1_000_000_000 : r
    self.zone = zone
  }

  init(unix: Int, nsec: Int, zone: Zone) {
    self.unix = unix
    self.nsec = nsec
    self.zone = zone
  }

  /// Nanoseconds since the epoch, nil outside Go's int64 range.
  var unixNano: Int? {
    let (a, o) = unix.multipliedReportingOverflow(by: 1_000_000_000)
    if o { return nil }
    let (b, o2) = a.addingReportingOverflow(nsec)
    return o2 ? nil : b
  }

  static func floorDiv(_ a: Int, _ b: Int) -> Int {
    let (q, r) = a.quotientAndRemainder(dividingBy: b)
    return r < 0 ? q - 1 : q
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (month 1…12).
  static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
    let y2 = m <= 2 ? y - 1 : y
    let era = floorDiv(y2, 400)
    let yoe = y2 - era * 400
    let mp = (m + 9) % 12
    let doy = (153 * mp + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
  }

  static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719468
    let era = floorDiv(z, 146097)
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
  }

  static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

  static func daysIn(_ month: Int, _ year: Int) -> Int {
    if month == 2 { return isLeap(year) ? 29 : 28 }
    return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  }

  /// Wall-clock fields in the time's zone.
  var fields: Fields {
    let local = unix + zone.offset(at: unix)
    let days = GoTime.floorDiv(local, 86400)
    let secs = local - days * 86400
    let (y, m, d) = GoTime.civilFromDays(days)
    let wd = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
    let yday = days - GoTime.daysFromCivil(y, 1, 1) + 1
    return Fields(
      year: y, month: m, day: d, hour: secs / 3600, minute: secs / 60 % 60, second: secs % 60,
      weekday: wd, yday: yday)
  }

  /// Go's `time.Date`: out-of-range fields carry into the next larger unit, then
  /// the wall clock is resolved in the zone (Go's rule near transitions).
  static func date(
    _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int, _ nsec: Int,
    _ zone: Zone
  ) -> GoTime? {
    var y = year
    var m = month - 1
    let (mq, mr) = m.quotientAndRemainder(dividingBy: 12)
    y += mr < 0 ? mq - 1 : mq
    m = mr < 0 ? mr + 12 : mr
    var s = second
    var ns = nsec
    s += floorDiv(ns, 1_000_000_000)
    ns -= floorDiv(ns, 1_000_000_000) * 1_000_000_000
    var mi = minute + floorDiv(s, 60)
    s -= floorDiv(s, 60) * 60
    var h = hour + floorDiv(mi, 60)
    mi -= floorDiv(mi, 60) * 60
    let d = day + floorDiv(h, 24)
    h -= floorDiv(h, 24) * 24
    guard abs(y) < 1_000_000_000, abs(d) < 1_000_000_000_000 else { return nil }
    let days = daysFromCivil(y, m + 1, 1) + d - 1
    let (a, o1) = days.multipliedReportingOverflow(by: 86400)
    guard !o1 else { return nil }
    var unix = a + h * 3600 + mi * 60 + s
    let offset = zone.offset(at: unix)
    if offset != 0 {
      let utc = unix - offset
      let off2 = zone.offset(at: utc)
      unix -= off2 == offset ? offset : off2
    }
    return GoTime(unix: unix, nsec: ns, zone: zone)
  }

  func addDate(years: Int, months: Int, days: Int) -> GoTime? {
    let f = fields
    let (y, o1) = f.year.addingReportingOverflow(years)
    let (m, o2) = f.month.addingReportingOverflow(months)
    let (d, o3) = f.day.addingReportingOverflow(days)
    guard !o1, !o2, !o3 else { return nil }
    return GoTime.date(y, m, d, f.hour, f.minute, f.second, nsec, zone)
  }

  // MARK: layouts

  static let longMonths = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
  ]
  static let longDays = [
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
  ]

  /// The named layouts OPA accepts in place of a layout string.
  static let namedLayouts: [String: String] = [
    "ANSIC": "Mon Jan _2 15:04:05 2006",
    "UnixDate": "Mon Jan _2 15:04:05 MST 2006",
    "RubyDate": "Mon Jan 02 15:04:05 -0700 2006",
    "RFC822": "02 Jan 06 15:04 MST",
    "RFC822Z": "02 Jan 06 15:04 -0700",
    "RFC850": "Monday, 02-Jan-06 15:04:05 MST",
    "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST",
    "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
    "RFC3339": "2006-01-02T15:04:05Z07:00",
    "RFC3339Nano": "2006-01-02T15:04:05.999999999Z07:00",
  ]

  enum Std: Equatable {
    case longMonth, month, numMonth, zeroMonth
    case longWeekDay, weekDay
    case day, underDay, zeroDay, underYearDay, zeroYearDay
    case hour, hour12, zeroHour12, minute, zeroMinute, second, zeroSecond
    case longYear, year, pm, lowerPM, tz
    case iso8601TZ, iso8601SecondsTZ, iso8601ShortTZ, iso8601ColonTZ, iso8601ColonSecondsTZ
    case numTZ, numSecondsTZ, numShortTZ, numColonTZ, numColonSecondsTZ
    /// fractional seconds: fixed (`0`) or trimmed (`9`) digits, separator
    case frac0(Int, UInt8)
    case frac9(Int, UInt8)
  }

  /// Go's `nextStdChunk`: (literal prefix, element, rest).
  static func nextChunk(_ l: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Std?, ArraySlice<UInt8>) {
    func at(_ i: Int, _ s: String) -> Bool {
      let b = Array(s.utf8)
      return l.count - (i - l.startIndex) >= b.count && Array(l[i..<i + b.count]) == b
    }
    func lowerAt(_ i: Int) -> Bool {
      i < l.endIndex && l[i] >= UInt8(ascii: "a") && l[i] <= UInt8(ascii: "z")
    }
    func digitAt(_ i: Int) -> Bool {
      i < l.endIndex && l[i] >= UInt8(ascii: "0") && l[i] <= UInt8(ascii: "9")
    }
    var i = l.startIndex
    while i < l.endIndex {
      let c = l[i]
      let pre = l[l.startIndex..<i]
      switch c {
      case UInt8(ascii: "J"):
        if at(i, "Jan") {
          if at(i, "January") { return (pre, .longMonth, l[(i + 7)...]) }
          if !lowerAt(i + 3) { return (pre, .month, l[(i + 3)...]) }
        }
      case UInt8(ascii: "M"):
        if at(i, "Mon") {
          if at(i, "Monday") { return (pre, .longWeekDay, l[(i + 6)...]) }
          if !lowerAt(i + 3) { return (pre, .weekDay, l[(i + 3)...]) }
        }
        if at(i, "MST") { return (pre, .tz, l[(i + 3)...]) }
      case UInt8(ascii: "0"):
        if i + 1 < l.endIndex, l[i + 1] >= UInt8(ascii: "1"), l[i + 1] <= UInt8(ascii: "6") {
          let std: [Std] = [.zeroMonth, .zeroDay, .zeroHour12, .zeroMinute, .zeroSecond, .year]
          return (pre, std[Int(l[i + 1] - UInt8(ascii: "1"))], l[(i + 2)...])
        }
        if at(i, "002") { return (pre, .zeroYearDay, l[(i + 3)...]) }
      case UInt8(ascii: "1"):
        if at(i, "15") { return (pre, .hour, l[(i + 2)...]) }
        return (pre, .numMonth, l[(i + 1)...])
      case UInt8(ascii: "2"):
        if at(i, "2006") { return (pre, .longYear, l[(i + 4)...]) }
        return (pre, .day, l[(i + 1)...])
      case UInt8(ascii: "_"):
        if at(i, "_2") {
          if at(i + 1, "2006") { return (l[l.startIndex...i], .longYear, l[(i + 5)...]) }
          return (pre, .underDay, l[(i + 2)...])
        }
        if at(i, "__2") { return (pre, .underYearDay, l[(i + 3)...]) }
      case UInt8(ascii: "3"): return (pre, .hour12, l[(i + 1)...])
      case UInt8(ascii: "4"): return (pre, .minute, l[(i + 1)...])
      case UInt8(ascii: "5"): return (pre, .second, l[(i + 1)...])
      case UInt8(ascii: "P"): if at(i, "PM") { return (pre, .pm, l[(i + 2)...]) }
      case UInt8(ascii: "p"): if at(i, "pm") { return (pre, .lowerPM, l[(i + 2)...]) }
      case UInt8(ascii: "-"):
        if at(i, "-070000") { return (pre, .numSecondsTZ, l[(i + 7)...]) }
        if at(i, "-07:00:00") { return (pre, .numColonSecondsTZ, l[(i + 9)...]) }
        if at(i, "-0700") { return (pre, .numTZ, l[(i + 5)...]) }
        if at(i, "-07:00") { return (pre, .numColonTZ, l[(i + 6)...]) }
        if at(i, "-07") { return (pre, .numShortTZ, l[(i + 3)...]) }
      case UInt8(ascii: "Z"):
        if at(i, "Z070000") { return (pre, .iso8601SecondsTZ, l[(i + 7)...]) }
        if at(i, "Z07:00:00") { return (pre, .iso8601ColonSecondsTZ, l[(i + 9)...]) }
        if at(i, "Z0700") { return (pre, .iso8601TZ, l[(i + 5)...]) }
        if at(i, "Z07:00") { return (pre, .iso8601ColonTZ, l[(i + 6)...]) }
        if at(i, "Z07") { return (pre, .iso8601ShortTZ, l[(i + 3)...]) }
      case UInt8(ascii: "."), UInt8(ascii: ","):
        if i + 1 < l.endIndex, l[i + 1] == UInt8(ascii: "0") || l[i + 1] == UInt8(ascii: "9") {
          let ch = l[i + 1]
          var j = i + 1
          while j < l.endIndex, l[j] == ch { j += 1 }
          if !digitAt(j) {
            let n = min(j - (i + 1), 9)
            return (pre, ch == UInt8(ascii: "0") ? .frac0(n, c) : .frac9(n, c), l[j...])
          }
        }
      default: break
      }
      i += 1
    }
    return (l, nil, l[l.endIndex...])
  }

  static func pad(_ v: Int, _ width: Int) -> String {
    var s = String(v.magnitude)
    while s.count < width { s = "0" + s }
    return v < 0 ? "-" + s : s
  }

  /// Go's `Time.Format`.
  func format(_ layout: String) -> String {
    let f = fields
    let offset = zone.offset(at: unix)
    var out = ""
    var rest = Array(layout.utf8)[...]
    while true {
      let (prefix, std, suffix) = GoTime.nextChunk(rest)
      out += String(decoding: prefix, as: UTF8.self)
      guard let std else { break }
      rest = suffix
      switch std {
      case .year: out += GoTime.pad(f.year % 100 < 0 ? -(f.year % 100) : f.year % 100, 2)
      case .longYear: out += GoTime.pad(f.year, 4)
      case .month: out += String(GoTime.longMonths[f.month - 1].prefix(3))
      case .longMonth: out += GoTime.longMonths[f.month - 1]
      case .numMonth: out += String(f.month)
      case .zeroMonth: out += GoTime.pad(f.month, 2)
      case .weekDay: out += String(GoTime.longDays[f.weekday].prefix(3))
      case .longWeekDay: out += GoTime.longDays[f.weekday]
      case .day: out += String(f.day)
      case .underDay: out += (f.day < 10 ? " " : "") + String(f.day)
      case .zeroDay: out += GoTime.pad(f.day, 2)
      case .underYearDay:
        out += (f.yday < 100 ? " " : "") + (f.yday < 10 ? " " : "") + String(f.yday)
      case .zeroYearDay: out += GoTime.pad(f.yday, 3)
      case .hour: out += GoTime.pad(f.hour, 2)
      case .hour12: out += String(f.hour % 12 == 0 ? 12 : f.hour % 12)
      case .zeroHour12: out += GoTime.pad(f.hour % 12 == 0 ? 12 : f.hour % 12, 2)
      case .minute: out += String(f.minute)
      case .zeroMinute: out += GoTime.pad(f.minute, 2)
      case .second: out += String(f.second)
      case .zeroSecond: out += GoTime.pad(f.second, 2)
      case .pm: out += f.hour >= 12 ? "PM" : "AM"
      case .lowerPM: out += f.hour >= 12 ? "pm" : "am"
      case .tz:
        let name = zone.abbreviation(at: unix)
        if !name.isEmpty {
          out += name
        } else {
          var z = offset / 60
          out += z < 0 ? "-" : "+"
          z = abs(z)
          out += GoTime.pad(z / 60, 2) + GoTime.pad(z % 60, 2)
        }
      case .iso8601TZ, .iso8601SecondsTZ, .iso8601ShortTZ, .iso8601ColonTZ,
        .iso8601ColonSecondsTZ, .numTZ, .numSecondsTZ, .numShortTZ, .numColonTZ,
        .numColonSecondsTZ:
        let iso = [
          .iso8601TZ, .iso8601SecondsTZ, .iso8601ShortTZ, .iso8601ColonTZ,
          .iso8601ColonSecondsTZ,
        ].contains(std)
        if offset == 0, iso {
          out += "Z"
          break
        }
        var zoneMin = offset / 60
        var abs = offset
        if zoneMin < 0 {
          out += "-"
          zoneMin = -zoneMin
          abs = -abs
        } else {
          out += "+"
        }
        out += GoTime.pad(zoneMin / 60, 2)
        if [.iso8601ColonTZ, .numColonTZ, .iso8601ColonSecondsTZ, .numColonSecondsTZ].contains(std)
        {
          out += ":"
        }
        if std != .numShortTZ, std != .iso8601ShortTZ { out += GoTime.pad(zoneMin % 60, 2) }
        if [.iso8601SecondsTZ, .numSecondsTZ, .numColonSecondsTZ, .iso8601ColonSecondsTZ].contains(
          std)
        {
          if std == .numColonSecondsTZ || std == .iso8601ColonSecondsTZ { out += ":" }
          out += GoTime.pad(abs % 60, 2)
        }
      case .frac0(let n, let sep), .frac9(let n, let sep):
        let trim: Bool
        if case .frac9 = std { trim = true } else { trim = false }
        if trim, n == 0 || nsec == 0 { break }
        var digits = String(GoTime.pad(nsec, 9).prefix(n))
        if trim {
          while digits.hasSuffix("0") { digits.removeLast() }
          if digits.isEmpty { break }
        }
        out += String(UnicodeScalar(sep)) + digits
      }
    }
    return out
  }

  // MARK: parsing

  struct ParseError: Error {
    var message: String
  }

  /// Go's `parseTimeZone`: the length of a zone abbreviation at the start.
  static func parseTimeZone(_ v: [UInt8]) -> Int? {
    guard v.count >= 3 else { return nil }
    let s = String(decoding: v, as: UTF8.self)
    if s.hasPrefix("ChST") || s.hasPrefix("MeST") { return 4 }
    if s.hasPrefix("GMT") {
      let rest = Array(v[3...])
      return rest.isEmpty ? 3 : 3 + signedOffset(rest)
    }
    if v[0] == UInt8(ascii: "+") || v[0] == UInt8(ascii: "-") {
      let n = signedOffset(v)
      return n > 0 ? n : nil
    }
    var upper = 0
    while upper < 6, upper < v.count, v[upper] >= 0x41, v[upper] <= 0x5a { upper += 1 }
    switch upper {
    case 5: return v[4] == UInt8(ascii: "T") ? 5 : nil
    case 4: return v[3] == UInt8(ascii: "T") || s.hasPrefix("WITA") ? 4 : nil
    case 3: return 3
    default: return nil
    }
  }

  static func signedOffset(_ v: [UInt8]) -> Int {
    guard let sign = v.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else {
      return 0
    }
    var i = 1
    var x = 0
    while i < v.count, v[i] >= 0x30, v[i] <= 0x39 {
      x = x * 10 + Int(v[i] - 0x30)
      if x > 1 << 40 { return 0 }
      i += 1
    }
    if i == 1 || x > 23 { return 0 }
    return i
  }
}

/// The abbreviations of a compiled zone file (RFC 8536 TZif, version 2+ data
/// block and footer), for `time.format`'s `MST` element.
struct TZif: Sendable {
  var transitions: [Int]
  var types: [UInt8]
  /// (isDST, abbreviation) per local time type
  var infos: [(Bool, String)]
  var footerStd: String?
  var footerDST: String?

  private static let cache = Cache()

  private final class Cache: @unchecked Sendable {
    let lock = NSLock()
    var zones: [String: TZif?] = [:]
  }

  static func load(_ identifier: String) -> TZif? {
    cache.lock.lock()
    defer { cache.lock.unlock() }
    if let z = cache.zones[identifier] { return z }
    var z: TZif? = nil
    if !identifier.contains(".."),
      let data = FileManager.default.contents(
        atPath: "/usr/share/zoneinfo/" + identifier)
    {
      z = parse(Array(data))
    }
    cache.zones[identifier] = z
    return z
  }

  static func parse(_ b: [UInt8]) -> TZif? {
    func be(_ at: Int, _ n: Int) -> Int? {
      guard at >= 0, at + n <= b.count else { return nil }
      var v = 0
      for i in 0..<n { v = v << 8 | Int(b[at + i]) }
      return n == 4 && v >= 1 << 31 ? v - (1 << 32) : v
    }
    func header(_ at: Int) -> [Int]? {
      guard b.count >= at + 44, Array(b[at..<at + 4]) == Array("TZif".utf8) else { return nil }
      return (0..<6).compactMap { be(at + 20 + 4 * $0, 4) }
    }
    guard let h1 = header(0), h1.count == 6, b[4] >= UInt8(ascii: "2") else { return nil }
    // skip the version 1 data block
    let (isut, isstd, leap, time, type, chars) = (h1[0], h1[1], h1[2], h1[3], h1[4], h1[5])
    let v1Size = time * 4 + time + type * 6 + chars + leap * 8 + isstd + isut
    let start2 = 44 + v1Size
    guard let h2 = header(start2), h2.count == 6 else { return nil }
    let (isut2, isstd2, leap2, time2, type2, chars2) = (h2[0], h2[1], h2[2], h2[3], h2[4], h2[5])
    var at = start2 + 44
    var transitions: [Int] = []
    for i in 0..<time2 {
      guard let t = be(at + 8 * i, 8) else { return nil }
      transitions.append(t)
    }
    at += time2 * 8
    guard at + time2 <= b.count else { return nil }
    let types = Array(b[at..<at + time2])
    at += time2
    var raw: [(Bool, Int)] = []
    for i in 0..<type2 {
      guard at + 6 * i + 6 <= b.count else { return nil }
      raw.append((b[at + 6 * i + 4] != 0, Int(b[at + 6 * i + 5])))
    }
    at += type2 * 6
    guard at + chars2 <= b.count else { return nil }
    let charBytes = Array(b[at..<at + chars2])
    func name(_ idx: Int) -> String {
      guard idx < charBytes.count else { return "" }
      let end = charBytes[idx...].firstIndex(of: 0) ?? charBytes.count
      return String(decoding: charBytes[idx..<end], as: UTF8.self)
    }
    let infos = raw.map { ($0.0, name($0.1)) }
    at += chars2 + leap2 * 12 + isstd2 + isut2
    var footerStd: String? = nil
    var footerDST: String? = nil
    if at < b.count, b[at] == 0x0a, let end = b[(at + 1)...].firstIndex(of: 0x0a) {
      let footer = Array(b[(at + 1)..<end])
      var i = 0
      func zoneName() -> String? {
        if i < footer.count, footer[i] == UInt8(ascii: "<") {
          guard let close = footer[i...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
          let n = String(decoding: footer[(i + 1)..<close], as: UTF8.self)
          i = close + 1
          return n
        }
        let s = i
        while i < footer.count, (footer[i] | 0x20) >= 0x61, (footer[i] | 0x20) <= 0x7a { i += 1 }
        return i > s ? String(decoding: footer[s..<i], as: UTF8.self) : nil
      }
      footerStd = zoneName()
      // skip the offset
      while i < footer.count, "+-0123456789:".utf8.contains(footer[i]) { i += 1 }
      if i < footer.count, footer[i] != UInt8(ascii: ",") { footerDST = zoneName() }
    }
    return TZif(
      transitions: transitions, types: Array(types), infos: infos, footerStd: footerStd,
      footerDST: footerDST)
  }

  /// Go's lookup: the type of the last transition at or before the instant; the
  /// footer rule after the last transition; the first standard-time type before
  /// the first one.
  func abbreviation(at unix: Int, isDST: Bool) -> String? {
    if let last = transitions.last, unix >= last, let std = footerStd {
      return isDST ? (footerDST ?? std) : std
    }
    guard !infos.isEmpty else { return nil }
    var lo = 0
    var hi = transitions.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if transitions[mid] <= unix { lo = mid + 1 } else { hi = mid }
    }
    if lo == 0 {
      return (infos.first(where: { !$0.0 }) ?? infos[0]).1
    }
    let t = Int(types[lo - 1])
    return t < infos.count ? infos[t].1 : nil
  }
}
