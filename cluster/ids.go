package cluster

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// minKeyBytes is the shortest signing key accepted: HMAC-SHA256 wants at least 32 bytes of
// secret to be as strong as its output.
const minKeyBytes = 32

// ErrBadID: a session id or handle that is not one a node of this cluster minted — forged,
// tampered with, or signed with another key. It is never routed.
var ErrBadID = errors.New("session id not minted by this cluster (bad signature)")

// Signer mints session ids that name their owner node and verifies them: any node holding
// the same key can tell which node owns a session without asking anyone.
//
// An id is RANDOM.OWNER.MAC: RANDOM is 128 random bits in hex (first, so that ids shortened
// for display stay distinct), OWNER the owner's address in unpadded base64url, MAC the first
// 128 bits of HMAC-SHA256(key, "RANDOM.OWNER") in unpadded base64url.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer over key, which must hold at least 32 bytes.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < minKeyBytes {
		return nil, errors.New("the signing key is too short: want at least 32 bytes (e.g. openssl rand -hex 32)")
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// b64 is strict: an id has one spelling. A lenient decoder would also accept a MAC whose last
// character differs in the bits that encode nothing, a second id for the same session.
var b64 = base64.RawURLEncoding.Strict()

// Mint returns a new id owned by owner (a node's address).
func (s *Signer) Mint(owner string) string {
	var r [16]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	payload := hex.EncodeToString(r[:]) + "." + b64.EncodeToString([]byte(owner))
	return payload + "." + b64.EncodeToString(s.mac(payload))
}

// Owner verifies id and returns the address of the node that owns it; ErrBadID when id was
// not minted with this key or was altered.
func (s *Signer) Owner(id string) (string, error) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return "", ErrBadID
	}
	payload, sig := id[:i], id[i+1:]
	mac, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, s.mac(payload)) {
		return "", ErrBadID
	}
	j := strings.IndexByte(payload, '.')
	if j < 0 {
		return "", ErrBadID
	}
	owner, err := b64.DecodeString(payload[j+1:])
	if err != nil || len(owner) == 0 {
		return "", ErrBadID
	}
	return string(owner), nil
}

func (s *Signer) mac(payload string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(payload))
	return h.Sum(nil)[:16]
}
