package emulator

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// FaultKind is a failure the exchange injects into matching API requests.
type FaultKind string

// The fault kinds.
const (
	// Fault5xx answers an HTTP 5xx error (Status, default 503) with
	// -1001 "Internal error; unable to process your request. Please try
	// again." Without Process the request is not processed (no order is
	// placed); with Process it is processed first, so its execution status
	// is unknown to the client, as Binance warns for every 5xx.
	Fault5xx FaultKind = "5xx"
	// FaultTimeout processes the request (the order IS placed) and answers
	// -1007 "Timeout waiting for response from backend server. Send status
	// unknown; execution status unknown." with HTTP 503 on /api and /sapi
	// and 408 on /fapi (Status overrides).
	FaultTimeout FaultKind = "timeout"
	// FaultDrop processes the request (the order IS placed) and then closes
	// the connection without any response.
	FaultDrop FaultKind = "drop"
)

// Fault is one injected failure for the next Count matching requests.
type Fault struct {
	ID      int64     `json:"id"` // assigned by AddFault
	Kind    FaultKind `json:"kind"`
	Count   int       `json:"count"`             // how many matching requests; 0 means 1
	Path    string    `json:"path,omitempty"`    // exact path (e.g. /api/v3/order); "" matches every API request
	Method  string    `json:"method,omitempty"`  // e.g. POST; "" matches every method
	Status  int       `json:"status,omitempty"`  // HTTP status for 5xx and timeout
	Process bool      `json:"process,omitempty"` // 5xx only: process the request before failing
}

func (f *Fault) validate() error {
	switch f.Kind {
	case Fault5xx:
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		if f.Status < 500 || f.Status > 599 {
			return fmt.Errorf("status %d: a 5xx fault needs a status from 500 to 599", f.Status)
		}
	case FaultTimeout:
		if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
			return fmt.Errorf("status %d: a timeout fault answers 408 or a 5xx status", f.Status)
		}
		if f.Process {
			return fmt.Errorf("process: a timeout fault always processes the request; remove process")
		}
	case FaultDrop:
		if f.Status != 0 || f.Process {
			return fmt.Errorf("a drop fault sends no response: remove status and process")
		}
	case "":
		return fmt.Errorf("kind is missing; use %q, %q or %q", Fault5xx, FaultTimeout, FaultDrop)
	default:
		return fmt.Errorf("kind %q: use %q, %q or %q", f.Kind, Fault5xx, FaultTimeout, FaultDrop)
	}
	if f.Count < 0 || f.Count > 1_000_000 {
		return fmt.Errorf("count %d: want 1 to 1000000 (0 means 1)", f.Count)
	}
	if f.Count == 0 {
		f.Count = 1
	}
	if f.Path != "" && f.Path[0] != '/' {
		return fmt.Errorf("path %q must start with / (e.g. /api/v3/order)", f.Path)
	}
	return nil
}

// faults holds the fault state. Skew and latency are read on every request,
// so they are atomics; the fault list is short and behind a mutex.
type faults struct {
	skew    atomic.Int64 // time.Duration
	latency atomic.Int64 // time.Duration
	pending atomic.Int32 // len(list), read without the lock on the hot path
	mu      sync.Mutex
	nextID  int64
	list    []Fault
}

func (f *faults) add(ft Fault) (Fault, error) {
	if err := ft.validate(); err != nil {
		return Fault{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	ft.ID = f.nextID
	f.list = append(f.list, ft)
	f.pending.Store(int32(len(f.list)))
	return ft, nil
}

// take consumes one use of the first fault matching the request.
func (f *faults) take(method, path string) *Fault {
	if f.pending.Load() == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.list {
		ft := &f.list[i]
		if (ft.Path != "" && ft.Path != path) || (ft.Method != "" && ft.Method != method) {
			continue
		}
		out := *ft
		ft.Count--
		if ft.Count <= 0 {
			f.list = append(f.list[:i], f.list[i+1:]...)
			f.pending.Store(int32(len(f.list)))
		}
		return &out
	}
	return nil
}

func (f *faults) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = nil
	f.pending.Store(0)
}

func (f *faults) snapshot() []Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Fault{}, f.list...)
}

func (f *faults) clockSkew() time.Duration { return time.Duration(f.skew.Load()) }
func (f *faults) delay() time.Duration     { return time.Duration(f.latency.Load()) }
