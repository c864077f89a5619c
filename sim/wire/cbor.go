package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// encMode encodes outputs as the Smithy RPC v2 CBOR protocol expects: struct fields by their
// json names with encoding/json's omitempty rules, maps sorted for stable bytes, floats as
// float64, and values that only know how to marshal themselves to JSON (json.RawMessage,
// custom MarshalJSON) transcoded to CBOR.
var encMode cbor.EncMode

// decMode decodes CBOR request bodies into generic values with string map keys.
var decMode cbor.DecMode

func init() {
	var err error
	encMode, err = cbor.EncOptions{
		Sort:                    cbor.SortCoreDeterministic,
		OmitEmpty:               cbor.OmitEmptyGoValue,
		Time:                    cbor.TimeUnixDynamic,
		TimeTag:                 cbor.EncTagRequired,
		NilContainers:           cbor.NilContainerAsNull,
		BinaryMarshaler:         cbor.BinaryMarshalerNone,
		JSONMarshalerTranscoder: jsonToCBOR{},
	}.EncMode()
	if err != nil {
		panic(fmt.Sprintf("wire: CBOR encoder options: %v", err))
	}
	decMode, err = cbor.DecOptions{
		DefaultMapType:  reflect.TypeOf(map[string]any(nil)),
		MaxNestedLevels: 64,
		DupMapKey:       cbor.DupMapKeyEnforcedAPF,
		UTF8:            cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(fmt.Sprintf("wire: CBOR decoder options: %v", err))
	}
}

// jsonToCBOR transcodes the JSON that a json.Marshaler produces into CBOR.
type jsonToCBOR struct{}

// Transcode implements cbor.Transcoder.
func (jsonToCBOR) Transcode(dst io.Writer, src io.Reader) error {
	dec := json.NewDecoder(src)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	b, err := encMode.Marshal(normalize(v))
	if err != nil {
		return err
	}
	_, err = dst.Write(b)
	return err
}

// marshalCBOR encodes an output or error value.
func marshalCBOR(v any) ([]byte, error) {
	return encMode.Marshal(normalize(v))
}

// cborToJSON transcodes a CBOR request body to JSON: tag-1 timestamps become epoch-second
// numbers, byte strings become base64 strings, NaN and infinities become the strings the
// awsJson protocols use.
func cborToJSON(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return []byte("{}"), nil
	}
	var v any
	rest, err := decMode.UnmarshalFirst(body, &v)
	if err != nil {
		return nil, fmt.Errorf("malformed CBOR body: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("malformed CBOR body: trailing bytes after the top-level value")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("malformed CBOR body: top-level value must be a map, got %s", cborKind(v))
	}
	jv, err := jsonable(v)
	if err != nil {
		return nil, fmt.Errorf("malformed CBOR body: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jv); err != nil {
		return nil, fmt.Errorf("malformed CBOR body: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// jsonable converts a decoded CBOR value into values encoding/json writes as the awsJson
// protocols would.
func jsonable(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, uint64, int64:
		return x, nil
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN", nil
		case math.IsInf(x, 1):
			return "Infinity", nil
		case math.IsInf(x, -1):
			return "-Infinity", nil
		}
		return x, nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), nil
	case time.Time:
		return json.Number(timeNumber(x)), nil
	case big.Int:
		return json.Number(x.String()), nil
	case *big.Int:
		return json.Number(x.String()), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := jsonable(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := jsonable(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = c
		}
		return out, nil
	case cbor.Tag:
		return nil, fmt.Errorf("unsupported CBOR tag %d", x.Number)
	case cbor.SimpleValue:
		return nil, fmt.Errorf("unsupported CBOR simple value %d", x)
	default:
		return nil, fmt.Errorf("unsupported CBOR value of Go type %T", v)
	}
}

// timeNumber renders t as epoch seconds with up to microsecond precision.
func timeNumber(t time.Time) string {
	us := t.Round(time.Microsecond).UnixMicro()
	if us%1e6 == 0 {
		return strconv.FormatInt(us/1e6, 10)
	}
	neg := us < 0
	if neg {
		us = -us
	}
	s := strconv.FormatInt(us/1e6, 10) + "." + fmt.Sprintf("%06d", us%1e6)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// cborKind names the kind of a decoded CBOR value for error messages.
func cborKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a text string"
	case []byte:
		return "a byte string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}
