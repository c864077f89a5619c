"""Cross-checks the simulator's acceptance in the past with boto3 (Debian's python3-boto3).

Run by TestBoto3MetersHistory with SIM_URL, CUSTOMER, PRODUCT_CODE and HOUR (epoch seconds of the
acceptance's hour) in the environment. Prints one JSON object: case name -> the record's Status,
or the error code boto3 surfaces.
"""
import datetime
import json
import os
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

URL = os.environ["SIM_URL"]
metering = boto3.client("meteringmarketplace", endpoint_url=URL, region_name="us-east-1",
                        aws_access_key_id="AKIDSELLER", aws_secret_access_key="secret",
                        config=botocore.config.Config(retries={"max_attempts": 1}))
HOUR = int(os.environ["HOUR"])


def meter(ts):
    try:
        out = metering.batch_meter_usage(ProductCode=os.environ["PRODUCT_CODE"], UsageRecords=[{
            "Timestamp": datetime.datetime.fromtimestamp(ts, datetime.timezone.utc),
            "CustomerIdentifier": os.environ["CUSTOMER"], "Dimension": "events", "Quantity": 5}])
        return out["Results"][0]["Status"]
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


results = {"hour of the acceptance": meter(HOUR), "hour before": meter(HOUR - 3600)}
faults = json.dumps({"operations": {"BatchMeterUsage": {"throttleRate": 1}}}).encode()
urllib.request.urlopen(urllib.request.Request(URL + "/_sim/faults", data=faults, method="PUT",
                                              headers={"Content-Type": "application/json"})).read()
results["throttled"] = meter(HOUR + 3600)
print(json.dumps(results))
