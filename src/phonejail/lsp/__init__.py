"""phonejail in the editor: a Language Server (`phonejail lsp`, needs `phonejail[lsp]`).

`outline` reads ids and their places from a tree's text (no LSP library);
`server` is the pygls server. Import `server` only to serve: pygls is optional.
"""
