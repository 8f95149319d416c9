#!/usr/bin/env bash
# The tooling for versioned experiments: lrc fmt (idempotent, same tree and
# module, comments kept, --check, --stdout, syntax errors), lrc explain and
# check --resolved (the output checks and runs to a byte-identical curve),
# lrc compare (two real runs), lrc help and the generated man page, and the
# editor syntax files.
#   test_tooling.sh LRC SOURCE_DIR
lrc=$1; src=$2
. "$(dirname "$0")/lib.sh"
export LRC_STDLIB="$src/stdlib"
ex=$src/examples/digits_mlp.lrf

# ---- fmt: every file of the tree -------------------------------------------------
mkdir -p "$tmp/fmt"
for f in "$src"/examples/*.lrf "$src"/stdlib/std/*.lrf "$src"/bench/workloads/*.lrf; do
  name=$(basename "$f")
  if ! "$lrc" fmt --stdout "$f" >"$tmp/fmt/$name" 2>"$tmp/err"; then bad "fmt $name"; cat "$tmp/err"; continue; fi
  if "$lrc" fmt --stdout "$tmp/fmt/$name" | cmp -s - "$tmp/fmt/$name"; then ok; else bad "fmt $name: not idempotent"; fi
  "$lrc" dump-ast "$f" | grep -v '^; ' >"$tmp/ast1"
  "$lrc" dump-ast "$tmp/fmt/$name" | grep -v '^; ' >"$tmp/ast2"
  if cmp -s "$tmp/ast1" "$tmp/ast2"; then ok; else bad "fmt $name: the tree changed"; diff "$tmp/ast1" "$tmp/ast2" | head; fi
  if [ "$(grep -c '#' "$f")" -eq "$(grep -c '#' "$tmp/fmt/$name")" ]; then ok; else bad "fmt $name: comments lost"; fi
  case $f in */stdlib/*) continue;; esac   # presets only: no module
  if "$lrc" emit-llvm "$f" >"$tmp/ir1" 2>/dev/null && "$lrc" emit-llvm "$tmp/fmt/$name" >"$tmp/ir2" 2>/dev/null \
     && cmp -s "$tmp/ir1" "$tmp/ir2"; then ok; else bad "fmt $name: a different module"; fi
done
# The tree's own files are already canonical.
expect_code 0 "fmt --check tree" "$lrc" fmt --check "$src"/examples/*.lrf "$src"/stdlib/std/*.lrf

# ---- fmt: --check, in-place writes, errors ---------------------------------------------
printf 'optimizer sgd { momentum 0.9 }   # fast\nloss mse;sweep s{start_rate 1e-7 ; end_rate 1;steps 9}\n' >"$tmp/u.lrf"
chmod 640 "$tmp/u.lrf"
cp "$tmp/u.lrf" "$tmp/u.orig"
expect_code 1 "fmt --check unformatted" "$lrc" fmt --check "$tmp/u.lrf"
expect_grep "u.lrf" "$tmp/out" "fmt --check names the file"
if cmp -s "$tmp/u.lrf" "$tmp/u.orig"; then ok; else bad "fmt --check wrote the file"; fi
expect_code 0 "fmt --stdout" "$lrc" fmt --stdout "$tmp/u.lrf"
cp "$tmp/out" "$tmp/u.want"
expect_code 0 "fmt in place" "$lrc" fmt "$tmp/u.lrf"
if cmp -s "$tmp/u.lrf" "$tmp/u.want"; then ok; else bad "fmt in place differs from --stdout"; fi
expect_grep '^}  # fast$' "$tmp/u.lrf" "fmt keeps the end-of-line comment"
expect_grep '^  end_rate 1$' "$tmp/u.lrf" "fmt splits ; into lines"
if [ "$(stat -c %a "$tmp/u.lrf")" = 640 ]; then ok; else bad "fmt changed the file mode"; fi
ls "$tmp" | grep -q 'u.lrf.tmp' && bad "fmt left a temporary file" || ok
expect_code 0 "fmt --check formatted" "$lrc" fmt --check "$tmp/u.lrf"
printf 'network n {\n  dense = \n}\n' >"$tmp/bad.lrf"; cp "$tmp/bad.lrf" "$tmp/bad.orig"
expect_code 2 "fmt syntax error" "$lrc" fmt "$tmp/bad.lrf"
expect_grep 'bad.lrf:2:[0-9]+: error: ' "$tmp/err" "fmt error is located"
if cmp -s "$tmp/bad.lrf" "$tmp/bad.orig"; then ok; else bad "fmt rewrote a file with a syntax error"; fi
expect_code 2 "fmt no file" "$lrc" fmt
expect_code 2 "fmt missing file" "$lrc" fmt "$tmp/nope.lrf"

# ---- explain ---------------------------------------------------------------------
expect_code 0 explain "$lrc" explain "$ex"; cp "$tmp/out" "$tmp/explained.lrf"
expect_grep '^  smooth 0.9' "$tmp/explained.lrf" "explain: the preset's smoothing"
expect_grep '^  skip_begin 10$' "$tmp/explained.lrf" "explain: a default filled in"
expect_grep '^  dense 128 relu \{ init he \}$' "$tmp/explained.lrf" "explain: the layers"
expect_grep '^  stop when diverges\(4\)$' "$tmp/explained.lrf" "explain: the stop rule"
if grep -q '^import' "$tmp/explained.lrf"; then bad "explain: imports left"; else ok; fi
expect_code 0 "check --resolved" "$lrc" check --resolved "$ex"
if cmp -s "$tmp/out" "$tmp/explained.lrf"; then ok; else bad "check --resolved differs from explain"; fi
(cd "$tmp" && "$lrc" check explained.lrf >/dev/null 2>"$tmp/err") && ok || { bad "explained file does not check"; cat "$tmp/err"; }
"$lrc" run "$ex" --out "$tmp/runA" --quiet --set sweep.start_rate=1e-6
"$lrc" explain "$ex" --set sweep.start_rate=1e-6 >"$tmp/explained2.lrf"
(cd / && "$lrc" run "$tmp/explained2.lrf" --out "$tmp/runB" --quiet)
if cmp -s "$tmp/runA/curve.csv" "$tmp/runB/curve.csv"; then ok; else bad "explain: the resolved file runs differently"; fi
for f in "$src"/examples/*.lrf "$src"/bench/workloads/*.lrf; do
  "$lrc" explain "$f" >"$tmp/x.lrf" 2>"$tmp/err" && "$lrc" check "$tmp/x.lrf" >/dev/null 2>"$tmp/err" \
    && ok || { bad "explain $(basename "$f") does not check"; head -5 "$tmp/err"; }
done

# ---- compare ------------------------------------------------------------------------
"$lrc" run "$ex" --out "$tmp/runC" --quiet --seed 2
expect_code 0 compare "$lrc" compare "$tmp/runA" "$tmp/runC" --out "$tmp/cmp.svg"
expect_grep '^ +runA +runC$' "$tmp/out" "compare: one column per run"
expect_grep '^  steepest +rate +[0-9.e-]+ +[0-9.e-]+' "$tmp/out" "compare: suggestions side by side"
expect_grep '^  sweep.seed +1 +2$' "$tmp/out" "compare: the differing seed"
if grep -q 'sweep.smooth' "$tmp/out"; then bad "compare: printed a setting that is the same"; else ok; fi
python3 -c "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert len(d.getElementsByTagName('polyline')) == 2" "$tmp/cmp.svg" \
  && ok || bad "compare: the SVG does not parse or lacks the two curves"
expect_grep '>runA</text>' "$tmp/cmp.svg" "compare: the legend"
expect_grep '>1e-[0-9]</text>' "$tmp/cmp.svg" "compare: a log rate axis"
expect_code 2 "compare one run" "$lrc" compare "$tmp/runA"
expect_code 2 "compare not a run" "$lrc" compare "$tmp/runA" "$tmp/fmt"
expect_grep 'report.json' "$tmp/err" "compare: names the missing report"

# ---- help and the man page ----------------------------------------------------------
expect_code 0 "help run" "$lrc" help run
for o in --out --set --seed --quiet; do expect_grep "$o" "$tmp/out" "help run mentions $o"; done
expect_grep 'exit codes' "$tmp/out" "help run: exit codes"
expect_code 2 "help unknown" "$lrc" help frobnicate
# Every command and option of `lrc --help` has its help (one source of truth).
"$lrc" --help >"$tmp/usage"
"$lrc" help --man >"$tmp/man"
for c in $(sed -n '/^commands:/,/^$/p' "$tmp/usage" | awk 'NF && !/commands:/ {print $1}'); do
  "$lrc" help "$c" >/dev/null 2>&1 && ok || bad "lrc help $c: no help for a command of lrc --help"
done
for o in $(grep -oE '(^| )--?[a-zA-Z0-9][a-zA-Z0-9-]*' "$tmp/usage" | tr -d ' ' | sort -u); do
  grep -qF -- "$(echo "$o" | sed 's/-/\\-/g')" "$tmp/man" && ok || bad "the man page does not document $o"
done
if cmp -s "$tmp/man" "$src/docs/lrc.1"; then ok; else bad "docs/lrc.1 is stale: run lrc help --man > docs/lrc.1"; fi
expect_grep '^\.SH EXIT STATUS' "$src/docs/lrc.1" "man: exit status"
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -P-cbou "$src/docs/lrc.1" >"$tmp/man.txt" 2>"$tmp/err" && [ ! -s "$tmp/err" ] && ok \
    || { bad "man page: groff warnings"; head "$tmp/err"; }
  expect_grep 'lrc fmt' "$tmp/man.txt" "man page renders"
fi

# ---- editor support ----------------------------------------------------------------------
python3 -m json.tool "$src/editors/vscode/syntaxes/lrf.tmLanguage.json" >/dev/null && ok || bad "TextMate grammar is not JSON"
python3 -m json.tool "$src/editors/vscode/package.json" >/dev/null && ok || bad "package.json is not JSON"
python3 - "$src/editors/vscode/syntaxes/lrf.tmLanguage.json" <<'PY' && ok || bad "TextMate grammar: a pattern does not compile"
import json, re, sys
g = json.load(open(sys.argv[1]))
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("match", "begin", "end"):
                re.compile(v)
            walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(g)
assert g["scopeName"] == "source.lrf"
PY
if command -v vim >/dev/null; then
  out=$(vim -es -u NONE -i NONE -c 'syntax on' -c "source $src/editors/vim/syntax/lrf.vim" \
        -c 'redir! > /dev/stdout' -c 'echo exists("b:current_syntax") ? b:current_syntax : "none"' -c 'redir END' -c 'qa!' 2>&1)
  case $out in *lrf*) ok;; *) bad "vim: the syntax file does not load: $out";; esac
  out=$(vim -es -u NONE -i NONE -c "set rtp^=$src/editors/vim" -c 'filetype on' -c "runtime ftdetect/lrf.vim" \
        -c "edit $ex" -c 'redir! > /dev/stdout' -c 'echo &filetype' -c 'redir END' -c 'qa!' 2>&1)
  case $out in *lrf*) ok;; *) bad "vim: *.lrf is not detected: $out";; esac
fi
finish
