// Package ratelimit counts attempts per key in fixed windows, in memory.
// It guards sign-in and sign-up against guessing and bulk sign-ups; each
// replica counts on its own, so a client spread over N replicas gets at most
// N times the limit, which still stops online guessing.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows Limit attempts per key in each Window.
type Limiter struct {
	Limit  int
	Window time.Duration
	// NowFunc is the clock; tests move it.
	NowFunc func() time.Time

	mu      sync.Mutex
	windows map[string]window
}

type window struct {
	start time.Time
	count int
}

// New returns a limiter of limit attempts per window.
func New(limit int, per time.Duration) *Limiter {
	return &Limiter{Limit: limit, Window: per, NowFunc: time.Now, windows: map[string]window{}}
}

// maxKeys bounds memory: past it, expired windows are swept on insert.
const maxKeys = 10000

// Allow counts one attempt for key. When the limit is reached it returns
// false and how long until the window ends.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.NowFunc()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok || now.Sub(w.start) >= l.Window {
		if !ok && len(l.windows) >= maxKeys {
			l.sweep(now)
		}
		w = window{start: now}
	}
	if w.count >= l.Limit {
		return false, w.start.Add(l.Window).Sub(now)
	}
	w.count++
	l.windows[key] = w
	return true, 0
}

// Reset forgets key, e.g. after a successful sign-in.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.windows, key)
}

func (l *Limiter) sweep(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) >= l.Window {
			delete(l.windows, k)
		}
	}
}
