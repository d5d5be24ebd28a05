package capability

import (
	"os"
	"testing"
)

func addSeeds(f *testing.F, files ...string) {
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParse checks that no spine.toml, nor a workflow's servers, makes the loader panic, and
// that every rejection says where: a *ConfigError naming the file and a line.
func FuzzParse(f *testing.F) {
	addSeeds(f, "testdata/full/spine.toml", "testdata/example/spine.toml", "testdata/workflow.toml")
	base := &Project{Defaults: DefaultPolicy()}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("spine.toml", data)
		if err == nil {
			if verr := p.Validate(); verr != nil {
				t.Errorf("Parse accepted a project that Validate rejects: %v", verr)
			}
		}
		checkRejection(t, "spine.toml", data, err)
		_, err = base.MergeTOML("wf.toml", data)
		checkRejection(t, "wf.toml", data, err)
	})
}

// FuzzParseMCPJSON checks that no .mcp.json makes the loader panic, and that every rejection
// says where: a *ConfigError naming the file and a line.
func FuzzParseMCPJSON(f *testing.F) {
	addSeeds(f, "testdata/full/.mcp.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseMCPJSON(".mcp.json", data)
		if err == nil {
			if verr := p.Validate(); verr != nil {
				t.Errorf("ParseMCPJSON accepted a project that Validate rejects: %v", verr)
			}
		}
		checkRejection(t, ".mcp.json", data, err)
	})
}
