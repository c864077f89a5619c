// Package jsonraw reads JSON strings as they are written on the wire, before encoding/json
// decodes them: encoding/json silently turns invalid UTF-8 and unpaired surrogate escapes into
// U+FFFD, which would keep a text the sender did not send. The API (http) refuses such text and
// the simulator's SQS answers InvalidMessageContents for it, both through HiddenRune.
package jsonraw

import (
	"strconv"
	"unicode/utf8"
)

// HiddenRune returns the first character of the JSON text raw that encoding/json would hide by
// decoding it to U+FFFD, and true: an unpaired surrogate escape ("\ud800", returned as the
// surrogate itself) or a byte that is not UTF-8 (returned as utf8.RuneError). It returns 0,
// false when raw decodes to exactly what it says.
func HiddenRune(raw []byte) (rune, bool) {
	if !utf8.Valid(raw) {
		return utf8.RuneError, true
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i >= len(raw) || raw[i] != 'u' {
			continue
		}
		r := escapedUnit(raw[i+1:])
		i += 4
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo := escapedUnit(raw[i+3:]); lo >= 0xDC00 && lo < 0xE000 {
					i += 6
					continue
				}
			}
			return r, true
		case r >= 0xDC00 && r < 0xE000:
			return r, true
		}
	}
	return 0, false
}

// escapedUnit returns the UTF-16 unit written by the four hex digits b starts with, or -1.
func escapedUnit(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(n)
}
