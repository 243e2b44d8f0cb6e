import Foundation
import TailguardModel

/// The `inventory -o table` view: the image's identity, then one row per layer (numbered from
/// 1) with its digest, size, media type, the files it last wrote and their bytes.
public enum InventoryTableReport {
  public static func render(_ inv: ImageInventory) -> String {
    let image = inv.image
    var out = ""
    func line(_ key: String, _ value: String?) {
      guard let value, !value.isEmpty else { return }
      out += key.padding(toLength: 11, withPad: " ", startingAt: 0) + value + "\n"
    }
    line("Target:", image.target)
    line("Source:", image.sourceKind)
    line(
      "Manifest:",
      image.manifestDigest.map { d in "\(d)" + (image.manifestMediaType.map { " (\($0))" } ?? "") })
    line("Index:", image.indexDigest?.description)
    line("Config:", image.configDigest?.description)
    line("Platform:", image.platform?.description)
    line("Tags:", image.tags.joined(separator: ", "))
    line("Created:", image.config.created)
    line("User:", image.config.user)
    out += "\n"
    var rows: [[String]] = [["#", "DIGEST", "SIZE", "MEDIA TYPE", "FILES", "BYTES", "CREATED BY"]]
    for l in inv.layers {
      rows.append([
        String(LayerLabel.text(l.index).dropFirst()), l.digest?.short ?? "-", ByteSize.text(l.size),
        (l.mediaType ?? "-").replacingOccurrences(of: "application/vnd.", with: ""), "\(l.files)",
        ByteSize.text(l.bytes),
        String((l.createdBy ?? "").replacingOccurrences(of: "\n", with: " ").prefix(60)),
      ])
    }
    var widths = [Int](repeating: 0, count: rows[0].count)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    for r in rows {
      out +=
        r.enumerated().map { i, c in
          i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }
        .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
    }
    out += "\n\(inv.totalFiles) files visible, \(ByteSize.text(inv.totalBytes)) in regular files\n"
    return out
  }
}
