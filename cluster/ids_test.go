package cluster

import (
	"errors"
	"strings"
	"testing"
)

func TestSignerOwner(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", 32)))
	id := s.Mint("10.0.0.5:7800")
	if got, err := s.Owner(id); err != nil || got != "10.0.0.5:7800" {
		t.Fatalf("Owner(Mint) = %q, %v", got, err)
	}
	if s.Mint("a:1") == s.Mint("a:1") {
		t.Error("two ids minted alike")
	}
	parts := strings.Split(id, ".")
	first := "0"
	if id[0] == '0' {
		first = "1"
	}
	// The MAC's last character carries 2 bits of the 16 bytes and 4 that encode nothing:
	// flipping its lowest bit spells the same bytes in a form a lenient decoder accepts.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := parts[2][len(parts[2])-1]
	spelled := parts[2][:len(parts[2])-1] + string(alphabet[strings.IndexByte(alphabet, last)^1])
	for _, tc := range []struct{ name, id string }{
		{"empty", ""},
		{"no mac", parts[0] + "." + parts[1]},
		{"random altered", first + id[1:]},
		{"mac spelled otherwise", parts[0] + "." + parts[1] + "." + spelled},
		{"owner altered", parts[0] + "." + b64.EncodeToString([]byte("10.0.0.6:7800")) + "." + parts[2]},
		{"mac altered", parts[0] + "." + parts[1] + ".AAAAAAAAAAAAAAAAAAAAAA"},
		{"mac not base64", parts[0] + "." + parts[1] + ".!!"},
		{"another key", other.Mint("10.0.0.5:7800")},
		{"no owner", parts[0]},
	} {
		if got, err := s.Owner(tc.id); !errors.Is(err, ErrBadID) {
			t.Errorf("%s: Owner(%q) = %q, %v; want ErrBadID", tc.name, tc.id, got, err)
		}
	}
	if _, err := NewSigner([]byte("short")); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Errorf("a short key: %v, want an error saying 32 bytes", err)
	}
}
