package disclosure

import "testing"

func TestReleaseCount(t *testing.T) {
	tests := []struct {
		n, k int
		want Count
	}{
		{0, 5, Count{}},
		{4, 5, Count{}},
		{5, 5, Count{true, 5}},
		{6, 5, Count{true, 5}},
		{7, 5, Count{true, 5}},
		{8, 5, Count{true, 10}},
		{172, 5, Count{true, 170}},
		{9, 8, Count{true, 10}},
		{8, 8, Count{true, 10}},
		{3, 3, Count{true, 5}},
	}
	for _, tt := range tests {
		if got := ReleaseCount(tt.n, tt.k); got != tt.want {
			t.Errorf("ReleaseCount(%d, %d) = %+v, want %+v", tt.n, tt.k, got, tt.want)
		}
	}
}
