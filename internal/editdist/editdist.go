// Package editdist is the one edit distance behind mbx's "did you mean"
// hints (unknown credentials fields, unknown endpoints).
package editdist

// Distance returns the Levenshtein distance of a and b (bytes), or limit
// when the distance is at least limit: the bound keeps a hint over a long
// or hostile input cheap.
func Distance(a, b string, limit int) int {
	if limit <= 0 {
		return 0
	}
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
			rowMin = min(rowMin, c)
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
