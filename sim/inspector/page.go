package inspector

import _ "embed"

// pageHTML is the whole page: markup, style and script in one file, so the
// inspector works offline and its Content-Security-Policy can allow exactly
// this script and style by hash. A string, so nothing can change it.
//
//go:embed index.html
var pageHTML string
