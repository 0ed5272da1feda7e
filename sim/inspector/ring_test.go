package inspector

import "testing"

// TestRingFind: the emulator's and the proxy's rings used to disagree on
// id 0 (the proxy found an entry added without an id) and on unwritten
// slots; this is the one behaviour both now share.
func TestRingFind(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		add   []uint64
		find  uint64
		found bool
	}{
		{"empty ring, id 0", 4, nil, 0, false},
		{"empty ring", 4, nil, 1, false},
		{"present", 4, []uint64{1, 2, 3}, 2, true},
		{"id 0 never matches an entry without an id", 4, []uint64{0, 1}, 0, false},
		{"id 0 never matches an unwritten slot", 4, []uint64{1}, 0, false},
		{"newest after wrap", 3, []uint64{1, 2, 3, 4, 5}, 5, true},
		{"oldest kept after wrap", 3, []uint64{1, 2, 3, 4, 5}, 3, true},
		{"evicted", 3, []uint64{1, 2, 3, 4, 5}, 2, false},
		{"never added", 3, []uint64{1, 2}, 9, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRing(tt.size)
			for _, id := range tt.add {
				r.Add(Entry{ID: id, Path: "/p"})
			}
			e, ok := r.Find(tt.find)
			if ok != tt.found {
				t.Fatalf("Find(%d) found=%v, want %v", tt.find, ok, tt.found)
			}
			if ok && (e.ID != tt.find || e.Path != "/p") {
				t.Errorf("Find(%d) = %+v", tt.find, e)
			}
		})
	}
}

func TestRingAllOldestFirst(t *testing.T) {
	tests := []struct {
		name string
		size int
		add  int
		want []uint64
	}{
		{"empty", 3, 0, nil},
		{"partly filled", 3, 2, []uint64{1, 2}},
		{"exactly full", 3, 3, []uint64{1, 2, 3}},
		{"wrapped", 3, 5, []uint64{3, 4, 5}},
		{"size below one keeps one", 0, 2, []uint64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRing(tt.size)
			for id := 1; id <= tt.add; id++ {
				r.Add(Entry{ID: uint64(id)})
			}
			got := r.All()
			if len(got) != len(tt.want) {
				t.Fatalf("All() has %d entries, want %v", len(got), tt.want)
			}
			for i, e := range got {
				if e.ID != tt.want[i] {
					t.Errorf("All()[%d].ID = %d, want %d", i, e.ID, tt.want[i])
				}
			}
		})
	}
}

func TestClip(t *testing.T) {
	if s, cut := Clip("abcdef", 4); s != "abcd" || !cut {
		t.Errorf("Clip = %q, %v", s, cut)
	}
	if s, cut := Clip("ab", 4); s != "ab" || cut {
		t.Errorf("Clip short = %q, %v", s, cut)
	}
	long := make([]byte, MaxRecorded+1)
	if s, cut := ClipBytes(long); len(s) != MaxRecorded || !cut {
		t.Errorf("ClipBytes = %d bytes, %v", len(s), cut)
	}
}
