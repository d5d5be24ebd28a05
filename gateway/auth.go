package gateway

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// Auth is the gateway's authentication of downstream requests: static bearer tokens, each
// with the subject it authenticates (the identity of isolation = "identity" servers). A
// request without a valid token gets 401 with WWW-Authenticate. Tokens stay with the
// gateway: nothing downstream is forwarded upstream.
type Auth struct {
	tokens []staticToken
	oauth  *jwtVerifier // OAuth 2.1 resource server (oauth.go); nil without
}

type staticToken struct {
	sum     [32]byte // of the token: compared in constant time, the token itself is not kept
	subject string
}

// ParseTokens reads static bearer tokens from spec, as found in the variable named by
// [serve.auth] tokens_env: entries separated by commas or white space, each "SUBJECT=TOKEN"
// or a bare TOKEN (whose subject is "token-" and the first 8 hex digits of its SHA-256).
func ParseTokens(spec string) (*Auth, error) {
	a := &Auth{}
	for _, entry := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		subject, token, named := strings.Cut(entry, "=")
		if !named {
			token = entry
		}
		if token == "" || named && subject == "" {
			return nil, errors.New("a token entry is empty: want SUBJECT=TOKEN or TOKEN, separated by commas")
		}
		sum := sha256.Sum256([]byte(token))
		if !named {
			subject = "token-" + hex.EncodeToString(sum[:4])
		}
		a.tokens = append(a.tokens, staticToken{sum: sum, subject: subject})
	}
	if len(a.tokens) == 0 {
		return nil, errors.New("no tokens")
	}
	return a, nil
}

// WithTokens returns an Auth that accepts a's tokens and the static tokens of b.
func (a *Auth) WithTokens(b *Auth) *Auth {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	return &Auth{tokens: append(slices.Clone(a.tokens), b.tokens...), oauth: cmp.Or(a.oauth, b.oauth)}
}

// verify is a go-sdk TokenVerifier: the static tokens, then the JWTs of the issuer.
func (a *Auth) verify(ctx context.Context, token string, r *http.Request) (*auth.TokenInfo, error) {
	if info, err := a.verifyStatic(token); err == nil || a.oauth == nil {
		return info, err
	}
	return a.oauth.verify(ctx, token, r)
}

// verifyStatic checks token against the static tokens.
func (a *Auth) verifyStatic(token string) (*auth.TokenInfo, error) {
	sum := sha256.Sum256([]byte(token))
	subject := ""
	for _, t := range a.tokens { // every token is compared: the time says nothing of which matched
		if subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1 {
			subject = t.subject
		}
	}
	if subject == "" {
		return nil, fmt.Errorf("%w: unknown bearer token", auth.ErrInvalidToken)
	}
	// Static tokens do not expire; go-sdk wants an expiry, so each check grants a short one.
	return &auth.TokenInfo{UserID: subject, Expiration: time.Now().Add(time.Hour)}, nil
}

// middleware requires a valid bearer token; the subject reaches the MCP handlers as the
// request's TokenInfo (go-sdk also binds a session to the subject that opened it).
func (a *Auth) middleware(next http.Handler) http.Handler {
	inner := auth.RequireBearerToken(a.verify, nil)(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		challenge := `Bearer realm="spine", error="invalid_token"`
		if a.oauth != nil { // RFC 9728: point the client at the resource metadata
			challenge = fmt.Sprintf(`Bearer resource_metadata=%q, error="invalid_token"`, metadataURL(r, a.oauth.cfg.Resource))
		}
		inner.ServeHTTP(&challenger{ResponseWriter: w, challenge: challenge}, r)
	})
}

// metadataPath is where the protected resource metadata is served (RFC 9728).
const metadataPath = "/.well-known/oauth-protected-resource"

// metadataURL is the address of the protected resource metadata: at the origin of the
// resource identifier when it is a URL, else on the request's host.
func metadataURL(r *http.Request, resource string) string {
	if u, err := url.Parse(resource); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return u.Scheme + "://" + u.Host + metadataPath
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + metadataPath
}

// challenger adds the WWW-Authenticate challenge to a 401 that lacks one.
type challenger struct {
	http.ResponseWriter
	challenge string
}

func (c *challenger) WriteHeader(code int) {
	if code == http.StatusUnauthorized && c.Header().Get("WWW-Authenticate") == "" {
		c.Header().Set("WWW-Authenticate", c.challenge)
	}
	c.ResponseWriter.WriteHeader(code)
}

// Flush keeps streaming responses streaming through the wrapper.
func (c *challenger) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *challenger) Unwrap() http.ResponseWriter { return c.ResponseWriter }
