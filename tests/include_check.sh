#!/usr/bin/env bash
# The folders under core/ and app/ include each other in one direction only (they form a DAG), and
# core/ includes no graphical header (GL, GLFW, EGL, ImGui). Prints every cycle with the #include
# lines that make it, and every graphical include under core/; exits 1 if there is any.
#   include_check.sh SOURCE_DIR
set -euo pipefail
cd "$1"

# One line per #include "x/y.h" between two different folders: "FROM_FOLDER TO_FOLDER FILE:LINE".
edges=$(find core app -name '*.h' -o -name '*.cpp' -o -name '*.h.in' | sort |
  while read -r file; do
    grep -n '^#include "\(core\|app\)/' "$file" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1 \2/' |
      while read -r line target; do
        from=$(dirname "$file")
        to=$(dirname "$target")
        [ "$from" != "$to" ] && echo "$from $to $file:$line"
      done
  done || true)

status=0
# Folders of core/ hold no graphical dependency.
if graphical=$(grep -rn '^#include [<"]\(GL/\|GLFW/\|EGL/\|GLES\|imgui\|backends/imgui\)' core); then
  echo "graphical header under core/:"
  echo "$graphical" | sed 's/^/  /'
  status=1
fi

# Cycles: folders that reach each other through the include graph form one strongly connected
# component. Each is printed with its shortest cycle and the #include lines of that cycle's edges.
cycles=$(echo "$edges" | awk '
  NF >= 2 {
    key = $1 SUBSEP $2
    if (!(key in edge)) { out[$1] = out[$1] " " $2 }
    edge[key] = 1; node[$1] = 1; node[$2] = 1
    where[key] = where[key] " " $3
  }
  END {
    for (k in edge) reach[k] = 1
    for (m in node) for (a in node) if ((a SUBSEP m) in reach)
      for (b in node) if ((m SUBSEP b) in reach) reach[a SUBSEP b] = 1
    for (a in node) {
      if (!((a SUBSEP a) in reach) || (a in done)) continue
      members = ""; n = 0
      for (b in node) if ((a SUBSEP b) in reach && (b SUBSEP a) in reach) { members = members " " b; done[b] = 1; member[++n] = b }
      # Breadth-first from each member; the shortest way back to it is its shortest cycle.
      best = ""; best_len = 1e9
      for (i = 1; i <= n; i++) {
        s = member[i]; delete dist; delete parent; delete queue
        head = 1; tail = 1; queue[1] = s; dist[s] = 0
        while (head <= tail) {
          u = queue[head++]; c = split(out[u], next_nodes, " ")
          for (j = 1; j <= c; j++) {
            v = next_nodes[j]
            if (v == s && dist[u] + 1 < best_len) {
              best_len = dist[u] + 1; path = s; w = u
              while (w != s) { path = w " " path; w = parent[w] }
              best = s " " path
            }
            if (!(v in dist)) { dist[v] = dist[u] + 1; parent[v] = u; queue[++tail] = v }
          }
        }
      }
      print "cycle among" members
      c = split(best, hop, " ")
      for (j = 1; j < c; j++) print "  " hop[j] " -> " hop[j + 1] ":" where[hop[j] SUBSEP hop[j + 1]]
    }
  }')
if [ -n "$cycles" ]; then
  echo "$cycles"
  status=1
fi

if [ "$status" = 0 ]; then
  folders=$(echo "$edges" | awk '{print $1; print $2}' | sort -u | wc -l)
  echo "include check passed: $(echo "$edges" | wc -l) includes between $folders folders, no cycle"
fi
exit "$status"
