package wire

import (
	"encoding/json"
	"math"
	"reflect"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

// CBOR needs to know whether a number is an integer or a float; JSON does not. Generic values
// that hold JSON-shaped data (an `any` holding a float64 or a json.Number, at any depth)
// therefore are rewritten before CBOR encoding: whole numbers become integers (which the SDKs'
// float readers accept too) and a json.Number becomes the number it spells. Typed fields keep
// their Go types, so a float64 field stays a CBOR float (and a field typed json.Number would
// be written as a text string: use a number type or json.RawMessage instead). The caller's
// value is never modified: containers on the path to a rewritten value are copied.

// maxNormalizeDepth bounds the walk; deeper values are encoded as they are.
const maxNormalizeDepth = 200

var (
	jsonNumberType    = reflect.TypeFor[json.Number]()
	float64Type       = reflect.TypeFor[float64]()
	cborMarshalerType = reflect.TypeFor[cbor.Marshaler]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
)

// needsWalk caches, per type, whether a value of the type can hold something to rewrite.
var needsWalk sync.Map // reflect.Type -> bool

// normalize returns v with its JSON-shaped numbers rewritten for CBOR.
func normalize(v any) any {
	if v == nil {
		return nil
	}
	switch x := v.(type) {
	case float64, json.Number:
		return normalizeNumber(x)
	}
	rv := reflect.ValueOf(v)
	if !typeNeedsWalk(rv.Type()) {
		return v
	}
	out, changed := walk(rv, 0)
	if !changed {
		return v
	}
	return out.Interface()
}

// normalizeNumber rewrites one generic number.
func normalizeNumber(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return normalizeNumber(f)
		}
		return string(x)
	}
	return v
}

// typeNeedsWalk reports whether values of t can contain an interface or a json.Number
// outside a type that marshals itself.
func typeNeedsWalk(t reflect.Type) bool {
	if b, ok := needsWalk.Load(t); ok {
		return b.(bool)
	}
	needsWalk.Store(t, false) // provisional, ends recursion on recursive types
	b := computeNeedsWalk(t, map[reflect.Type]bool{})
	needsWalk.Store(t, b)
	return b
}

func computeNeedsWalk(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if t.Implements(cborMarshalerType) || t.Implements(jsonMarshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return computeNeedsWalk(t.Elem(), seen)
	case reflect.Map:
		return computeNeedsWalk(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && computeNeedsWalk(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// walk returns v rewritten, and whether anything changed (if not, v itself is returned).
func walk(v reflect.Value, depth int) (reflect.Value, bool) {
	if depth > maxNormalizeDepth || !v.IsValid() {
		return v, false
	}
	t := v.Type()
	if !typeNeedsWalk(t) {
		return v, false
	}
	switch t.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return v, false
		}
		e := v.Elem()
		switch e.Type() {
		case float64Type:
			n := normalizeNumber(e.Float())
			if _, isInt := n.(int64); isInt {
				return reflect.ValueOf(n), true
			}
			return v, false
		case jsonNumberType:
			return reflect.ValueOf(normalizeNumber(json.Number(e.String()))), true
		}
		return walk(e, depth+1)
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		e, changed := walk(v.Elem(), depth+1)
		if !changed {
			return v, false
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		return p, true
	case reflect.Struct:
		var out reflect.Value
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			f, changed := walk(v.Field(i), depth+1)
			if !changed {
				continue
			}
			if !out.IsValid() {
				out = reflect.New(t).Elem()
				out.Set(v)
			}
			setConverted(out.Field(i), f)
		}
		if !out.IsValid() {
			return v, false
		}
		return out, true
	case reflect.Slice, reflect.Array:
		var out reflect.Value
		for i := range v.Len() {
			e, changed := walk(v.Index(i), depth+1)
			if !changed {
				continue
			}
			if !out.IsValid() {
				if t.Kind() == reflect.Slice {
					out = reflect.MakeSlice(t, v.Len(), v.Len())
					reflect.Copy(out, v)
				} else {
					out = reflect.New(t).Elem()
					out.Set(v)
				}
			}
			setConverted(out.Index(i), e)
		}
		if !out.IsValid() {
			return v, false
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return v, false
		}
		var out reflect.Value
		iter := v.MapRange()
		type kv struct{ k, v reflect.Value }
		var changedEntries []kv
		for iter.Next() {
			e, changed := walk(iter.Value(), depth+1)
			if changed {
				changedEntries = append(changedEntries, kv{iter.Key(), e})
			}
		}
		if len(changedEntries) == 0 {
			return v, false
		}
		out = reflect.MakeMapWithSize(t, v.Len())
		iter = v.MapRange()
		for iter.Next() {
			out.SetMapIndex(iter.Key(), iter.Value())
		}
		for _, e := range changedEntries {
			slot := reflect.New(t.Elem()).Elem()
			setConverted(slot, e.v)
			out.SetMapIndex(e.k, slot)
		}
		return out, true
	}
	return v, false
}

// setConverted stores a rewritten value into dst: the rewritten value has dst's type, or dst
// is an interface slot.
func setConverted(dst, val reflect.Value) {
	dst.Set(val)
}
