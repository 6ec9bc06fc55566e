#!/usr/bin/env bash
# The proto as a contract: buf lint (STANDARD, exceptions justified in proto/buf.yaml) and buf
# breaking against proto/released.binpb, the last released API. Then shows that both checks
# can fail: on temporary copies of the module, a renumbered field, a renamed field and a removed
# enum value must each break `buf breaking`, and a new file with an enum without an _UNSPECIFIED
# zero value must fail `buf lint`. Exit 0 only when all of that holds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
buf="$here/node_modules/.bin/buf"
[[ -x "$buf" ]] || { echo "buf-check: $buf is missing: run clients/conformance/setup.sh" >&2; exit 2; }
cd "$root/proto"
echo "buf-check: $("$buf" --version 2>&1) lint (STANDARD)"
"$buf" lint
echo "buf-check: breaking (FILE) against released.binpb"
"$buf" breaking --against released.binpb

work="$here/target/buf-mutants"
proto_file="src/main/proto/gcg/v1/grounded_caption.proto"
failures=0
# mutant NAME CHECK SED-EXPRESSION EXPECTED-OUTPUT [FILE]: after the edit of FILE (default: the
# released proto; a new file is created) the check must fail and say EXPECTED-OUTPUT.
mutant() {
  local name="$1" check="$2" expression="$3" expected="$4" file="${5:-$proto_file}"
  local dir="$work/$1" out status
  rm -rf "$dir" && mkdir -p "$dir"
  cp -r buf.yaml released.binpb src "$dir/"
  [[ -f "$dir/$file" ]] || printf '%s\n' 'syntax = "proto3";' 'package gcg.v1;' \
    'option java_multiple_files = true;' 'option java_package = "io.gcgserve.proto.v1";' >"$dir/$file"
  cp "$dir/$file" "$dir/$file.orig"
  sed -i -e "$expression" "$dir/$file"
  if cmp -s "$dir/$file.orig" "$dir/$file"; then
    echo "buf-check: FAIL mutant $name: the edit did not apply to the proto" >&2
    failures=$((failures + 1)); return
  fi
  if [[ "$check" == lint ]]; then
    out="$(cd "$dir" && "$buf" lint 2>&1)" && status=0 || status=$?
  else
    out="$(cd "$dir" && "$buf" breaking --against released.binpb 2>&1)" && status=0 || status=$?
  fi
  if [[ $status -ne 0 && "$out" == *"$expected"* ]]; then
    printf 'buf-check: mutant %s fails buf %s as it must: %s\n' "$name" "$check" "$(head -n 1 <<<"$out")"
  else
    echo "buf-check: FAIL mutant $name: buf $check exited $status without '$expected':" >&2
    echo "$out" >&2
    failures=$((failures + 1))
  fi
}
mutant renumbered-field breaking 's/^  string prompt = 2;/  string prompt = 12;/' 'prompt'
mutant renamed-field breaking 's/^  string subject_key = 6;/  string subject = 6;/' 'subject_key'
mutant removed-enum-value breaking '/^  MASK_FORMAT_PNG = 1;/d' 'MaskFormat'
# The lint exceptions cover the released file only: a new file gets every STANDARD rule.
mutant enum-without-unspecified lint '$a enum Colour {\n  COLOUR_RED = 0;\n}' 'COLOUR_RED' \
  src/main/proto/gcg/v1/colour.proto
if [[ $failures -ne 0 ]]; then
  echo "buf-check: $failures mutant(s) did not fail as they must" >&2
  exit 1
fi
echo "buf-check: lint and breaking pass; 4 of 4 mutants caught"
