"""Cross-checks the simulator with an independent AWS client: boto3 (Debian's python3-boto3).

Run by TestBoto3SeesAWSsErrorCodes with SIM_URL, LICENSE_ARN, BUYER, RA_ID, PRODUCT_CODE and
HOUR (epoch seconds) in the environment. Prints one JSON object: case name -> the error code
boto3 surfaces (e.response["Error"]["Code"]), or "OK:<detail>" when the call succeeded.
"""
import datetime
import json
import os
import sys

import boto3
import botocore.config
import botocore.exceptions

URL = os.environ["SIM_URL"]
CREDS = dict(aws_access_key_id="AKIDSELLER", aws_secret_access_key="secret")
NO_RETRY = botocore.config.Config(retries={"max_attempts": 1})


def client(name, region="us-east-1", config=NO_RETRY):
    return boto3.client(name, endpoint_url=URL, region_name=region, config=config, **CREDS)


def outcome(call):
    try:
        return "OK:" + str(call())
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


catalog = client("marketplace-catalog")
results = {}

change = {
    "ChangeType": "RestrictResaleAuthorization",
    "Entity": {"Type": "ResaleAuthorization@1.0", "Identifier": os.environ["RA_ID"]},
    "Details": "{}",
}
results["StartChangeSet token of 65 characters"] = outcome(lambda: catalog.start_change_set(
    Catalog="AWSMarketplace", ChangeSet=[change], ClientRequestToken="t" * 65))
bad_id = dict(change, Entity={"Type": "ResaleAuthorization@1.0", "Identifier": "resaleauthz x!"})
results["StartChangeSet identifier breaking the pattern"] = outcome(lambda: catalog.start_change_set(
    Catalog="AWSMarketplace", ChangeSet=[bad_id]))
results["DescribeEntity"] = outcome(lambda: catalog.describe_entity(
    Catalog="AWSMarketplace", EntityId=os.environ["RA_ID"])["EntityIdentifier"])
results["DescribeEntity of EntityId@RevisionId"] = outcome(lambda: catalog.describe_entity(
    Catalog="AWSMarketplace", EntityId=os.environ["RA_ID"] + "@1"))
results["ListEntities signed for us-west-2"] = outcome(lambda: client("marketplace-catalog", region="us-west-2").list_entities(
    Catalog="AWSMarketplace", EntityType="ResaleAuthorization"))

# The distribution's botocore model predates LicenseArn and CustomerAWSAccountId: its
# serializer drops members it does not know, so they are added to the body before signing.
metering = client("meteringmarketplace", config=NO_RETRY.merge(botocore.config.Config(parameter_validation=False)))


def add_license(request, **kwargs):
    body = json.loads(request.data)
    for record in body.get("UsageRecords", []):
        record["CustomerAWSAccountId"] = os.environ["BUYER"]
        record["LicenseArn"] = os.environ["LICENSE_ARN"]
    request.data = json.dumps(body).encode()


metering.meta.events.register("before-sign.marketplace-metering.BatchMeterUsage", add_license)
hour = datetime.datetime.fromtimestamp(int(os.environ["HOUR"]), tz=datetime.timezone.utc)
results["BatchMeterUsage with ProductCode and LicenseArn"] = outcome(lambda: metering.batch_meter_usage(
    ProductCode=os.environ["PRODUCT_CODE"],
    UsageRecords=[{"Timestamp": hour, "Dimension": "api_calls", "Quantity": 3}]))

entitlement = client("marketplace-entitlement")
results["GetEntitlements with only DIMENSION"] = outcome(lambda: entitlement.get_entitlements(
    ProductCode=os.environ["PRODUCT_CODE"], Filter={"DIMENSION": ["seats"]}))

json.dump(results, sys.stdout)
