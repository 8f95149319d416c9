#!/usr/bin/env bash
# Golden diagnostics: `lrc check` on every bad input in this folder must exit
# with code 2 and print exactly the message in the matching .expected file.
# Run from this folder so the paths in messages are short and stable.
# NAME.args may hold options for that case's command line.
#   run.sh LRC DIR          check every case
#   run.sh LRC DIR --update rewrite the .expected files (review the diff!)
set -u
lrc=$1; dir=$2; update=${3:-}
cd "$dir" || exit 1
pass=0; fail=0
for f in *.lrf; do
  name=${f%.lrf}
  # NAME.args, when present, holds extra options (e.g. --max-memory 1G).
  args=(); [ -f "$name.args" ] && read -r -a args < "$name.args"
  actual=$(LRC_STDLIB="$dir/../../stdlib" "$lrc" check "$f" "${args[@]}" 2>&1 >/dev/null); code=$?
  if [ "$update" = "--update" ]; then
    printf '%s\n' "$actual" > "$name.expected"
  fi
  expected=$(cat "$name.expected" 2>/dev/null || echo "(no $name.expected)")
  if [ $code -ne 2 ]; then
    echo "FAIL $f: exit code $code, expected 2"; fail=$((fail + 1))
  elif [ "$actual" != "$expected" ]; then
    echo "FAIL $f: message differs"; diff <(echo "$expected") <(echo "$actual") | head -20; fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
done
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
