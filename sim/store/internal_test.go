package store

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// TestDurabilitySettings checks the settings the durability promise rests
// on, on the connections the store really uses.
func TestDurabilitySettings(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name   string
		db     string
		pragma string
		want   string
	}{
		{"WAL", "writer", "journal_mode", "wal"},
		{"fsync at every commit", "writer", "synchronous", "2"}, // FULL
		{"busy timeout", "writer", "busy_timeout", "10000"},
		{"foreign keys", "writer", "foreign_keys", "1"},
		{"schema version", "writer", "user_version", strconv.Itoa(schemaVersion)},
		{"reader is read-only", "reader", "query_only", "1"},
		{"reader busy timeout", "reader", "busy_timeout", "10000"},
		{"reader sees WAL", "reader", "journal_mode", "wal"},
	}
	for _, tc := range tests {
		db := s.w
		if tc.db == "reader" {
			db = s.r
		}
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: PRAGMA %s on the %s = %s, want %s", tc.name, tc.pragma, tc.db, got, tc.want)
		}
	}
	if s.w.Stats().MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections, want 1 (single writer)", s.w.Stats().MaxOpenConnections)
	}
	if _, err := s.r.ExecContext(ctx, "DELETE FROM accounts"); err == nil {
		t.Errorf("the read pool accepted a write")
	}
}
