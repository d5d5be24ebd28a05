// Package suggest finds the word a user most likely meant, for "did you mean" hints in the
// error messages of config and workflow files.
package suggest

import "strings"

// Closest returns the candidate closest to word — within a small edit distance (2, or a
// quarter of the word for long ones), else the shortest candidate that word is a prefix of
// or that is a prefix of word — or "" when none is close enough to be a likely slip.
// Case is ignored (a key in the wrong case gets its right spelling); a candidate identical to
// word is skipped.
func Closest(word string, candidates []string) string {
	lower := strings.ToLower(word)
	limit := max(2, 1+len(word)/4)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == word {
			continue
		}
		if d := distance(lower, strings.ToLower(c)); d < bestDist && d < max(len(word), 1) {
			best, bestDist = c, d
		}
	}
	if best != "" || len(word) < 3 {
		return best
	}
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if (strings.HasPrefix(lc, lower) || strings.HasPrefix(lower, lc)) && c != word && (best == "" || len(c) < len(best)) {
			best = c
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
