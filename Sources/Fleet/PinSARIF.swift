import Foundation

/// SARIF 2.1.0 for pin lint findings, so code-scanning UIs show them on the right line.
public enum PinSARIF {
  public static func render(_ findings: [PinFinding], toolVersion: String = "0.1.0") throws
    -> String
  {
    let rules: [[String: Any]] = PinRule.allCases.map {
      [
        "id": $0.rawValue, "shortDescription": ["text": $0.summary],
        "defaultConfiguration": [
          "level": $0.defaultLevel == .off ? "none" : $0.defaultLevel.rawValue
        ],
      ]
    }
    let results: [[String: Any]] = findings.map { f in
      [
        "ruleId": f.rule.rawValue, "level": f.level.rawValue, "message": ["text": f.message],
        "locations": [
          [
            "physicalLocation": [
              "artifactLocation": ["uri": f.file], "region": ["startLine": f.line],
            ]
          ]
        ],
      ]
    }
    let doc: [String: Any] = [
      "version": "2.1.0",
      "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
      "runs": [
        [
          "tool": [
            "driver": [
              "name": "tailguard", "version": toolVersion,
              "informationUri": "https://example.invalid/tailguard", "rules": rules,
            ]
          ],
          "results": results,
        ]
      ],
    ]
    let data = try JSONSerialization.data(
      withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}
