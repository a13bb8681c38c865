"""Generates errors.json: AWS error responses in each wire shape, with the code, message and
request id botocore's own response parsers read from them (botocore.parsers, the parsers the
AWS CLI and boto3 use). Rampart's AWSError.decode must read the same.

Provenance: botocore 1.43.11 (pip), Python 3.11, run 2026-12-01:
    python3 Tests/RampartAWSTests/Fixtures/generate_errors.py > Tests/RampartAWSTests/Fixtures/errors.json
"""
import json

import botocore
from botocore.parsers import create_parser

CASES = [
    # query (SNS, STS, IAM): XML ErrorResponse
    ("query", "sns wrong signature", 403, {"x-amzn-requestid": "9d7c-sns"},
     '<?xml version="1.0"?><ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>'
     '<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message>'
     '</Error><RequestId>9d7c-sns</RequestId></ErrorResponse>'),
    ("query", "sts throttled, id only in body", 400, {},
     '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>'
     '<RequestId>a1b2-sts</RequestId></ErrorResponse>'),
    ("query", "ec2-style Errors list", 400, {},
     '<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message>'
     '</Error></Errors><RequestID>ec2-req-1</RequestID></Response>'),
    ("query", "entities in the message", 400, {},
     '<ErrorResponse><Error><Code>InvalidParameter</Code><Message>Invalid parameter: Subject &lt;must&gt; be &amp; &quot;short&quot; &#233;</Message>'
     '</Error><RequestId>ent-1</RequestId></ErrorResponse>'),
    ("query", "not found topic", 404, {},
     '<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error>'
     '<RequestId>nf-1</RequestId></ErrorResponse>'),
    # json 1.0/1.1 (CloudWatch, CodePipeline): __type
    ("json", "cloudwatch throttled", 400, {"x-amzn-requestid": "cw-1"},
     '{"__type":"com.amazonaws.monitoring#ThrottlingException","message":"Rate exceeded"}'),
    ("json", "type with a URL suffix", 400, {"x-amzn-requestid": "cp-1"},
     '{"__type":"ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/","Message":"1 validation error detected"}'),
    ("json", "query-compatible error header wins", 400, {"x-amzn-requestid": "sqs-1", "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"},
     '{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}'),
    ("json", "internal failure", 500, {"x-amzn-requestid": "cw-2"},
     '{"__type":"InternalFailure","message":"An internal error occurred"}'),
    # rest-json (Bedrock Runtime, Lambda, AppConfig): x-amzn-ErrorType header
    ("rest-json", "bedrock throttled", 429, {"x-amzn-requestid": "br-1", "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"},
     '{"message":"Too many requests, please wait before trying again."}'),
    ("rest-json", "bedrock model not ready", 429, {"x-amzn-requestid": "br-2", "x-amzn-errortype": "ModelNotReadyException:http://internal.amazon.com/coral/com.amazon.bedrock/"},
     '{"message":"Model is not ready for inference. Wait and try your request again."}'),
    ("rest-json", "bedrock validation", 400, {"x-amzn-requestid": "br-3", "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"},
     '{"message":"The provided model identifier is invalid."}'),
    ("rest-json", "bedrock access denied", 403, {"x-amzn-requestid": "br-4", "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"},
     '{"Message":"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: bedrock:InvokeModel"}'),
    ("rest-json", "lambda code in the body only", 404, {"x-amzn-requestid": "lm-1"},
     '{"Type":"User","code":"ResourceNotFoundException","message":"Function not found: arn:aws:lambda:eu-west-1:123456789012:function:bot:live"}'),
    ("rest-json", "header wins over body code", 409, {"x-amzn-requestid": "lm-2", "x-amzn-errortype": "ResourceConflictException"},
     '{"Type":"User","code":"SomethingElse","message":"The operation cannot be performed at this time."}'),
    ("rest-json", "header only, empty body", 503, {"x-amzn-requestid": "br-5", "x-amzn-errortype": "ServiceUnavailableException"}, ''),
]


def main():
    out = []
    for protocol, name, status, headers, body in CASES:
        parser = create_parser(protocol)
        parsed = parser.parse({"status_code": status, "headers": headers, "body": body.encode()}, None)
        err = parsed.get("Error", {})
        out.append({
            "name": name, "protocol": protocol, "status": status, "headers": headers, "body": body,
            "code": err.get("Code", ""), "message": err.get("Message", ""),
            "request_id": parsed.get("ResponseMetadata", {}).get("RequestId"),
        })
    print(json.dumps({"botocore": botocore.__version__, "cases": out}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
