extension PolicyPack {
  /// Helpers shared by every pack (package `tailguard.lib`): parameter lookup with the
  /// override order of `PolicyPack`, and severity ranks.
  public static let libRego = #"""
    package tailguard.lib

    import rego.v1

    # param(key, name, default): data.tailguard.<key>.<name>, else data.tailguard.params.<name>,
    # else the pack's default.
    param(key, name, def) := v if {
    	v := data.tailguard[key][name]
    } else := v if {
    	v := data.tailguard.params[name]
    } else := def

    severity_rank := {
    	"unknown": 0,
    	"negligible": 1,
    	"low": 2,
    	"medium": 3,
    	"high": 4,
    	"critical": 5,
    }

    rank(s) := severity_rank[lower(s)]

    # Finding ids (or aliases) the user accepts for a pack.
    accepted(key, f) if {
    	some id in param(key, "allow_ids", [])
    	id == f.id
    }

    accepted(key, f) if {
    	some id in param(key, "allow_ids", [])
    	id in f.aliases
    }
    """#
}
