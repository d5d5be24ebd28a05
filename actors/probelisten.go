package actors

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// Over stdio a 2026-07-28 change stream is one request, subscriptions/listen, that the server
// answers only when it ends the stream; go-sdk sends it once at connect and drops the answer
// unread. The probe connection watches those requests on their way out and their answers on
// their way in: an answer is the stream's end, reported to the session's keeper, which
// re-opens it with a listen request of SPINE's own carrying the same parameters (go-sdk
// handles its notifications like its own stream's). A listen go-sdk cancels (when the session
// closes) is no stream to re-open.

const methodListen = "subscriptions/listen"

// Write passes every message through, noting the change streams go-sdk opens and cancels.
func (c *probeConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if r, ok := msg.(*jsonrpc.Request); ok {
		switch {
		case r.Method == methodListen && r.ID.IsValid() && listsChanges(r.Params):
			c.mu.Lock()
			c.listens[r.ID] = r.Params
			c.mu.Unlock()
		case r.Method == "notifications/cancelled":
			var p struct {
				RequestID any `json:"requestId"`
			}
			if json.Unmarshal(r.Params, &p) == nil {
				if id, err := jsonrpc.MakeID(p.RequestID); err == nil {
					c.mu.Lock()
					delete(c.listens, id)
					c.mu.Unlock()
				}
			}
		}
	}
	return c.Connection.Write(ctx, msg)
}

// listsChanges says whether a listen request's params ask for list changes (go-sdk also
// listens for the updates of single resources, which SPINE does not subscribe to).
func listsChanges(params json.RawMessage) bool {
	var p struct {
		Notifications struct {
			Tools     bool `json:"toolsListChanged"`
			Prompts   bool `json:"promptsListChanged"`
			Resources bool `json:"resourcesListChanged"`
		} `json:"notifications"`
	}
	return json.Unmarshal(params, &p) == nil && (p.Notifications.Tools || p.Notifications.Prompts || p.Notifications.Resources)
}

// listenAnswered notes an answer to id: when id is an open change stream, the stream ended.
func (c *probeConn) listenAnswered(id jsonrpc.ID) {
	c.mu.Lock()
	params, ok := c.listens[id]
	if ok {
		delete(c.listens, id)
		c.reopen = params
	}
	c.mu.Unlock()
	if ok && c.ended != nil {
		c.ended()
	}
}

// listen re-opens the change stream that ended last, with a listen request of SPINE's own.
// Without one that ended there is nothing to re-open.
func (t *probeTransport) listen(ctx context.Context) error {
	c := t.conn.Load()
	if c == nil {
		return errNoProbe
	}
	c.mu.Lock()
	params := c.reopen
	c.mu.Unlock()
	if params == nil {
		return nil
	}
	jid, err := jsonrpc.MakeID(fmt.Sprintf("%slisten-%d", probeIDPrefix, c.next.Add(1)))
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.listens[jid] = params
	c.mu.Unlock()
	if err := c.Connection.Write(ctx, &jsonrpc.Request{ID: jid, Method: methodListen, Params: params}); err != nil {
		c.mu.Lock()
		delete(c.listens, jid)
		c.mu.Unlock()
		return err
	}
	return nil
}
