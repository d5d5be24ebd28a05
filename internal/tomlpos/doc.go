// Package tomlpos finds the line on which a TOML key is defined.
//
// github.com/BurntSushi/toml decodes a document and reports where a syntax error is, but it
// does not say on which line a key that decoded fine was written. Config and workflow
// validators need that line to point users at the mistake ("spine.toml:12: servers.demo.comand:
// unknown key"). This package scans the document once, without building values, and records
// the line of every key path it defines: table headers, arrays of tables, dotted and quoted
// keys, keys of inline tables and the elements of arrays. The contents of strings (including
// multi-line ones) and comments are never mistaken for keys.
//
// A key path is written as its elements: Line(data, "servers", "demo", "command"). The N-th
// table of an array of tables, and the N-th element of an array, are addressed by their
// zero-based index as a decimal string: Line(data, "steps", "2", "tool") is the key tool in the
// third [[steps]] table.
//
// The scan is forgiving: on malformed input it returns what it could find and never panics.
//
//	line := tomlpos.Line(data, "servers", "demo", "comand") // 0 when not found
//
// When many keys of one document are looked up, build an Index once:
//
//	ix := tomlpos.NewIndex(data)
//	a, b := ix.Line("log", "level"), ix.Line("servers", "demo")
package tomlpos
