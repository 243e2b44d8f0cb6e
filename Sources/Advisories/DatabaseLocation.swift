import Foundation

/// Where the advisory database lives: `--db PATH`, else `TAILGUARD_DB`, else
/// `$XDG_DATA_HOME/tailguard/tailguard.db`, else `~/.local/share/tailguard/tailguard.db`.
public enum DatabaseLocation {
  public static func resolve(
    flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> String {
    if let flag, !flag.isEmpty { return flag }
    if let env = environment["TAILGUARD_DB"], !env.isEmpty { return env }
    if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
      return xdg + "/tailguard/tailguard.db"
    }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return home + "/.local/share/tailguard/tailguard.db"
  }
}
