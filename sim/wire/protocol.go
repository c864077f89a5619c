package wire

// Protocol names a wire protocol.
type Protocol int

// The protocols the simulator speaks.
const (
	RestJSON1 Protocol = iota + 1
	AWSJSON10
	AWSJSON11
	RPCv2CBOR
)

// Media types and header values of the protocols.
const (
	ContentTypeJSON    = "application/json"
	ContentTypeJSON10  = "application/x-amz-json-1.0"
	ContentTypeJSON11  = "application/x-amz-json-1.1"
	ContentTypeCBOR    = "application/cbor"
	SmithyProtocolCBOR = "rpc-v2-cbor"
)

// String returns the protocol's Smithy name.
func (p Protocol) String() string {
	switch p {
	case RestJSON1:
		return "restJson1"
	case AWSJSON10:
		return "awsJson1_0"
	case AWSJSON11:
		return "awsJson1_1"
	case RPCv2CBOR:
		return "rpcv2Cbor"
	default:
		return "unknown"
	}
}

// ContentType returns the Content-Type of the protocol's request and response bodies.
func (p Protocol) ContentType() string {
	switch p {
	case AWSJSON10:
		return ContentTypeJSON10
	case AWSJSON11:
		return ContentTypeJSON11
	case RPCv2CBOR:
		return ContentTypeCBOR
	default:
		return ContentTypeJSON
	}
}
