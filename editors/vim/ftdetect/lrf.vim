" editors/vim/ftdetect/lrf.vim — *.lrf files are lrc experiments.
autocmd BufRead,BufNewFile *.lrf setfiletype lrf
