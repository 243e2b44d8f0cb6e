import Foundation

/// Minimal PEM block extraction for the places where a library parser would lose the raw bytes.
enum PEM {
  static func blocksDER(_ text: String, limit: Int = 16) -> [(label: String, der: Data)] {
    var out: [(String, Data)] = []
    var label: String?
    var body = ""
    for line in text.split(whereSeparator: \.isNewline) {
      let l = line.trimmingCharacters(in: .whitespaces)
      if l.hasPrefix("-----BEGIN "), l.hasSuffix("-----") {
        label = String(l.dropFirst(11).dropLast(5))
        body = ""
      } else if l.hasPrefix("-----END "), let current = label {
        if let der = Data(base64Encoded: body) { out.append((current, der)) }
        label = nil
        if out.count >= limit { break }
      } else if label != nil {
        body += l
      }
    }
    return out
  }

  static func firstBlockDER(_ text: String) -> Data? { blocksDER(text, limit: 1).first?.der }
}
