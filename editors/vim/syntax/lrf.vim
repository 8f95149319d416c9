" editors/vim/syntax/lrf.vim — syntax highlighting for lrc experiments (.lrf).
" Install: copy editors/vim/ into ~/.vim/ (or add it to 'runtimepath').
if exists("b:current_syntax")
  finish
endif

syn keyword lrfKeyword   import stop when
syn keyword lrfOperator  and or not
syn keyword lrfKind      dataset network loss optimizer sweep
syn keyword lrfBoolean   true false
syn keyword lrfBuiltin   csv idx npy safetensors spirals blobs moons regression
syn keyword lrfBuiltin   relu leaky_relu tanh sigmoid gelu softmax none
syn keyword lrfBuiltin   dense conv2d maxpool flatten dropout input
syn keyword lrfBuiltin   cross_entropy mse mae huber bce sgd adam adamw rmsprop adagrad
syn keyword lrfBuiltin   steepest valley minimum clr linear exponential auto he glorot
syn keyword lrfBuiltin   diverges abs step rate raw_loss best
syn match   lrfNumber    "\<\d\+\(\.\d*\)\=\([eE][+-]\=\d\+\)\=\>"
syn match   lrfNumber    "\.\d\+\([eE][+-]\=\d\+\)\="
syn match   lrfEscape    contained "\\[\"\\nt]"
syn region  lrfString    start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=lrfEscape
syn keyword lrfTodo      contained TODO FIXME XXX NOTE
syn match   lrfComment   "#.*$" contains=lrfTodo
syn match   lrfKey       "^\s*\zs\h\w*"

hi def link lrfKeyword   Keyword
hi def link lrfOperator  Operator
hi def link lrfKind      Structure
hi def link lrfBoolean   Boolean
hi def link lrfBuiltin   Function
hi def link lrfNumber    Number
hi def link lrfString    String
hi def link lrfEscape    SpecialChar
hi def link lrfComment   Comment
hi def link lrfTodo      Todo
hi def link lrfKey       Identifier

let b:current_syntax = "lrf"
