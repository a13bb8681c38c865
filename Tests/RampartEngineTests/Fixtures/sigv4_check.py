"""Signature Version 4 checking for Rampart's loopback stand-ins, the way AWS checks it: the
request's signature is recomputed with botocore's own SigV4Auth (the reference signer) for the
credentials the stand-in was given, at the request's own X-Amz-Date, and compared."""
import datetime
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signature_problem(handler, body, service, region, credentials):
    """None when `handler`'s request is signed for `service` in `region` with one of
    `credentials` ({key id: secret}); otherwise (status, error code, message) as AWS answers."""
    auth = handler.headers.get("Authorization", "")
    amz_date = handler.headers.get("X-Amz-Date", "")
    if not auth.startswith("AWS4-HMAC-SHA256 ") or not amz_date:
        return 403, "MissingAuthenticationTokenException", "Missing Authentication Token"
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key, _day, scoped_region, scoped_service, _ = fields["Credential"].split("/")
    secret = credentials.get(key)
    if secret is None:
        return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
    if scoped_service != service:
        return 403, "InvalidSignatureException", f"Credential should be scoped to correct service: '{service}'."
    if scoped_region != region:
        return 403, "InvalidSignatureException", "Credential should be scoped to a valid region."
    signed = fields["SignedHeaders"].split(";")
    headers = {name: handler.headers.get(name) for name in signed if name not in ("host",)}
    request = AWSRequest(method=handler.command, url="http://" + handler.headers["Host"] + handler.path, data=body, headers=headers)
    token = handler.headers.get("X-Amz-Security-Token")
    signer = botocore.auth.SigV4Auth(Credentials(key, secret, token), service, region)
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        signer.add_auth(request)
    if request.headers["Authorization"] != auth:
        return 403, "InvalidSignatureException", (
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.")
    return None
