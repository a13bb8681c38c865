#!/bin/sh
# Writes the spec on standard input to standard output with the Lambda versions of this release:
# the baseline's and the candidate's `version` (the {{version}} in CloudWatch dimensions) and the
# lambda_alias router's baseline_version and candidate_version. The package stage runs it after
# publishing the candidate version; the gates stage then validates the result.
#   set-versions.sh BASELINE CANDIDATE < examples/aws.yaml > build/rampart.yaml
# Exit 64: a version that is not a published version number; 65: the spec does not have exactly
# one of each of the four lines, so nothing half-rewritten goes on.
set -eu
if [ $# -ne 2 ]; then echo "usage: set-versions.sh BASELINE CANDIDATE < spec.yaml > out.yaml" >&2; exit 64; fi
for v in "$1" "$2"; do
  case "$v" in '' | *[!0-9]*) echo "set-versions.sh: '$v' is not a published Lambda version number" >&2; exit 64 ;; esac
done
if [ "$1" = "$2" ]; then echo "set-versions.sh: baseline and candidate are both version $1" >&2; exit 64; fi
awk -v b="$1" -v c="$2" '
  function put(v) { if (sub(/"[^"]*"/, "\"" v "\"") != 1) bad = 1; n++ }
  /^[A-Za-z_]+:/ { section = $1 }
  section == "baseline:" && /^  version:/ { put(b) }
  section == "candidate:" && /^  version:/ { put(c) }
  section == "canary:" && /^ +baseline_version:/ { put(b) }
  section == "canary:" && /^ +candidate_version:/ { put(c) }
  { print }
  END { if (n != 4 || bad) { print "set-versions.sh: expected one quoted baseline and candidate version and one baseline_version and candidate_version in canary.router, found " n+0 " such lines" > "/dev/stderr"; exit 65 } }
'
