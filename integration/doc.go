// Package integration holds SPINE's end-to-end tests: the built spine binary, run as a user
// runs it, against real server processes (the shipped demo server over stdio and HTTP).
// They check results on stdout, logs on stderr, exit codes, and that nothing is left
// running afterwards.
package integration
