package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in failures allowed per email and client address: signInBurst at once, then one per
// signInEvery (decision 025).
const (
	signInBurst = 5
	signInEvery = time.Minute
	// maxLimiters bounds the limiters kept; past it, the ones back to full are dropped.
	maxLimiters = 10000
)

// signInLimiter delays sign-ins after repeated failures: each failed attempt for an email from
// a client address takes a token of a bucket keyed by both; with none left, attempts are
// refused until one comes back. A success forgets the key.
type signInLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*rate.Limiter
}

func newSignInLimiter(now func() time.Time) *signInLimiter {
	return &signInLimiter{now: now, m: map[string]*rate.Limiter{}}
}

// allow reports whether an attempt for key may be checked now.
func (l *signInLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.m[key]
	return lim == nil || lim.TokensAt(l.now()) >= 1
}

// fail records a failed attempt for key.
func (l *signInLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.m) >= maxLimiters {
		for k, lim := range l.m {
			if lim.TokensAt(now) >= signInBurst {
				delete(l.m, k)
			}
		}
	}
	lim := l.m[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(signInEvery), signInBurst)
		l.m[key] = lim
	}
	lim.AllowN(now, 1)
}

// succeed forgets the failures of key.
func (l *signInLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}
