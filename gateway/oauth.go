package gateway

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// OAuthConfig makes the gateway an OAuth 2.1 resource server: bearer tokens are JWTs signed
// by Issuer with a key of its JWKS, for Audience.
type OAuthConfig struct {
	Issuer   string // the authorization server; the tokens' iss
	JWKSURL  string // where its signing keys are (JSON Web Key Set)
	Audience string // this gateway's identifier; the tokens' aud must name it
	// Resource is the resource identifier published in the protected resource metadata.
	// Default: Audience.
	Resource string
	// HTTPClient fetches the JWKS. Default: a client with a 10s timeout.
	HTTPClient *http.Client
}

// jwksRefetch is the shortest time between two fetches of the JWKS: a token signed with an
// unknown key fetches it again (the issuer rotated its keys), but a stream of forged tokens
// must not make the gateway hammer the issuer.
const jwksRefetch = 30 * time.Second

// maxJWKSBytes bounds the JWKS document.
const maxJWKSBytes = 1 << 20

// NewOAuth returns an Auth that accepts the JWTs of cfg.Issuer for cfg.Audience (RS256 and
// ES256), with the subject (sub) as the caller's identity.
func NewOAuth(cfg OAuthConfig) (*Auth, error) {
	if cfg.Issuer == "" || cfg.JWKSURL == "" || cfg.Audience == "" {
		return nil, errors.New("OAuth needs issuer, jwks_url and audience")
	}
	if cfg.Resource == "" {
		cfg.Resource = cfg.Audience
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Auth{oauth: &jwtVerifier{cfg: cfg, keys: map[string]crypto.PublicKey{}}}, nil
}

// jwtVerifier checks JWTs against the issuer's JWKS, fetched on demand and cached.
type jwtVerifier struct {
	cfg     OAuthConfig
	mu      sync.Mutex
	keys    map[string]crypto.PublicKey // by kid
	fetched time.Time
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

type jwtClaims struct {
	Iss   string          `json:"iss"`
	Sub   string          `json:"sub"`
	Aud   json.RawMessage `json:"aud"`
	Exp   *float64        `json:"exp"`
	Nbf   *float64        `json:"nbf"`
	Scope string          `json:"scope"`
}

// verify is a go-sdk TokenVerifier. Every failure is auth.ErrInvalidToken: the client gets
// 401 and what went wrong stays in the gateway's logs.
func (v *jwtVerifier) verify(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
	invalid := func(why string) error { return fmt.Errorf("%w: %s", auth.ErrInvalidToken, why) }
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, invalid("not a JWT")
	}
	var h jwtHeader
	var c jwtClaims
	if decodePart(parts[0], &h) != nil || decodePart(parts[1], &c) != nil {
		return nil, invalid("malformed JWT")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, invalid("malformed signature")
	}
	key, err := v.key(ctx, h.Kid)
	if err != nil {
		return nil, invalid(err.Error())
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := key.(type) {
	case *rsa.PublicKey:
		if h.Alg != "RS256" || rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) != nil {
			return nil, invalid("bad signature")
		}
	case *ecdsa.PublicKey:
		if h.Alg != "ES256" || len(sig) != 64 ||
			!ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return nil, invalid("bad signature")
		}
	default:
		return nil, invalid("unsupported key")
	}
	now := float64(time.Now().Unix())
	switch {
	case c.Iss != v.cfg.Issuer:
		return nil, invalid("wrong issuer")
	case !audienceHas(c.Aud, v.cfg.Audience):
		return nil, invalid("wrong audience")
	case c.Exp == nil:
		return nil, invalid("no expiry")
	case *c.Exp < now:
		return nil, invalid("expired")
	case c.Nbf != nil && *c.Nbf > now+60:
		return nil, invalid("not valid yet")
	case c.Sub == "":
		return nil, invalid("no subject")
	}
	return &auth.TokenInfo{
		UserID:     c.Sub,
		Scopes:     strings.Fields(c.Scope),
		Expiration: time.Unix(int64(*c.Exp), 0),
	}, nil
}

// b64 decodes a JWT's parts strictly: each has one spelling (a lenient decoder ignores the
// trailing bits of the last character, so a token would have several that all verify).
var b64 = base64.RawURLEncoding.Strict()

func decodePart(s string, v any) error {
	b, err := b64.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// audienceHas reports whether aud (a string or a list of strings) names want.
func audienceHas(aud json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(aud, &many) == nil && slices.Contains(many, want)
}

// key returns the issuer's key kid, fetching the JWKS when it is not known (at most once per
// jwksRefetch).
func (v *jwtVerifier) key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	if time.Since(v.fetched) < jwksRefetch {
		return nil, fmt.Errorf("unknown key %q", kid)
	}
	v.fetched = time.Now()
	keys, err := fetchJWKS(ctx, v.cfg.HTTPClient, v.cfg.JWKSURL)
	if err != nil {
		return nil, fmt.Errorf("fetching the issuer's keys: %w", err)
	}
	v.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown key %q", kid)
}

// fetchJWKS reads the RSA and P-256 keys of a JSON Web Key Set.
func fetchJWKS(ctx context.Context, client *http.Client, url string) (map[string]crypto.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var set struct {
		Keys []struct {
			Kty, Kid, Crv, N, E, X, Y string
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	keys := map[string]crypto.PublicKey{}
	num := func(s string) (*big.Int, bool) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		return new(big.Int).SetBytes(b), err == nil && len(b) > 0
	}
	for _, k := range set.Keys {
		switch k.Kty {
		case "RSA":
			n, ok1 := num(k.N)
			e, ok2 := num(k.E)
			if ok1 && ok2 && e.IsInt64() && n.BitLen() >= 2048 {
				keys[k.Kid] = &rsa.PublicKey{N: n, E: int(e.Int64())}
			}
		case "EC":
			x, ok1 := num(k.X)
			y, ok2 := num(k.Y)
			if k.Crv == "P-256" && ok1 && ok2 {
				keys[k.Kid] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
			}
		}
	}
	return keys, nil
}
