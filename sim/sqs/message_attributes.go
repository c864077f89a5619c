package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// MessageAttributeValue is a message attribute as SendMessage takes it and ReceiveMessage
// returns it: DataType is String, Number or Binary, optionally with a custom type after a
// period ("Number.float"); String and Number carry StringValue, Binary carries BinaryValue
// (base64 in JSON).
type MessageAttributeValue struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

// maxMessageAttributes is how many message attributes a message may have.
const maxMessageAttributes = 10

var (
	attributeNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	numberPattern        = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
)

// baseType is the data type before any custom type: "Number.float" -> "Number".
func baseType(dataType string) string {
	t, _, _ := strings.Cut(dataType, ".")
	return t
}

// checkMessageAttributes validates SendMessage's message attributes as the SQS Developer Guide
// ("Message attribute components") states them: at most 10; names of 1 to 256 letters, digits,
// '_', '-' and '.', not starting with "AWS." or "Amazon.", without a leading, trailing or
// doubled period; a data type String, Number or Binary with an optional custom suffix, at most
// 256 characters; a non-empty value of that type; String values in the characters a body may
// hold. Every problem is InvalidParameterValue.
func checkMessageAttributes(attrs map[string]MessageAttributeValue) error {
	if len(attrs) > maxMessageAttributes {
		return newError(errInvalidParameterValue, "Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxMessageAttributes)
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		lower := strings.ToLower(name)
		switch {
		case !attributeNamePattern.MatchString(name):
			return newError(errInvalidParameterValue, "Message (user) attribute name %q is invalid: use 1 to 256 letters, digits, '_', '-' or '.'.", name)
		case strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon."):
			return newError(errInvalidParameterValue, "Message (user) attribute name %q is invalid: the prefixes AWS. and Amazon. are reserved.", name)
		case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
			return newError(errInvalidParameterValue, "Message (user) attribute name %q is invalid: it may not start or end with a period or hold two in a row.", name)
		}
		base, custom, hasCustom := strings.Cut(a.DataType, ".")
		if a.DataType == "" {
			return newError(errInvalidParameterValue, "The message attribute '%s' must contain a non-empty message attribute type.", name)
		}
		if (base != "String" && base != "Number" && base != "Binary") || (hasCustom && custom == "") || len(a.DataType) > 256 {
			return newError(errInvalidParameterValue, "The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		switch base {
		case "Binary":
			if len(a.BinaryValue) == 0 || a.StringValue != "" {
				return newError(errInvalidParameterValue, "Message (user) attribute '%s' must contain a non-empty BinaryValue and no StringValue for message attribute type '%s'.", name, a.DataType)
			}
		default:
			if a.StringValue == "" || len(a.BinaryValue) > 0 {
				return newError(errInvalidParameterValue, "Message (user) attribute '%s' must contain a non-empty StringValue and no BinaryValue for message attribute type '%s'.", name, a.DataType)
			}
			if base == "Number" && !numberPattern.MatchString(a.StringValue) {
				return newError(errInvalidParameterValue, "Value %q of message (user) attribute '%s' is not a valid number.", a.StringValue, name)
			}
			if r, ok := forbiddenRune(a.StringValue); ok {
				return newError(errInvalidParameterValue, "Message (user) attribute '%s' holds the character %U, which SQS does not allow.", name, r)
			}
		}
	}
	return nil
}

// attributesSize is the size the attributes add to a message: each name, data type and value.
func attributesSize(attrs map[string]MessageAttributeValue) int {
	n := 0
	for name, a := range attrs {
		n += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return n
}

// md5OfMessageAttributes is MD5OfMessageAttributes as the SQS Developer Guide ("Calculating the
// MD5 message digest for message attributes") defines it: for each attribute, sorted by name,
// the name, the data type and the value, each as a 4-byte big-endian length followed by its
// UTF-8 bytes (raw bytes for a binary value), with a transport-type byte between the data type
// and the value: 1 for String and Number, 2 for Binary. It is "" for no attributes, as SQS then
// omits the member.
func md5OfMessageAttributes(attrs map[string]MessageAttributeValue) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		field([]byte(name))
		field([]byte(a.DataType))
		if baseType(a.DataType) == "Binary" {
			h.Write([]byte{2})
			field(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			field([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// selectMessageAttributes returns the attributes ReceiveMessage's MessageAttributeNames ask for:
// every one for "All" or ".*", a name, or every name starting with a prefix given as "prefix.*".
func selectMessageAttributes(attrs map[string]MessageAttributeValue, names []string) map[string]MessageAttributeValue {
	out := map[string]MessageAttributeValue{}
	for _, want := range names {
		if want == "All" || want == ".*" {
			return attrs
		}
		if prefix, ok := strings.CutSuffix(want, ".*"); ok {
			for name, a := range attrs {
				if strings.HasPrefix(name, prefix+".") {
					out[name] = a
				}
			}
			continue
		}
		if a, ok := attrs[want]; ok {
			out[want] = a
		}
	}
	return out
}

// forbiddenRune returns the first character of s outside what SQS allows in a message: #x9,
// #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD and #x10000 to #x10FFFF (the W3C XML Char
// production, as the SendMessage reference states).
func forbiddenRune(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return r, true
		}
	}
	return 0, false
}
