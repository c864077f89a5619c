"""Checks the simulator's SQS with boto3, an AWS client independent of aws-sdk-go-v2.

Usage: boto3_check.py ENDPOINT_URL

Prints one JSON object of what boto3 saw and what this script computed itself, for the Go test
(sim/sqs/boto3_test.go) to assert on. The MD5 of message attributes is recomputed here from the
answer, following the SQS Developer Guide, without any code of the simulator.

botocore releases before SQS moved to the JSON protocol (Debian's python3-boto3 among them)
describe SQS with the awsQuery protocol. The simulator serves SQS's JSON protocol, so for them
this script derives the JSON description from the installed one, as AWS derived its own: the
same shapes, awsJson 1.0 with target prefix AmazonSQS, and no query serialization names.
"""
import base64
import hashlib
import json
import os
import struct
import sys
import tempfile

import botocore.session

STRIP = {"locationName", "flattened", "resultWrapper", "xmlNamespace", "xmlOrder"}


def strip_query_traits(node):
    if isinstance(node, dict):
        return {k: strip_query_traits(v) for k, v in node.items() if k not in STRIP}
    if isinstance(node, list):
        return [strip_query_traits(v) for v in node]
    return node


def new_session():
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    model = loader.load_service_model("sqs", "service-2")
    if model["metadata"]["protocol"] == "json":
        return session, "json"
    model = strip_query_traits(model)
    model["metadata"].update({"protocol": "json", "jsonVersion": "1.0", "targetPrefix": "AmazonSQS"})
    model["metadata"].pop("protocols", None)
    data = tempfile.mkdtemp(prefix="boto3-sqs-")
    version = model["metadata"]["apiVersion"]
    os.makedirs(os.path.join(data, "sqs", version))
    with open(os.path.join(data, "sqs", version, "service-2.json"), "w") as f:
        json.dump(model, f)
    os.environ["AWS_DATA_PATH"] = data  # read by the loader of a new session
    session = botocore.session.get_session()
    if session.get_component("data_loader").load_service_model("sqs", "service-2")["metadata"]["protocol"] != "json":
        raise SystemExit("botocore did not take the JSON description of SQS from " + data)
    return session, "query model as json"


def field(b):
    return struct.pack(">I", len(b)) + b


def md5_of_attributes(attrs):
    """SQS Developer Guide, "Calculating the MD5 message digest for message attributes"."""
    h = hashlib.md5()
    for name in sorted(attrs):
        a = attrs[name]
        h.update(field(name.encode("utf-8")))
        h.update(field(a["DataType"].encode("utf-8")))
        if a["DataType"].split(".")[0] == "Binary":
            h.update(b"\x02")
            h.update(field(a["BinaryValue"]))
        else:
            h.update(b"\x01")
            h.update(field(a["StringValue"].encode("utf-8")))
    return h.hexdigest()


def main(endpoint):
    session, model = new_session()
    sqs = session.create_client("sqs", region_name="us-east-1", endpoint_url=endpoint,
                                aws_access_key_id="AKIDBOTO3", aws_secret_access_key="secret")
    out = {"model": model}
    url = sqs.create_queue(QueueName="boto3-events", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    body = '{"detail-type":"Offer Released","detail":{"note":"caf\u00e9 \U0001F600"}}'
    attrs = {
        "kind": {"DataType": "String", "StringValue": "offer"},
        "amount": {"DataType": "Number.decimal", "StringValue": "12000.50"},
        "trace.id": {"DataType": "String", "StringValue": "t-\u00e9"},
        "trace.raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
    out["send"] = {
        "md5OfBody": sent["MD5OfMessageBody"],
        "md5OfBodyHere": hashlib.md5(body.encode("utf-8")).hexdigest(),
        "md5OfAttributes": sent.get("MD5OfMessageAttributes"),
        "md5OfAttributesHere": md5_of_attributes(attrs),
    }
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["kind", "trace.*"],
                              AttributeNames=["ApproximateReceiveCount"])["Messages"]
    m = got[0]
    returned = m.get("MessageAttributes", {})
    out["receive"] = {
        "count": len(got),
        "body": m["Body"],
        "md5OfBody": m["MD5OfBody"],
        "md5OfBodyHere": hashlib.md5(m["Body"].encode("utf-8")).hexdigest(),
        "attributeNames": sorted(returned),
        "binary": base64.b64encode(returned.get("trace.raw", {}).get("BinaryValue", b"")).decode(),
        "md5OfAttributes": m.get("MD5OfMessageAttributes"),
        "md5OfAttributesHere": md5_of_attributes(returned),
        "systemAttributes": m.get("Attributes", {}),
    }
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    asked = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])
    out["attributes"] = asked.get("Attributes", {})
    out["allAttributeNames"] = sorted(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"])
    for i in range(3):
        sqs.create_queue(QueueName="boto3-page-%d" % i)
    pages = []
    kwargs = {"QueueNamePrefix": "boto3-page-", "MaxResults": 2}
    while True:
        page = sqs.list_queues(**kwargs)
        pages.append([u.rsplit("/", 1)[1] for u in page.get("QueueUrls", [])])
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    out["pages"] = pages
    try:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])
        out["fifoAttributeError"] = None
    except sqs.exceptions.ClientError as e:
        out["fifoAttributeError"] = e.response["Error"]["Code"]
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
