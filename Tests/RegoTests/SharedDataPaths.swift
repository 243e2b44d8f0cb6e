import TailguardTesting

enum SharedDataPaths {
  static func policy(_ rel: String) -> String { SharedData.path("policy/" + rel) }
}
