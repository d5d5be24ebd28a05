package ops_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/spine-mcp/spine/internal/spinetest"
	"github.com/spine-mcp/spine/ops"
)

// screenshotsEnv names a directory where the browser test writes its screenshots; without
// it they go to the test's temporary directory (and are gone after the run).
const screenshotsEnv = "SPINE_STATUS_SCREENSHOTS"

// chromium returns the path of a Chromium or Chrome: the test skips without one, except
// under CI, where .ci/run installs it and its absence is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH under CI: .ci/run installs it (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); the status page's browser test skips outside CI")
	return ""
}

// consoleErrors collects what the page reports as an error: console.error calls, uncaught
// exceptions, and the browser's own error entries (a resource that failed to load, a
// blocked script).
type consoleErrors struct {
	mu   sync.Mutex
	list []string
}

func (c *consoleErrors) listen(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value))
			}
			msg = "console." + string(e.Type) + ": " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		msg = "exception: " + (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error()
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			msg = "log: " + e.Entry.Text + " " + e.Entry.URL
		}
	}
	if msg != "" {
		c.mu.Lock()
		c.list = append(c.list, msg)
		c.mu.Unlock()
	}
}

func (c *consoleErrors) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.list...)
}

// TestStatusPageInBrowser loads /status in headless Chromium: it loads with no console
// error, shows the servers, and shows a call made after it loaded without a reload; it
// writes screenshots at a phone's and a wide screen's width.
func TestStatusPageInBrowser(t *testing.T) {
	browser := chromium(t)
	spinetest.NoLeaks(t)
	ex := newExecutor(t, spinetest.Demo(t, "demo"), spinetest.Demo(t, "files"))
	mon := ops.NewMonitor(ex, ops.Options{})
	t.Cleanup(mon.Close)
	srv := httptest.NewServer(mon.Handler())
	t.Cleanup(srv.Close)

	alloc, cancelAlloc := chromedp.NewExecAllocator(patience(t),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
			chromedp.Flag("disable-gpu", true))...)
	t.Cleanup(cancelAlloc) // ends the browser and waits for it
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	var errs consoleErrors
	if err := chromedp.Listen(ctx, errs.listen); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+ops.PathStatus),
		chromedp.WaitVisible(`#servers tbody strong`)); err != nil {
		t.Fatalf("load /status: %v", err)
	}
	servers, err := chromedp.Run(ctx, chromedp.Text(`#servers tbody`))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"demo", "files"} {
		if !strings.Contains(servers, name) {
			t.Errorf("servers table %q does not show %s", servers, name)
		}
	}
	// A mark on the page's window: still there after the update means no reload happened.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__spineMark = true`)); err != nil {
		t.Fatal(err)
	}

	mustCall(t, ex, patience(t), "echo", map[string]any{"text": "seen live"})
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelector("#calls tbody").textContent.includes("echo")`,
		chromedp.WithPollingTimeout(spinetest.Patience))); err != nil {
		t.Fatalf("the page did not show the call: %v", err)
	}
	if mark, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__spineMark === true`)); err != nil || !mark {
		t.Fatalf("the page reloaded to show the call (mark %v, err %v): it should update in place", mark, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelector("#servers tbody").textContent.includes("legacy")`,
		chromedp.WithPollingTimeout(spinetest.Patience))); err != nil {
		t.Errorf("the servers table does not show the era demo's session settled on: %v", err)
	}
	if text, err := chromedp.Run(ctx, chromedp.Text(`#servers tbody`)); err != nil || !strings.Contains(text, "closed") {
		t.Errorf("servers table after a call = %q (%v), want demo's circuit shown closed", text, err)
	}

	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name          string
		width, height int64
	}{{"narrow", 390, 844}, {"wide", 1440, 900}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(v.width, v.height)); err != nil {
			t.Fatal(err)
		}
		// The page must fit the viewport's width: nothing but the tables' own boxes scrolls
		// sideways.
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil || overflow {
			t.Errorf("%s (%dpx): the page is wider than the screen (err %v)", v.name, v.width, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG, below it a JPEG
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("status-%s.png", v.name))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}
	if e := errs.get(); len(e) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(e, "\n"))
	}
}
