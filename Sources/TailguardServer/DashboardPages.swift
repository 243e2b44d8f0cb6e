import Foundation
import TailguardModel

/// The dashboard's pages, rendered on the server from the store's values (typed HTML building,
/// no templates): readable without JavaScript; the script only sorts and narrows tables.
enum DashboardPages {
  /// The page frame: head, navigation with the logout form, and BODY in `<main>`.
  static func page(
    title: String, current: String?, logoutCSRF: String?, _ body: (inout HTML) -> Void
  ) -> String {
    var html = HTML()
    html.out += "<!DOCTYPE html>\n"
    html.open("html", ["lang": "en"])
    html.element("head") { html in
      html.void("meta", ["charset": "utf-8"])
      html.void("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
      html.void("link", ["rel": "icon", "href": "data:,"])
      html.element("title", text: "\(title) · tailguard")
      html.void(
        "link",
        ["rel": "stylesheet", "href": "/assets/dashboard.css?v=\(DashboardAssets.cssVersion)"])
      html.element(
        "script", ["src": "/assets/dashboard.js?v=\(DashboardAssets.jsVersion)", "defer": ""]
      ) { _ in }
    }
    html.newline()
    html.open("body")
    html.element("a", ["class": "skip", "href": "#main"], text: "Skip to content")
    html.element("header") { html in
      html.element("nav", ["aria-label": "Main"]) { html in
        html.element("span", ["class": "brand"], text: "tailguard")
        if let logoutCSRF {
          for (href, name) in [("/", "Overview"), ("/images", "Images"), ("/graph", "Graph")] {
            html.element(
              "a", ["href": href, "aria-current": current == href ? "page" : nil], text: name)
          }
          html.element("form", ["method": "post", "action": "/logout", "class": "logout"]) { html in
            html.void("input", ["type": "hidden", "name": "csrf", "value": logoutCSRF])
            html.element("button", ["type": "submit"], text: "Log out")
          }
        }
      }
    }
    html.newline()
    html.element("main", ["id": "main"]) { html in body(&html) }
    html.newline()
    html.close("body")
    html.close("html")
    html.newline()
    return html.out
  }

  // MARK: Login

  static func login(csrf: String, error: String?) -> String {
    page(title: "Log in", current: nil, logoutCSRF: nil) { html in
      html.element("h1", text: "Log in")
      html.element(
        "p",
        text:
          "Paste an API token (any role: read is enough). The dashboard keeps a signed session cookie, not the token."
      )
      if let error { html.element("p", ["class": "error", "role": "alert"], text: error) }
      html.element("form", ["method": "post", "action": "/login", "id": "login"]) { html in
        html.void("input", ["type": "hidden", "name": "csrf", "value": csrf])
        html.element("label", ["for": "token"], text: "API token")
        html.void(
          "input",
          [
            "type": "password", "id": "token", "name": "token", "required": "",
            "autocomplete": "off", "spellcheck": "false",
          ])
        html.element("button", ["type": "submit"], text: "Log in")
      }
    }
  }

  static func notFound(_ what: String, logoutCSRF: String) -> String {
    page(title: "Not found", current: nil, logoutCSRF: logoutCSRF) { html in
      html.element("h1", text: "Not found")
      html.element("p", text: what)
    }
  }

  // MARK: Overview

  static func overview(_ o: DashboardOverview, at: Date, logoutCSRF: String) -> String {
    page(title: "Fleet overview", current: "/", logoutCSRF: logoutCSRF) { html in
      let head = o.summary.segments["head"] ?? LiveSegment()
      let tail = o.summary.segments["tail"] ?? LiveSegment()
      html.element("h1", text: "Fleet overview")
      html.element("p", ["id": "headline", "class": "headline"]) { html in
        if head.images + tail.images == 0 {
          html.text(
            "No usage known yet: upload deployment files or a usage file (POST /api/v1/fleet).")
        } else {
          html.text(
            "The long tail is \(HTML.percent(tail.imageShare)) of images in use (\(tail.images) of \(head.images + tail.images)) and carries \(HTML.percent(tail.findingShare)) of open findings (\(tail.openFindings) of \(head.openFindings + tail.openFindings))."
          )
        }
      }
      html.element("p", ["class": "meta"]) { html in
        html.text(
          "\(o.totalImages) images known, \(o.summary.images) indexed · head: the \(o.summary.head) most used by replicas · \(o.summary.alerts.count) alerts · figures as of \(at.formatted(.iso8601)) (refreshed every \(Dashboard.overviewMaxAge.components.seconds) s)"
        )
      }
      html.element("section", ["id": "segments", "aria-labelledby": "segments-h"]) { html in
        html.element("h2", ["id": "segments-h"], text: "Head and tail")
        html.element("table", ["id": "segment-table", "class": "compact"]) { html in
          html.element("thead") { html in
            html.element("tr") { html in
              for h in [
                "Segment", "Images", "Share of images", "Replicas", "Open findings",
                "Share of findings", "Critical", "High", "KEV", "Fixable",
              ] {
                html.element("th", ["scope": "col"], text: h)
              }
            }
          }
          html.element("tbody") { html in
            for (name, s) in [("head", head), ("tail", tail)] {
              html.element("tr") { html in
                html.element("th", ["scope": "row"], text: name)
                html.element("td", ["class": "num"], text: "\(s.images)")
                html.element("td", ["class": "num"], text: HTML.percent(s.imageShare))
                html.element("td", ["class": "num"], text: "\(s.replicas)")
                html.element("td", ["class": "num"], text: "\(s.openFindings)")
                html.element("td", ["class": "num"], text: HTML.percent(s.findingShare))
                html.element("td", ["class": "num"], text: "\(s.critical)")
                html.element("td", ["class": "num"], text: "\(s.high)")
                html.element("td", ["class": "num"], text: "\(s.kev)")
                html.element("td", ["class": "num"], text: "\(s.fixable)")
              }
            }
          }
        }
      }
      html.element("section", ["id": "long-tail", "aria-labelledby": "long-tail-h"]) { html in
        html.element("h2", ["id": "long-tail-h"], text: "The long tail")
        DashboardCharts.longTail(&html, ranked: o.ranked)
      }
      html.element("section", ["id": "severity", "aria-labelledby": "severity-h"]) { html in
        html.element("h2", ["id": "severity-h"], text: "Severity by segment")
        DashboardCharts.severityBySegment(&html, counts: o.severityBySegment)
      }
      html.element("section", ["id": "sla", "aria-labelledby": "sla-h"]) { html in
        html.element("h2", ["id": "sla-h"], text: "SLA")
        let c = o.sla.counts
        html.element("p", ["id": "sla-summary"]) { html in
          html.text(
            "\(c["breached"] ?? 0) open findings breached their SLA, \(c["at_risk"] ?? 0) are at risk, \(c["ok"] ?? 0) are within it."
          )
        }
        DashboardCharts.sla(&html, counts: c)
        for (id, label, entries) in [
          ("sla-breached", "Breached", o.sla.breached), ("sla-at-risk", "At risk", o.sla.atRisk),
        ] where !entries.isEmpty {
          html.element("h3", text: "\(label) (first \(entries.count))")
          html.element("table", ["id": id, "class": "compact"]) { html in
            html.element("thead") { html in
              html.element("tr") { html in
                for h in ["Vulnerability", "Severity", "KEV", "Image", "First seen", "Due"] {
                  html.element("th", ["scope": "col"], text: h)
                }
              }
            }
            html.element("tbody") { html in
              for e in entries {
                html.element("tr") { html in
                  html.element("td") { html in
                    html.element(
                      "a", ["href": findingPath(e.vulnerabilityID)], text: e.vulnerabilityID)
                  }
                  severityCell(&html, e.severity)
                  html.element("td", text: e.kev ? "KEV" : "")
                  html.element("td") { html in
                    html.element("a", ["href": "/images/\(e.digest)"], text: short(e.digest))
                  }
                  html.element("td", text: e.firstSeen)
                  html.element("td", text: e.due)
                }
              }
            }
          }
        }
      }
      html.element("section", ["id": "mttr", "aria-labelledby": "mttr-h"]) { html in
        html.element("h2", ["id": "mttr-h"], text: "Mean time to remediate")
        let bySeverity = o.sla.mttr["severity"] ?? [:]
        if bySeverity.isEmpty {
          html.element("p", text: "No finding has been fixed yet.")
        } else {
          html.element("table", ["id": "mttr-table", "class": "compact"]) { html in
            html.element("thead") { html in
              html.element("tr") { html in
                for h in ["Severity", "Mean time (first seen → fixed)", "Fixed findings"] {
                  html.element("th", ["scope": "col"], text: h)
                }
              }
            }
            html.element("tbody") { html in
              for s in Severity.allCases.reversed() {
                guard let m = bySeverity[s.rawValue] else { continue }
                html.element("tr") { html in
                  severityCell(&html, s.rawValue)
                  html.element("td", ["class": "num"], text: duration(m.seconds))
                  html.element("td", ["class": "num"], text: "\(m.fixed)")
                }
              }
            }
          }
        }
      }
      html.element("section", ["id": "alerts-section", "aria-labelledby": "alerts-h"]) { html in
        html.element("h2", ["id": "alerts-h"], text: "Alerts (\(o.summary.alerts.count))")
        if o.summary.alerts.isEmpty {
          html.element(
            "p", text: "No image has an open known-exploited finding or a fixable critical one.")
        } else {
          html.element("ol", ["id": "alerts"]) { html in
            for a in o.summary.alerts.prefix(200) {
              html.element("li") { html in
                html.element("a", ["href": "/images/\(a.digest)"], text: a.reference)
                html.text(" (\(a.segment ?? "no usage")): ")
                if !a.kev.isEmpty { html.text("known-exploited \(a.kev.joined(separator: ", "))") }
                if !a.kev.isEmpty && !a.criticalFixable.isEmpty { html.text("; ") }
                if !a.criticalFixable.isEmpty {
                  html.text("fixable critical \(a.criticalFixable.joined(separator: ", "))")
                }
              }
            }
          }
        }
      }
    }
  }

  // MARK: Images

  static let imagePageSizes = 1...200

  static func images(
    _ list: Page<DashboardImageRow>, query: DashboardImageQuery, limit: Int, total: Int,
    logoutCSRF: String
  ) -> String {
    page(title: "Images", current: "/images", logoutCSRF: logoutCSRF) { html in
      html.element("h1", text: "Images")
      html.element(
        "form", ["method": "get", "action": "/images", "id": "filters", "role": "search"]
      ) { html in
        html.element("label", ["for": "q"], text: "Reference or digest")
        html.void("input", ["type": "search", "id": "q", "name": "q", "value": query.search ?? ""])
        html.element("label", ["for": "segment"], text: "Segment")
        html.element("select", ["id": "segment", "name": "segment"]) { html in
          for (value, label) in [
            ("", "any"), ("head", "head"), ("tail", "tail"), ("none", "no usage"),
            ("retired", "retired"),
          ] {
            html.element(
              "option",
              ["value": value, "selected": (query.segment ?? "") == value ? "" : nil], text: label)
          }
        }
        html.element("label", ["for": "severity"], text: "Open findings at least")
        html.element("select", ["id": "severity", "name": "severity"]) { html in
          for (value, label) in [
            ("", "any"), ("critical", "critical"), ("high", "high"), ("medium", "medium"),
            ("low", "low"),
          ] {
            html.element(
              "option",
              ["value": value, "selected": (query.severity?.rawValue ?? "") == value ? "" : nil],
              text: label)
          }
        }
        html.element("label") { html in
          html.void(
            "input",
            ["type": "checkbox", "name": "kev", "value": "1", "checked": query.kev ? "" : nil])
          html.text(" known-exploited only")
        }
        html.element("button", ["type": "submit"], text: "Filter")
      }
      html.element("p", ["class": "meta", "id": "table-meta"]) { html in
        html.text(
          "\(list.items.count) images on this page (\(total) known). Column headers sort this page; filters apply to every page."
        )
      }
      html.element("div", ["class": "quick", "hidden": ""]) { html in
        html.element("label", ["for": "quick-filter"], text: "Narrow this page")
        html.void("input", ["type": "search", "id": "quick-filter", "data-table": "images"])
      }
      html.element("table", ["id": "images", "class": "sortable"]) { html in
        html.element("caption", ["class": "visually-hidden"], text: "Images, sortable by column")
        html.element("thead") { html in
          html.element("tr") { html in
            for (name, kind) in [
              ("Reference", "text"), ("Digest", "text"), ("Segment", "text"),
              ("Replicas", "num"), ("Critical", "num"), ("High", "num"), ("Medium", "num"),
              ("Low", "num"), ("Other", "num"), ("KEV", "num"), ("Signed", "text"),
              ("Pinned", "text"), ("Last indexed", "text"),
            ] {
              html.element(
                "th", ["scope": "col", "data-kind": kind, "tabindex": "0", "aria-sort": "none"],
                text: name)
            }
          }
        }
        html.element("tbody") { html in
          for r in list.items {
            html.element("tr", ["class": r.kev > 0 ? "alert" : nil]) { html in
              html.element("td", ["data-value": r.reference]) { html in
                html.element("a", ["href": "/images/\(r.digest)"], text: r.reference)
              }
              html.element(
                "td", ["data-value": r.digest, "title": r.digest, "class": "mono"],
                text: short(r.digest))
              html.element("td", ["data-value": r.segment ?? ""], text: r.segment ?? "—")
              html.element(
                "td", ["class": "num", "data-value": "\(r.replicas)"], text: "\(r.replicas)")
              for s in DashboardCharts.severities {
                let n = r.bySeverity[s] ?? 0
                html.element(
                  "td", ["class": n > 0 ? "num sev-\(s)" : "num", "data-value": "\(n)"],
                  text: "\(n)")
              }
              html.element("td", ["class": "num", "data-value": "\(r.kev)"], text: "\(r.kev)")
              html.element(
                "td", ["data-value": "", "title": "the server does not verify signatures yet"],
                text: "not checked")
              let pinned = r.pinned.map { $0 ? "yes" : "no" } ?? "—"
              html.element("td", ["data-value": pinned], text: pinned)
              html.element("td", ["data-value": r.indexedAt ?? ""], text: r.indexedAt ?? r.status)
            }
          }
        }
      }
      html.element("nav", ["class": "pager", "aria-label": "Pages"]) { html in
        var params: [(String, String)] = []
        if let q = query.search, !q.isEmpty { params.append(("q", q)) }
        if let s = query.segment { params.append(("segment", s)) }
        if let s = query.severity { params.append(("severity", s.rawValue)) }
        if query.kev { params.append(("kev", "1")) }
        if limit != 50 { params.append(("limit", "\(limit)")) }
        html.element(
          "a", ["href": "/images" + queryString(params), "id": "first"], text: "First page")
        if let next = list.next {
          html.text(" · ")
          html.element(
            "a",
            [
              "href": "/images" + queryString(params + [("after", next)]), "id": "next",
              "rel": "next",
            ],
            text: "Next page")
        }
      }
    }
  }

  // MARK: One image

  static func image(_ d: DashboardImageDetail, graph: String?, logoutCSRF: String) -> String {
    page(title: d.image.reference, current: nil, logoutCSRF: logoutCSRF) { html in
      let i = d.image
      html.element("h1") { html in
        html.text("Image ")
        html.element("span", ["class": "ref"], text: i.reference)
      }
      html.element("section", ["id": "identity", "aria-labelledby": "identity-h"]) { html in
        html.element("h2", ["id": "identity-h"], text: "Identity")
        html.element("dl") { html in
          func row(_ k: String, _ v: String?) {
            guard let v, !v.isEmpty else { return }
            html.element("dt", text: k)
            html.element("dd", text: v)
          }
          row("Digest", i.digest)
          row("Reference", i.reference)
          row("References", i.references?.joined(separator: ", "))
          row("Status", i.status)
          row("Source", d.source)
          row("Segment", d.segment ?? "no usage known")
          row("Packages", "\(i.packages)")
          row("Open findings", "\(i.openFindings)")
          row("First seen", i.createdAt)
          row("Last indexed", i.indexedAt)
          if let meta = d.sbom?.image {
            row("Platform", meta.platform.map { "\($0)" })
            row("Config digest", meta.configDigest?.description)
            row("Image created", meta.config.created)
            row("Distribution", d.sbom?.distro.map { "\($0.id) \($0.versionID ?? "")" })
          }
          row("Signature", "not checked (the server does not verify signatures yet)")
          row("Error", i.error)
        }
      }
      html.element("section", ["id": "usage", "aria-labelledby": "usage-h"]) { html in
        html.element("h2", ["id": "usage-h"], text: "Where it runs (\(d.usage.count))")
        if d.usage.isEmpty {
          html.element("p", text: "No workload or usage file names this image.")
        } else {
          table(
            &html, id: "usage-table",
            headers: [
              "Workload", "Kind", "Namespace", "Team", "Replicas", "Exposure", "As written",
              "Source",
            ],
            rows: d.usage.map {
              [
                $0.workload, $0.kind, $0.namespace ?? "", $0.team ?? "", "\($0.replicas)",
                $0.exposure.joined(separator: ", "), $0.reference, "",
              ]
            })
        }
      }
      let layers = d.sbom?.image.layers ?? []
      html.element("section", ["id": "layers", "aria-labelledby": "layers-h"]) { html in
        html.element("h2", ["id": "layers-h"], text: "Layers (\(layers.count))")
        if layers.isEmpty {
          html.element(
            "p", text: "The stored SBOM names no layers (an uploaded SBOM, or none stored).")
        } else {
          table(
            &html, id: "layers-table", headers: ["#", "Digest", "Size", "Created by"],
            rows: layers.map {
              ["\($0.index)", short($0.digest.description), bytes($0.size), $0.createdBy ?? ""]
            })
        }
      }
      // Evidence: where each affected package was found (path, and the layer that brought it).
      var locations: [String: [String]] = [:]
      for p in d.sbom?.packages ?? [] {
        let key = "\(p.name)@\(p.version)"
        guard locations[key] == nil else { continue }
        locations[key] = p.locations.prefix(3).map { l in
          l.layerIndex.map { "\(l.path) (layer \($0))" } ?? l.path
        }
      }
      html.element("section", ["id": "findings", "aria-labelledby": "findings-h"]) { html in
        html.element("h2", ["id": "findings-h"], text: "Findings (\(d.findings.count))")
        html.element("table", ["id": "findings-table", "class": "sortable"]) { html in
          html.element("thead") { html in
            html.element("tr") { html in
              for (h, kind) in [
                ("Vulnerability", "text"), ("Severity", "num"), ("State", "text"), ("KEV", "text"),
                ("Packages and evidence", "text"), ("Fixed in", "text"), ("First seen", "text"),
                ("Fixed", "text"), ("SLA", "text"),
              ] {
                html.element(
                  "th", ["scope": "col", "data-kind": kind, "tabindex": "0", "aria-sort": "none"],
                  text: h)
              }
            }
          }
          html.element("tbody") { html in
            for f in d.findings {
              html.element("tr") { html in
                html.element("td", ["data-value": f.vulnerabilityID]) { html in
                  html.element(
                    "a", ["href": findingPath(f.vulnerabilityID)], text: f.vulnerabilityID)
                  if let s = f.summary, !s.isEmpty {
                    html.element("div", ["class": "summary"], text: s)
                  }
                }
                severityCell(&html, f.severity)
                html.element("td", ["data-value": f.state], text: f.state)
                html.element("td", ["data-value": f.kev ? "1" : "0"], text: f.kev ? "KEV" : "")
                html.element("td", ["data-value": f.packages.first ?? ""]) { html in
                  html.element("ul", ["class": "plain"]) { html in
                    for p in f.packages {
                      html.element("li") { html in
                        html.element("code", text: p)
                        if let found = locations[p], !found.isEmpty {
                          html.text(" in ")
                          html.text(found.joined(separator: ", "))
                        }
                      }
                    }
                  }
                }
                html.element(
                  "td", ["data-value": f.fixedVersion ?? ""], text: f.fixedVersion ?? "no fix")
                html.element("td", ["data-value": f.firstSeen], text: f.firstSeen)
                html.element("td", ["data-value": f.fixedAt ?? ""], text: f.fixedAt ?? "")
                html.element(
                  "td", ["data-value": f.slaState ?? ""],
                  text: f.slaState.map { "\(slaLabel($0)) (due \(f.slaDue ?? "?"))" } ?? "")
              }
            }
          }
        }
      }
      html.element("section", ["id": "history", "aria-labelledby": "history-h"]) { html in
        html.element("h2", ["id": "history-h"], text: "History (\(d.history.count))")
        table(
          &html, id: "history-table", headers: ["When", "Vulnerability", "Event", "Cause"],
          rows: d.history.map { [$0.at, $0.vulnerabilityID, $0.event, $0.cause] })
      }
      html.element(
        "section",
        ["id": "graph", "aria-labelledby": "graph-h", "data-no-sbom": graph == nil ? "" : nil]
      ) { html in
        html.element("h2", ["id": "graph-h"], text: "Dependency graph")
        if let graph {
          html.out += graph  // SVG from Reports' renderer, which escapes its own text
        } else {
          html.element(
            "p",
            text:
              "No stored SBOM for this image (it is still being indexed, or its SBOM was not kept): no graph to draw."
          )
        }
      }
    }
  }

  // MARK: A segment's graph

  /// The dependency graph of a segment's most used images together: shared bases and layers
  /// are one node, so the page shows what the segment's images have in common and where each
  /// critical or known-exploited vulnerability comes from.
  static func segmentGraph(
    segment: String, images: [DashboardRanked], of total: Int, graph: String?, at: Date,
    logoutCSRF: String
  ) -> String {
    page(title: "Graph of the \(segment)", current: "/graph", logoutCSRF: logoutCSRF) { html in
      html.element("h1", text: "Dependency graph of the \(segment)")
      html.element("nav", ["class": "segments", "aria-label": "Segments"]) { html in
        for s in ["head", "tail"] {
          if s == "tail" { html.text(" · ") }
          html.element(
            "a", ["href": "/graph?segment=\(s)", "aria-current": s == segment ? "page" : nil],
            text: s == "head" ? "Head" : "Tail")
        }
      }
      html.element(
        "p", ["id": "graph-scope"],
        text:
          "The \(images.count) most used of the segment's \(total) images (by replicas, as of \(at.formatted(.iso8601))); shared bases and layers are drawn once."
      )
      if images.isEmpty {
        html.element("p", text: "No image in the \(segment) yet.")
      }
      if let graph {
        html.element("section", ["id": "graph", "aria-label": "Dependency graph"]) { html in
          html.out += graph  // SVG from Reports' renderer, which escapes its own text
        }
      }
    }
  }

  // MARK: One vulnerability

  static func finding(
    _ id: String, rows: [DashboardFindingRow], logoutCSRF: String
  ) -> String {
    page(title: id, current: nil, logoutCSRF: logoutCSRF) { html in
      html.element("h1", text: id)
      if let summary = rows.lazy.compactMap(\.summary).first(where: { !$0.isEmpty }) {
        html.element("p", ["class": "summary"], text: summary)
      }
      let open = rows.filter { $0.state == "open" }
      let fixed = Set(rows.compactMap(\.fixedVersion)).sorted()
      html.element("p", ["id": "finding-summary"]) { html in
        html.text(
          "Open in \(open.count) images (\(open.filter { $0.segment == "head" }.count) head, \(open.filter { $0.segment == "tail" }.count) tail); \(rows.count - open.count) images fixed or closed. Fixed versions: \(fixed.isEmpty ? "none known" : fixed.joined(separator: ", "))."
        )
      }
      html.element("table", ["id": "finding-images", "class": "sortable"]) { html in
        html.element("thead") { html in
          html.element("tr") { html in
            for (h, kind) in [
              ("Image", "text"), ("Segment", "text"), ("State", "text"), ("Severity", "num"),
              ("KEV", "text"), ("Since", "text"), ("Fixed", "text"), ("SLA", "text"),
              ("Fixed in", "text"), ("Packages", "text"),
            ] {
              html.element(
                "th", ["scope": "col", "data-kind": kind, "tabindex": "0", "aria-sort": "none"],
                text: h)
            }
          }
        }
        html.element("tbody") { html in
          for r in rows {
            html.element("tr") { html in
              html.element("td", ["data-value": r.reference]) { html in
                html.element("a", ["href": "/images/\(r.digest)"], text: r.reference)
              }
              html.element("td", ["data-value": r.segment ?? ""], text: r.segment ?? "—")
              html.element("td", ["data-value": r.state], text: r.state)
              severityCell(&html, r.severity)
              html.element("td", ["data-value": r.kev ? "1" : "0"], text: r.kev ? "KEV" : "")
              html.element("td", ["data-value": r.firstSeen], text: r.firstSeen)
              html.element("td", ["data-value": r.fixedAt ?? ""], text: r.fixedAt ?? "")
              html.element(
                "td", ["data-value": r.slaState ?? ""],
                text: r.slaState.map { "\(slaLabel($0)) (due \(r.slaDue ?? "?"))" } ?? "")
              html.element(
                "td", ["data-value": r.fixedVersion ?? ""], text: r.fixedVersion ?? "no fix")
              html.element(
                "td", ["data-value": r.packages.first ?? ""],
                text: r.packages.joined(separator: ", "))
            }
          }
        }
      }
    }
  }

  // MARK: Pieces

  static func table(_ html: inout HTML, id: String, headers: [String], rows: [[String]]) {
    html.element("table", ["id": id, "class": "compact"]) { html in
      html.element("thead") { html in
        html.element("tr") { html in
          for h in headers { html.element("th", ["scope": "col"], text: h) }
        }
      }
      html.element("tbody") { html in
        for row in rows {
          html.element("tr") { html in
            for cell in row { html.element("td", text: cell) }
          }
        }
      }
    }
  }

  /// Severity as text and as a class (colour is never the only carrier).
  static func severityCell(_ html: inout HTML, _ severity: String) {
    let rank = Severity(rawValue: severity)?.rank ?? 0
    html.element(
      "td", ["class": "sev sev-\(DashboardCharts.severityKey(severity))", "data-value": "\(rank)"],
      text: severity)
  }

  static func slaLabel(_ state: String) -> String {
    switch state {
    case "at_risk": "at risk"
    case "breached": "breached"
    default: "within SLA"
    }
  }

  static func findingPath(_ id: String) -> String {
    "/findings/"
      + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id)
  }

  static func short(_ digest: String) -> String {
    guard let colon = digest.firstIndex(of: ":") else { return digest }
    return String(digest[...colon]) + digest[digest.index(after: colon)...].prefix(12)
  }

  static func bytes(_ n: Int64) -> String {
    var value = Double(n)
    for unit in ["B", "KiB", "MiB", "GiB"] {
      if value < 1024 || unit == "GiB" {
        return unit == "B" ? "\(n) B" : String(format: "%.1f", value) + " " + unit
      }
      value /= 1024
    }
    return "\(n) B"
  }

  static func duration(_ seconds: Double) -> String {
    if seconds >= 86400 { return String(format: "%.1f days", seconds / 86400) }
    if seconds >= 3600 { return String(format: "%.1f hours", seconds / 3600) }
    return String(format: "%.0f minutes", seconds / 60)
  }

  static func queryString(_ params: [(String, String)]) -> String {
    guard !params.isEmpty else { return "" }
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:")
    return "?"
      + params.map { k, v in
        "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)"
      }.joined(separator: "&")
  }
}
