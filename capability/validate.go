package capability

import (
	"reflect"
	"strconv"
	"strings"
)

// Validate checks a project built or changed in code the way the loaders check files: server
// names, transports, URLs, policy ranges and the log and describe settings. Projects the
// loaders return are valid. A zero Defaults is not checked: only the loaders use it. Each
// problem is a *ConfigError placed at the server's Source; several are joined with errors.Join.
func (p *Project) Validate() error {
	errs := &problems{}
	if msg := checkOneOf("log level", p.Log.Level, logLevels); msg != "" {
		errs.add(&ConfigError{Key: "log.level", Msg: msg})
	}
	if msg := checkOneOf("log format", p.Log.Format, logFormats); msg != "" {
		errs.add(&ConfigError{Key: "log.format", Msg: msg})
	}
	if b := p.Describe.BuilderServer; b != "" {
		if msg := checkServerName(b); msg != "" {
			errs.add(&ConfigError{Key: "describe.builder_server", Msg: msg})
		}
	}
	for _, pr := range defaultsProblems(p.Defaults) {
		errs.add(&ConfigError{Key: keyPath(append([]string{"defaults"}, pr.key...)), Msg: pr.msg})
	}
	seen := map[string]bool{}
	for i := range p.Servers {
		s := &p.Servers[i]
		file, line := splitSource(s.Source)
		prefix := []string{"servers", s.Name}
		if seen[s.Name] {
			errs.add(&ConfigError{File: file, Line: line, Key: keyPath(prefix), Msg: "server defined twice"})
		}
		seen[s.Name] = true
		for _, pr := range s.problems() {
			errs.add(&ConfigError{File: file, Line: line, Key: keyPath(append(prefix, pr.key...)), Msg: pr.msg})
		}
	}
	return errs.err()
}

func defaultsProblems(d Policy) []problem {
	if reflect.ValueOf(d).IsZero() {
		return nil
	}
	return d.problems()
}

// splitSource splits a "file:line" Source.
func splitSource(src string) (string, int) {
	i := strings.LastIndexByte(src, ':')
	if i < 0 {
		return src, 0
	}
	n, err := strconv.Atoi(src[i+1:])
	if err != nil {
		return src, 0
	}
	return src[:i], n
}
