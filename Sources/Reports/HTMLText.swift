/// Text for HTML and SVG: every value from images, SBOMs and advisories goes through `escape`,
/// so a package named `<script>` is shown as text, in element content and in quoted attributes.
public enum HTMLText {
  /// Escapes `& < > " '` and replaces control characters (other than newline and tab) with a
  /// space (XML 1.0 cannot carry them).
  public static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default:
        if (c.value < 0x20 && c != "\n" && c != "\t") || c.value == 0x7F
          || (0xFFFE...0xFFFF).contains(c.value)
        {
          out += " "
        } else {
          out.unicodeScalars.append(c)
        }
      }
    }
    return out
  }
}
