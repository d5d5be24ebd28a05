package executor_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spine-mcp/spine/capability"
	"github.com/spine-mcp/spine/executor"
	"github.com/spine-mcp/spine/workflows"
)

// workflowSteps is the length of the sequential workflow of BenchmarkWorkflowOverhead.
const workflowSteps = 100

// chainWorkflow returns a workflow of n echo steps, each waiting for the one before: by
// needs (static arguments), or by a template that passes the previous step's text along.
func chainWorkflow(b *testing.B, n int, templated bool) *workflows.Workflow {
	var src strings.Builder
	for i := range n {
		fmt.Fprintf(&src, "[[steps]]\nid = \"s%d\"\nserver = \"demo\"\ntool = \"echo\"\n", i)
		switch {
		case i == 0:
			src.WriteString("args = { text = \"hi\" }\n")
		case templated:
			fmt.Fprintf(&src, "args = { text = \"{{ .steps.s%d.text }}\" }\n", i-1)
		default:
			fmt.Fprintf(&src, "args = { text = \"hi\" }\nneeds = [\"s%d\"]\n", i-1)
		}
	}
	wf, err := workflows.Parse("chain.toml", []byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	if err := workflows.ApplyVars(wf, nil); err != nil {
		b.Fatal(err)
	}
	return wf
}

// BenchmarkWorkflowOverhead: a 100-step sequential workflow (echo, stdio, warm sessions)
// against the same 100 calls made one after the other on a raw go-sdk session, and through
// the executor. Each round runs all three, back to back, so that drift hits them alike;
// the metrics are medians over the rounds. One op is one workflow run. The journal variant
// is the templated one with the run journaled (executor.WithJournal), as `spine run` does.
func BenchmarkWorkflowOverhead(b *testing.B) {
	for _, name := range []string{"needs", "templated", "journal"} {
		templated := name != "needs"
		b.Run(name, func(b *testing.B) {
			var opts []executor.RunOption
			if name == "journal" {
				opts = append(opts, executor.WithJournal(b.TempDir()))
			}
			spec := benchSpec(b, "demo", capability.TransportStdio)
			ex := benchExecutor(b, spec)
			warmPool(b, ex, "demo", 1)
			cs := dialRaw(b, spec)
			wf := chainWorkflow(b, workflowSteps, templated)
			ctx := context.Background()
			var runs, raws, pooled []time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				rep, err := ex.RunWorkflow(ctx, wf, opts...)
				if err != nil || !rep.OK {
					b.Fatal(err, rep.Error)
				}
				runs = append(runs, time.Since(start))

				b.StopTimer()
				start = time.Now()
				for range workflowSteps {
					res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: echoArgs})
					if err != nil || res.IsError {
						b.Fatal(err, res)
					}
				}
				raws = append(raws, time.Since(start))
				start = time.Now()
				for range workflowSteps {
					if _, err := ex.CallTool(ctx, "demo", "echo", echoArgs); err != nil {
						b.Fatal(err)
					}
				}
				pooled = append(pooled, time.Since(start))
				b.StartTimer()
			}
			b.StopTimer()
			run, raw, pool := median(runs), median(raws), median(pooled)
			b.ReportMetric(float64(run.Microseconds())/1e3, "workflow-ms")
			b.ReportMetric(float64(raw.Microseconds())/1e3, "raw-calls-ms")
			b.ReportMetric(float64(pool.Microseconds())/1e3, "pooled-calls-ms")
			b.ReportMetric(100*(run.Seconds()-raw.Seconds())/raw.Seconds(), "pct-over-raw")
			b.ReportMetric(100*(run.Seconds()-pool.Seconds())/pool.Seconds(), "pct-over-pooled")
		})
	}
}
