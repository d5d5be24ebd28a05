package gateway_test

import (
	"context"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/internal/spinetest"
)

// TestServedDescription: the composed L0 is the gateway's instructions; each server's L1 and
// L3 are spine:// resources and its L2 prompts are <server>__<prompt>.
func TestServedDescription(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, demoProject), nil)
	for _, opts := range []*mcp.ClientSessionOptions{legacy, nil} {
		cs := connect(t, s.URL, opts, nil)
		instr := cs.InitializeResult().Instructions
		for _, want := range []string{"## `demo`", "## `aff`", "`demo__echo`", "<server>__<name>", "spine://demo/schema"} {
			if !strings.Contains(instr, want) {
				t.Errorf("protocol %s: instructions lack %q:\n%s", cs.InitializeResult().ProtocolVersion, want, instr)
			}
		}
	}
	cs := connect(t, s.URL, legacy, nil)
	ctx, cancel := context.WithTimeout(context.Background(), spinetest.Patience)
	defer cancel()
	for _, uri := range []string{"spine://demo/schema", "spine://aff/schema", "spine://demo/docs/README.md", "spine://demo/docs/SKILL.md"} {
		rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil || len(rr.Contents) != 1 || rr.Contents[0].Text == "" {
			t.Errorf("read %s: %v %+v", uri, err, rr)
			continue
		}
		if strings.HasSuffix(uri, "/schema") && !strings.Contains(rr.Contents[0].Text, "echo") {
			t.Errorf("%s does not describe echo:\n%.300s", uri, rr.Contents[0].Text)
		}
	}
	var l2 []string
	for p, err := range cs.Prompts(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.Name, "demo__") && p.Name != "demo__summarize" {
			l2 = append(l2, p.Name)
		}
	}
	if len(l2) == 0 {
		t.Fatal("no L2 prompt of demo served")
	}
	pr, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: l2[0]})
	if err != nil || len(pr.Messages) != 1 {
		t.Fatalf("get %s: %v %+v", l2[0], err, pr)
	}
}

// TestInstructionsFollowListChanges: a tool a server adds after start-up is in the
// instructions of a client that initializes (or discovers) later, in both eras.
func TestInstructionsFollowListChanges(t *testing.T) {
	spinetest.NoLeaks(t)
	s := serve(t, project(t, demoProject), nil)
	cs := connect(t, s.URL, legacy, nil)
	if instr := cs.InitializeResult().Instructions; strings.Contains(instr, "demo__grown_") {
		t.Fatalf("instructions name a grown tool before any grew:\n%s", instr)
	}
	grown, _ := call(t, cs, "demo__grow", nil)
	for _, opts := range []*mcp.ClientSessionOptions{legacy, nil} {
		spinetest.Eventually(t, spinetest.Patience, "instructions naming demo__"+grown, func() bool {
			later := connect(t, s.URL, opts, nil)
			defer later.Close()
			return strings.Contains(later.InitializeResult().Instructions, "demo__"+grown)
		})
	}
}
