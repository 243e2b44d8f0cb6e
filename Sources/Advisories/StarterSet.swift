// GENERATED from real advisory files; do not edit by hand. Provenance of each record below.
import TailguardModel

/// tailguard's built-in **starter set**: a handful of real advisories, copied verbatim from
/// public OSV data and checked by hand against the packages of the project's planted demo
/// image (requests 2.19.0, urllib3 1.24.1, PyYAML 5.3, Jinja2 2.10, certifi 2018.4.16,
/// idna 2.7, a go1.15.2 binary). It lets the Quick start show real findings with no network.
/// It is NOT a vulnerability database: load full data with `tailguard db update` (online) or
/// `tailguard db import PATH…` (OSV exports, Alpine secdb, KEV, EPSS).
///
/// Embedded as string literals (not bundle resources) so it works from any binary location.
public enum StarterSet {
  /// Shown whenever the starter set is used instead of a real database.
  public static let notice = """
    Using tailguard's built-in STARTER advisory set (\(records.count) hand-checked advisories, for demonstration only). \
    Load full data with `tailguard db update`, or offline with `tailguard db import PATH…`.
    """

  /// The starter records, parsed from their embedded OSV JSON (source `starter`).
  public static var records: [AdvisoryRecord] {
    let parser = OSVParser(sourceOverride: "starter")
    return documents.compactMap {
      parser.parse(Array($0.json.utf8), path: "starter:\($0.provenance)").record
    }
  }

  /// An in-memory store holding the starter set.
  public static func makeStore() -> InMemoryAdvisoryStore {
    let store = InMemoryAdvisoryStore()
    try? store.write(batch)
    return store
  }

  /// The starter set as an import batch (e.g. to seed an empty database).
  public static var batch: ImportBatch {
    let r = records
    return ImportBatch(
      records: r,
      sources: [
        SourceInfo(
          name: "starter", kind: "osv", location: "built-in starter set", records: r.count,
          importedAt: "1970-01-01T00:00:00Z")
      ])
  }

  /// The embedded OSV JSON documents with their provenance (repository, commit, path, licence).
  public static let documents: [(provenance: String, json: String)] = [
    (
      "pypa/advisory-database @3ccb6125 vulns/requests/PYSEC-2018-28.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2018-28",
        "details": "The Requests package before 2.20.0 for Python sends an HTTP Authorization header to an http URI upon receiving a same-hostname https-to-http redirect, which makes it easier for remote attackers to discover credentials by sniffing the network.",
        "affected": [
          {
            "package": {
              "name": "requests",
              "ecosystem": "PyPI",
              "purl": "pkg:pypi/requests"
            },
            "ranges": [
              {
                "type": "GIT",
                "repo": "https://github.com/requests/requests",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "c45d7c49ea75133e52ab22a8e9e13173938e36ff"
                  }
                ]
              },
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "2.20.0"
                  }
                ]
              }
            ],
            "versions": [
              "0.0.1",
              "0.10.0",
              "0.10.1",
              "0.10.2",
              "0.10.3",
              "0.10.4",
              "0.10.6",
              "0.10.7",
              "0.10.8",
              "0.11.1",
              "0.11.2",
              "0.12.0",
              "0.12.01",
              "0.12.1",
              "0.13.0",
              "0.13.1",
              "0.13.2",
              "0.13.3",
              "0.13.4",
              "0.13.5",
              "0.13.6",
              "0.13.7",
              "0.13.8",
              "0.13.9",
              "0.14.0",
              "0.14.1",
              "0.14.2",
              "0.2.0",
              "0.2.1",
              "0.2.2",
              "0.2.3",
              "0.2.4",
              "0.3.0",
              "0.3.1",
              "0.3.2",
              "0.3.3",
              "0.3.4",
              "0.4.0",
              "0.4.1",
              "0.5.0",
              "0.5.1",
              "0.6.0",
              "0.6.1",
              "0.6.2",
              "0.6.3",
              "0.6.4",
              "0.6.5",
              "0.6.6",
              "0.7.0",
              "0.7.1",
              "0.7.2",
              "0.7.3",
              "0.7.4",
              "0.7.5",
              "0.7.6",
              "0.8.0",
              "0.8.1",
              "0.8.2",
              "0.8.3",
              "0.8.4",
              "0.8.5",
              "0.8.6",
              "0.8.7",
              "0.8.8",
              "0.8.9",
              "0.9.0",
              "0.9.1",
              "0.9.2",
              "0.9.3",
              "1.0.0",
              "1.0.1",
              "1.0.2",
              "1.0.3",
              "1.0.4",
              "1.1.0",
              "1.2.0",
              "1.2.1",
              "1.2.2",
              "1.2.3",
              "2.0.0",
              "2.0.1",
              "2.1.0",
              "2.10.0",
              "2.11.0",
              "2.11.1",
              "2.12.0",
              "2.12.1",
              "2.12.2",
              "2.12.3",
              "2.12.4",
              "2.12.5",
              "2.13.0",
              "2.14.0",
              "2.14.1",
              "2.14.2",
              "2.15.0",
              "2.15.1",
              "2.16.0",
              "2.16.1",
              "2.16.2",
              "2.16.3",
              "2.16.4",
              "2.16.5",
              "2.17.0",
              "2.17.1",
              "2.17.2",
              "2.17.3",
              "2.18.0",
              "2.18.1",
              "2.18.2",
              "2.18.3",
              "2.18.4",
              "2.19.0",
              "2.19.1",
              "2.2.0",
              "2.2.1",
              "2.3.0",
              "2.4.0",
              "2.4.1",
              "2.4.2",
              "2.4.3",
              "2.5.0",
              "2.5.1",
              "2.5.2",
              "2.5.3",
              "2.6.0",
              "2.6.1",
              "2.6.2",
              "2.7.0",
              "2.8.0",
              "2.8.1",
              "2.9.0",
              "2.9.1",
              "2.9.2"
            ]
          }
        ],
        "references": [
          {
            "type": "WEB",
            "url": "https://github.com/requests/requests/pull/4718"
          },
          {
            "type": "REPORT",
            "url": "https://github.com/requests/requests/issues/4716"
          },
          {
            "type": "FIX",
            "url": "https://github.com/requests/requests/commit/c45d7c49ea75133e52ab22a8e9e13173938e36ff"
          },
          {
            "type": "WEB",
            "url": "https://bugs.debian.org/910766"
          },
          {
            "type": "WEB",
            "url": "https://usn.ubuntu.com/3790-1/"
          },
          {
            "type": "WEB",
            "url": "http://docs.python-requests.org/en/master/community/updates/#release-and-version-history"
          },
          {
            "type": "WEB",
            "url": "https://usn.ubuntu.com/3790-2/"
          },
          {
            "type": "WEB",
            "url": "http://lists.opensuse.org/opensuse-security-announce/2019-07/msg00024.html"
          },
          {
            "type": "ADVISORY",
            "url": "https://access.redhat.com/errata/RHSA-2019:2035"
          },
          {
            "type": "ADVISORY",
            "url": "https://github.com/advisories/GHSA-x84v-xcm2-53pg"
          }
        ],
        "aliases": [
          "CVE-2018-18074",
          "GHSA-x84v-xcm2-53pg"
        ],
        "modified": "2021-06-16T00:03:24.800813Z",
        "published": "2018-10-09T17:29:00Z"
      }
      """#
    ),
    (
      "pypa/advisory-database @3ccb6125 vulns/requests/PYSEC-2023-74.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2023-74",
        "details": "Requests is a HTTP library. Since Requests 2.3.0, Requests has been leaking Proxy-Authorization headers to destination servers when redirected to an HTTPS endpoint. This is a product of how we use `rebuild_proxies` to reattach the `Proxy-Authorization` header to requests. For HTTP connections sent through the tunnel, the proxy will identify the header in the request itself and remove it prior to forwarding to the destination server. However when sent over HTTPS, the `Proxy-Authorization` header must be sent in the CONNECT request as the proxy has no visibility into the tunneled request. This results in Requests forwarding proxy credentials to the destination server unintentionally, allowing a malicious actor to potentially exfiltrate sensitive information. This issue has been patched in version 2.31.0.\n\n",
        "affected": [
          {
            "package": {
              "name": "requests",
              "ecosystem": "PyPI",
              "purl": "pkg:pypi/requests"
            },
            "ranges": [
              {
                "type": "GIT",
                "repo": "https://github.com/psf/requests",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5"
                  }
                ]
              },
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "2.3.0"
                  },
                  {
                    "fixed": "2.31.0"
                  }
                ]
              }
            ],
            "versions": [
              "2.10.0",
              "2.11.0",
              "2.11.1",
              "2.12.0",
              "2.12.1",
              "2.12.2",
              "2.12.3",
              "2.12.4",
              "2.12.5",
              "2.13.0",
              "2.14.0",
              "2.14.1",
              "2.14.2",
              "2.15.0",
              "2.15.1",
              "2.16.0",
              "2.16.1",
              "2.16.2",
              "2.16.3",
              "2.16.4",
              "2.16.5",
              "2.17.0",
              "2.17.1",
              "2.17.2",
              "2.17.3",
              "2.18.0",
              "2.18.1",
              "2.18.2",
              "2.18.3",
              "2.18.4",
              "2.19.0",
              "2.19.1",
              "2.20.0",
              "2.20.1",
              "2.21.0",
              "2.22.0",
              "2.23.0",
              "2.24.0",
              "2.25.0",
              "2.25.1",
              "2.26.0",
              "2.27.0",
              "2.27.1",
              "2.28.0",
              "2.28.1",
              "2.28.2",
              "2.29.0",
              "2.3.0",
              "2.30.0",
              "2.4.0",
              "2.4.1",
              "2.4.2",
              "2.4.3",
              "2.5.0",
              "2.5.1",
              "2.5.2",
              "2.5.3",
              "2.6.0",
              "2.6.1",
              "2.6.2",
              "2.7.0",
              "2.8.0",
              "2.8.1",
              "2.9.0",
              "2.9.1",
              "2.9.2"
            ]
          }
        ],
        "references": [
          {
            "type": "ADVISORY",
            "url": "https://github.com/psf/requests/security/advisories/GHSA-j8r2-6x86-q33q"
          },
          {
            "type": "WEB",
            "url": "https://github.com/psf/requests/releases/tag/v2.31.0"
          },
          {
            "type": "FIX",
            "url": "https://github.com/psf/requests/commit/74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5"
          },
          {
            "type": "ARTICLE",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/AW7HNFGYP44RT3DUDQXG2QT3OEV2PJ7Y/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/AW7HNFGYP44RT3DUDQXG2QT3OEV2PJ7Y/"
          }
        ],
        "aliases": [
          "CVE-2023-32681",
          "GHSA-j8r2-6x86-q33q"
        ],
        "modified": "2023-06-05T01:13:00.534973Z",
        "published": "2023-05-26T18:15:00Z"
      }
      """#
    ),
    (
      "pypa/advisory-database @3ccb6125 vulns/urllib3/PYSEC-2019-132.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2019-132",
        "details": "In the urllib3 library through 1.24.1 for Python, CRLF injection is possible if the attacker controls the request parameter.",
        "affected": [
          {
            "package": {
              "name": "urllib3",
              "ecosystem": "PyPI",
              "purl": "pkg:pypi/urllib3"
            },
            "ranges": [
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "1.24.3"
                  }
                ]
              }
            ],
            "versions": [
              "0.2",
              "0.3",
              "0.3.1",
              "0.4.0",
              "0.4.1",
              "1.0",
              "1.0.1",
              "1.0.2",
              "1.1",
              "1.2",
              "1.2.1",
              "1.2.2",
              "1.3",
              "1.4",
              "1.5",
              "1.6",
              "1.7",
              "1.7.1",
              "1.8",
              "1.8.2",
              "1.8.3",
              "1.9",
              "1.9.1",
              "1.10",
              "1.10.1",
              "1.10.2",
              "1.10.3",
              "1.10.4",
              "1.11",
              "1.12",
              "1.13",
              "1.13.1",
              "1.14",
              "1.15",
              "1.15.1",
              "1.16",
              "1.17",
              "1.18",
              "1.18.1",
              "1.19",
              "1.19.1",
              "1.20",
              "1.21",
              "1.21.1",
              "1.22",
              "1.23",
              "1.24",
              "1.24.1",
              "1.24.2"
            ]
          }
        ],
        "references": [
          {
            "type": "REPORT",
            "url": "https://github.com/urllib3/urllib3/issues/1553"
          },
          {
            "type": "WEB",
            "url": "https://usn.ubuntu.com/3990-1/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/TBI45HO533KYHNB5YRO43TBYKA3E3VRL/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/R62XGEYPUTXMRHGX5I37EBCGQ5COHGKR/"
          },
          {
            "type": "WEB",
            "url": "https://lists.debian.org/debian-lts-announce/2019/06/msg00016.html"
          },
          {
            "type": "WEB",
            "url": "https://usn.ubuntu.com/3990-2/"
          },
          {
            "type": "ADVISORY",
            "url": "https://access.redhat.com/errata/RHSA-2019:2272"
          },
          {
            "type": "WEB",
            "url": "http://lists.opensuse.org/opensuse-security-announce/2019-09/msg00039.html"
          },
          {
            "type": "WEB",
            "url": "http://lists.opensuse.org/opensuse-security-announce/2019-09/msg00041.html"
          },
          {
            "type": "ADVISORY",
            "url": "https://access.redhat.com/errata/RHSA-2019:3335"
          },
          {
            "type": "ADVISORY",
            "url": "https://access.redhat.com/errata/RHSA-2019:3590"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/NKGPJLVLVYCL4L4B4G5TIOTVK4BKPG72/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/XOSA2NT4DUQDBEIWE6O7KKD24XND7TE2/"
          },
          {
            "type": "ADVISORY",
            "url": "https://github.com/advisories/GHSA-r64q-w8jr-g9qp"
          }
        ],
        "aliases": [
          "CVE-2019-11236",
          "GHSA-r64q-w8jr-g9qp"
        ],
        "modified": "2019-06-13T04:29:00Z",
        "published": "2019-04-15T15:29:00Z"
      }
      """#
    ),
    (
      "pypa/advisory-database @3ccb6125 vulns/pyyaml/PYSEC-2020-96.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2020-96",
        "details": "A vulnerability was discovered in the PyYAML library in versions before 5.3.1, where it is susceptible to arbitrary code execution when it processes untrusted YAML files through the full_load method or with the FullLoader loader. Applications that use the library to process untrusted input may be vulnerable to this flaw. An attacker could use this flaw to execute arbitrary code on the system by abusing the python/object/new constructor.",
        "affected": [
          {
            "package": {
              "name": "pyyaml",
              "ecosystem": "PyPI",
              "purl": "pkg:pypi/pyyaml"
            },
            "ranges": [
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "5.1"
                  },
                  {
                    "fixed": "5.3.1"
                  }
                ]
              }
            ],
            "versions": [
              "5.1",
              "5.1.1",
              "5.1.2",
              "5.2b1",
              "5.2",
              "5.3b1",
              "5.3"
            ]
          }
        ],
        "references": [
          {
            "type": "REPORT",
            "url": "https://bugzilla.redhat.com/show_bug.cgi?id=CVE-2020-1747"
          },
          {
            "type": "WEB",
            "url": "https://github.com/yaml/pyyaml/pull/386"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/WORRFHPQVAFKKXXWLSSW6XKUYLWM6CSH/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/ZBJA3SGNJKCAYPSHOHWY3KBCWNM5NYK2/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/K5HEPD7LEVDPCITY5IMDYWXUMX37VFMY/"
          },
          {
            "type": "WEB",
            "url": "http://lists.opensuse.org/opensuse-security-announce/2020-04/msg00017.html"
          },
          {
            "type": "WEB",
            "url": "http://lists.opensuse.org/opensuse-security-announce/2020-05/msg00017.html"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/MMQXSZXNJT6ERABJZAAICI3DQSQLCP3D/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/7PPAS6C4SZRDQLR7C22A5U3QOLXY33JX/"
          },
          {
            "type": "ADVISORY",
            "url": "https://github.com/advisories/GHSA-6757-jp84-gxfx"
          }
        ],
        "aliases": [
          "CVE-2020-1747",
          "GHSA-6757-jp84-gxfx"
        ],
        "modified": "2021-03-26T02:44:00Z",
        "published": "2020-03-24T15:15:00Z"
      }
      """#
    ),
    (
      "pypa/advisory-database @3ccb6125 vulns/pyyaml/PYSEC-2021-142.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2021-142",
        "details": "A vulnerability was discovered in the PyYAML library in versions before 5.4, where it is susceptible to arbitrary code execution when it processes untrusted YAML files through the full_load method or with the FullLoader loader. Applications that use the library to process untrusted input may be vulnerable to this flaw. This flaw allows an attacker to execute arbitrary code on the system by abusing the python/object/new constructor. This flaw is due to an incomplete fix for CVE-2020-1747.",
        "affected": [
          {
            "package": {
              "name": "pyyaml",
              "ecosystem": "PyPI",
              "purl": "pkg:pypi/pyyaml"
            },
            "ranges": [
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "5.4"
                  }
                ]
              }
            ],
            "versions": [
              "3.01",
              "3.02",
              "3.03",
              "3.04",
              "3.05",
              "3.06",
              "3.07",
              "3.08",
              "3.09",
              "3.10",
              "3.11",
              "3.12",
              "3.13",
              "3.13b1",
              "3.13rc1",
              "4.2b1",
              "4.2b2",
              "4.2b4",
              "5.1",
              "5.1.1",
              "5.1.2",
              "5.1b1",
              "5.1b3",
              "5.1b5",
              "5.1b7",
              "5.2",
              "5.2b1",
              "5.3",
              "5.3.1",
              "5.3b1",
              "5.4b1",
              "5.4b2"
            ]
          }
        ],
        "references": [
          {
            "type": "REPORT",
            "url": "https://bugzilla.redhat.com/show_bug.cgi?id=1860466"
          },
          {
            "type": "ADVISORY",
            "url": "https://github.com/advisories/GHSA-8q59-q68h-6hv4"
          }
        ],
        "aliases": [
          "CVE-2020-14343",
          "GHSA-8q59-q68h-6hv4"
        ],
        "modified": "2021-08-27T03:22:18.913334Z",
        "published": "2021-02-09T21:15:00Z"
      }
      """#
    ),
    (
      "pypa/advisory-database @3ccb6125 vulns/jinja2/PYSEC-2019-217.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2019-217",
        "details": "In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape.",
        "affected": [
          {
            "package": {
              "name": "jinja2",
              "ecosystem": "PyPI",
              "purl": "pkg:pypi/jinja2"
            },
            "ranges": [
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "2.10.1"
                  }
                ]
              }
            ],
            "versions": [
              "2.0",
              "2.0rc1",
              "2.1",
              "2.1.1",
              "2.10",
              "2.2",
              "2.2.1",
              "2.3",
              "2.3.1",
              "2.4",
              "2.4.1",
              "2.5",
              "2.5.1",
              "2.5.2",
              "2.5.3",
              "2.5.4",
              "2.5.5",
              "2.6",
              "2.7",
              "2.7.1",
              "2.7.2",
              "2.7.3",
              "2.8",
              "2.8.1",
              "2.9",
              "2.9.1",
              "2.9.2",
              "2.9.3",
              "2.9.4",
              "2.9.5",
              "2.9.6"
            ]
          }
        ],
        "references": [
          {
            "type": "ARTICLE",
            "url": "https://palletsprojects.com/blog/jinja-2-10-1-released"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/b2380d147b508bbcb90d2cad443c159e63e12555966ab4f320ee22da@%3Ccommits.airflow.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/46c055e173b52d599c648a98199972dbd6a89d2b4c4647b0500f2284@%3Cdevnull.infra.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/f0c4a03418bcfe70c539c5dbaf99c04c98da13bfa1d3266f08564316@%3Ccommits.airflow.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/7f39f01392d320dfb48e4901db68daeece62fd60ef20955966739993@%3Ccommits.airflow.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/57673a78c4d5c870d3f21465c7e2946b9f8285c7c57e54c2ae552f02@%3Ccommits.airflow.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/320441dccbd9a545320f5f07306d711d4bbd31ba43dc9eebcfc602df@%3Cdevnull.infra.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/2b52b9c8b9d6366a4f1b407a8bde6af28d9fc73fdb3b37695fd0d9ac@%3Cdevnull.infra.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.apache.org/thread.html/09fc842ff444cd43d9d4c510756fec625ef8eb1175f14fd21de2605f@%3Cdevnull.infra.apache.org%3E"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/QCDYIS254EJMBNWOG4S5QY6AOTOR4TZU/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/DSW3QZMFVVR7YE3UT4YRQA272TYAL5AF/"
          },
          {
            "type": "WEB",
            "url": "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/TS7IVZAJBWOHNRDMFJDIZVFCMRP6YIUQ/"
          },
          {
            "type": "ADVISORY",
            "url": "https://access.redhat.com/errata/RHSA-2019:1152"
          },
          {
            "type": "WEB",
            "url": "http://lists.opensuse.org/opensuse-security-announce/2019-05/msg00030.html"
          },
          {
            "type": "ADVISORY",
            "url": "https://access.redhat.com/errata/RHSA-2019:1237"
          },
          {
            "type": "ADVISORY",
            "url": "https://access.redhat.com/errata/RHSA-2019:1329"
          },
          {
            "type": "WEB",
            "url": "https://usn.ubuntu.com/4011-1/"
          },
          {
            "type": "WEB",
            "url": "https://usn.ubuntu.com/4011-2/"
          },
          {
            "type": "WEB",
            "url": "http://lists.opensuse.org/opensuse-security-announce/2019-06/msg00064.html"
          },
          {
            "type": "ADVISORY",
            "url": "https://github.com/advisories/GHSA-462w-v97r-4m45"
          }
        ],
        "aliases": [
          "CVE-2019-10906",
          "GHSA-462w-v97r-4m45"
        ],
        "modified": "2021-11-22T04:57:52.862665Z",
        "published": "2019-04-07T00:29:00Z"
      }
      """#
    ),
    (
      "pypa/advisory-database @3ccb6125 vulns/certifi/PYSEC-2023-135.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2023-135",
        "modified": "2023-08-07T05:41:30.977938Z",
        "published": "2023-08-03T19:36:12Z",
        "aliases": [
          "CVE-2023-37920",
          "GHSA-xqr8-7jwr-rhp7"
        ],
        "details": "Certifi 2023.07.22 removes root certificates from \"e-Tugra\" from the root store. These are in the process of being removed from Mozilla's trust store. e-Tugra's root certificates are being removed pursuant to an investigation prompted by reporting of security issues in their systems.",
        "affected": [
          {
            "package": {
              "ecosystem": "PyPI",
              "name": "certifi",
              "purl": "pkg:pypi/certifi"
            },
            "ranges": [
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "2015.4.28"
                  },
                  {
                    "fixed": "2023.7.22"
                  }
                ]
              }
            ],
            "versions": [
              "2015.04.28",
              "2015.11.20",
              "2015.11.20.1",
              "2015.9.6",
              "2015.9.6.1",
              "2015.9.6.2",
              "2016.2.28",
              "2016.8.2",
              "2016.8.31",
              "2016.8.8",
              "2016.9.26",
              "2017.1.23",
              "2017.11.5",
              "2017.4.17",
              "2017.7.27",
              "2017.7.27.1",
              "2018.1.18",
              "2018.10.15",
              "2018.11.29",
              "2018.4.16",
              "2018.8.13",
              "2018.8.24",
              "2019.11.28",
              "2019.3.9",
              "2019.6.16",
              "2019.9.11",
              "2020.11.8",
              "2020.12.5",
              "2020.4.5",
              "2020.4.5.1",
              "2020.4.5.2",
              "2020.6.20",
              "2021.10.8",
              "2021.5.30",
              "2022.12.7",
              "2022.5.18",
              "2022.5.18.1",
              "2022.6.15",
              "2022.6.15.1",
              "2022.6.15.2",
              "2022.9.14",
              "2022.9.24",
              "2023.5.7"
            ]
          }
        ],
        "references": [
          {
            "type": "WEB",
            "url": "https://groups.google.com/a/mozilla.org/g/dev-security-policy/c/C-HrP1SEq1A"
          },
          {
            "type": "WEB",
            "url": "https://github.com/certifi/python-certifi/commit/8fb96ed81f71e7097ed11bc4d9b19afd7ea5c909"
          },
          {
            "type": "ADVISORY",
            "url": "https://nvd.nist.gov/vuln/detail/CVE-2023-37920"
          },
          {
            "type": "ADVISORY",
            "url": "https://github.com/certifi/python-certifi/security/advisories/GHSA-xqr8-7jwr-rhp7"
          }
        ]
      }
      """#
    ),
    (
      "pypa/advisory-database @3ccb6125 vulns/idna/PYSEC-2024-60.yaml (CC-BY-4.0), converted to JSON",
      #"""
      {
        "id": "PYSEC-2024-60",
        "modified": "2024-07-11T17:21:37.216928Z",
        "published": "2024-07-07T18:15:00Z",
        "aliases": [
          "CVE-2024-3651"
        ],
        "details": "A vulnerability was identified in the kjd/idna library, specifically within the `idna.encode()` function, affecting version 3.6. The issue arises from the function's handling of crafted input strings, which can lead to quadratic complexity and consequently, a denial of service condition. This vulnerability is triggered by a crafted input that causes the `idna.encode()` function to process the input with considerable computational load, significantly increasing the processing time in a quadratic manner relative to the input size.",
        "affected": [
          {
            "package": {
              "ecosystem": "PyPI",
              "name": "idna",
              "purl": "pkg:pypi/idna"
            },
            "ranges": [
              {
                "type": "GIT",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "1d365e17e10d72d0b7876316fc7b9ca0eebdd38d"
                  }
                ],
                "repo": "https://github.com/kjd/idna"
              },
              {
                "type": "ECOSYSTEM",
                "events": [
                  {
                    "introduced": "0.1"
                  },
                  {
                    "fixed": "3.7"
                  }
                ]
              }
            ],
            "versions": [
              "0.1",
              "0.2",
              "0.3",
              "0.4",
              "0.5",
              "0.6",
              "0.7",
              "0.8",
              "0.9",
              "1.0",
              "1.1",
              "2.0",
              "2.1",
              "2.10",
              "2.2",
              "2.3",
              "2.4",
              "2.5",
              "2.6",
              "2.7",
              "2.8",
              "2.9",
              "3.0",
              "3.1",
              "3.2",
              "3.3",
              "3.4",
              "3.5",
              "3.6"
            ]
          }
        ],
        "severity": [
          {
            "type": "CVSS_V3",
            "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
          }
        ],
        "references": [
          {
            "type": "EVIDENCE",
            "url": "https://huntr.com/bounties/93d78d07-d791-4b39-a845-cbfabc44aadb"
          },
          {
            "type": "FIX",
            "url": "https://huntr.com/bounties/93d78d07-d791-4b39-a845-cbfabc44aadb"
          },
          {
            "type": "FIX",
            "url": "https://github.com/kjd/idna/commit/1d365e17e10d72d0b7876316fc7b9ca0eebdd38d"
          }
        ]
      }
      """#
    ),
    (
      "golang/vulndb @a752ea54 data/osv/GO-2022-0493.json (CC-BY-4.0)",
      #"""
      {
        "schema_version": "1.3.1",
        "id": "GO-2022-0493",
        "modified": "0001-01-01T00:00:00Z",
        "published": "2022-07-15T23:30:12Z",
        "aliases": [
          "CVE-2022-29526",
          "GHSA-p782-xgp4-8hr8"
        ],
        "summary": "Incorrect privilege reporting in syscall and golang.org/x/sys/unix",
        "details": "When called with a non-zero flags parameter, the Faccessat function can incorrectly report that a file is accessible.",
        "affected": [
          {
            "package": {
              "name": "stdlib",
              "ecosystem": "Go"
            },
            "ranges": [
              {
                "type": "SEMVER",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "1.17.10"
                  },
                  {
                    "introduced": "1.18.0-0"
                  },
                  {
                    "fixed": "1.18.2"
                  }
                ]
              }
            ],
            "ecosystem_specific": {
              "imports": [
                {
                  "path": "syscall",
                  "symbols": [
                    "Faccessat"
                  ]
                }
              ]
            }
          },
          {
            "package": {
              "name": "golang.org/x/sys",
              "ecosystem": "Go"
            },
            "ranges": [
              {
                "type": "SEMVER",
                "events": [
                  {
                    "introduced": "0"
                  },
                  {
                    "fixed": "0.0.0-20220412211240-33da011f77ad"
                  }
                ]
              }
            ],
            "ecosystem_specific": {
              "imports": [
                {
                  "path": "golang.org/x/sys/unix",
                  "symbols": [
                    "Faccessat"
                  ]
                }
              ]
            }
          }
        ],
        "references": [
          {
            "type": "FIX",
            "url": "https://go.dev/cl/399539"
          },
          {
            "type": "REPORT",
            "url": "https://go.dev/issue/52313"
          },
          {
            "type": "FIX",
            "url": "https://go.dev/cl/400074"
          },
          {
            "type": "WEB",
            "url": "https://groups.google.com/g/golang-announce/c/Y5qrqw_lWdU"
          }
        ],
        "credits": [
          {
            "name": "Joël Gähwiler (@256dpi)"
          }
        ],
        "database_specific": {
          "url": "https://pkg.go.dev/vuln/GO-2022-0493",
          "review_status": "REVIEWED"
        }
      }
      """#
    ),
  ]
}
