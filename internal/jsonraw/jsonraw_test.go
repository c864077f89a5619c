package jsonraw_test

import (
	"testing"
	"unicode/utf8"

	"github.com/dealdesk/dealdesk/internal/jsonraw"
)

func TestHiddenRune(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		raw  string
		want rune
		bad  bool
	}{
		{"plain text", `"hello"`, 0, false},
		{"a paired surrogate escape", `"\ud83d\ude00"`, 0, false},
		{"other escapes", `"\u0031\n\\u"`, 0, false},
		{"a lone high surrogate", `"a\ud800b"`, 0xD800, true},
		{"a high surrogate at the end", `"\ud800"`, 0xD800, true},
		{"a lone low surrogate", `"\udc00"`, 0xDC00, true},
		{"a high surrogate before a non-surrogate", `"\ud800\u0041"`, 0xD800, true},
		{"invalid UTF-8", "\"a\xffb\"", utf8.RuneError, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, bad := jsonraw.HiddenRune([]byte(tt.raw))
			if r != tt.want || bad != tt.bad {
				t.Fatalf("HiddenRune(%s) = %U, %v; want %U, %v", tt.raw, r, bad, tt.want, tt.bad)
			}
		})
	}
}
