#!/usr/bin/env python3
"""A loopback stand-in for what moto 5.2.1 lacks of AWS AppConfig, for Rampart's tests.

moto holds AppConfig applications, configuration profiles and hosted configuration versions,
but has no environments, deployment strategies or deployments, and no AppConfig Data. This
server checks every request's Signature Version 4 with botocore (sigv4_check.py), then:
  - answers the missing control-plane operations itself, with the request, response and error
    shapes of botocore's appconfig service definition (2019-10-09): CreateEnvironment,
    GetEnvironment, CreateDeploymentStrategy, GetDeploymentStrategy (and AppConfig's predefined
    strategies), StartDeployment (ConflictException while one is in progress, or when
    LatestDeploymentNumber is not the newest), GetDeployment, ListDeployments, StopDeployment;
  - answers AppConfig Data (2021-11-11): StartConfigurationSession, GetLatestConfiguration,
    serving the environment's deployed version of the profile;
  - forwards everything else (applications, profiles, hosted configuration versions) to moto,
    which then holds them, and checks against moto that what a deployment names exists.

A deployment starts DEPLOYING and ends at the `polls`-th GetDeployment/ListDeployments after
it (1 unless told): COMPLETE, or what POST /control asked for an application's next deployment:
  {"application": ID, "next": "roll_back"}  AppConfig rolls it back, as a monitor's alarm would;
  {"application": ID, "next": "stall"}      it stays DEPLOYING until stopped;
  {"application": ID, "polls": 3}           it ends at the 3rd poll.
GET /stats answers {"requests": n, "refused": n, "forwarded": n, "deployments": n}.

Usage: appconfig_standin.py CONFIG.json   (prints the port it listens on, then serves)
CONFIG: {"region": "eu-west-1", "credentials": {"AKID": "secret"}, "moto": "http://127.0.0.1:PORT"}
"""
import datetime
import http.client
import json
import random
import string
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sigv4_check import signature_problem

CONFIG = json.load(open(sys.argv[1]))
MOTO = urllib.parse.urlparse(CONFIG["moto"])
LOCK = threading.Lock()
STATS = {"requests": 0, "refused": 0, "forwarded": 0, "deployments": 0}
ENVIRONMENTS = {}     # (app, env id) -> environment
STRATEGIES = {
    "AppConfig.AllAtOnce": {"Id": "AppConfig.AllAtOnce", "Name": "AppConfig.AllAtOnce", "DeploymentDurationInMinutes": 0,
                            "GrowthType": "LINEAR", "GrowthFactor": 100.0, "FinalBakeTimeInMinutes": 10, "ReplicateTo": "NONE"},
    "AppConfig.Linear50PercentEvery30Seconds": {"Id": "AppConfig.Linear50PercentEvery30Seconds",
                                                "Name": "AppConfig.Linear50PercentEvery30Seconds", "DeploymentDurationInMinutes": 1,
                                                "GrowthType": "LINEAR", "GrowthFactor": 50.0, "FinalBakeTimeInMinutes": 1,
                                                "ReplicateTo": "NONE"},
}
DEPLOYMENTS = {}      # (app, env id) -> [deployment], oldest first
SESSIONS = {}         # token -> (app, env, profile, version last delivered)
NEXT = {}             # app -> {"next": ..., "polls": n} for that application's next deployment
IN_PROGRESS = ("DEPLOYING", "BAKING", "VALIDATING", "ROLLING_BACK")


def new_id():
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(7))


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def moto(method, path, body=b"", headers=None):
    connection = http.client.HTTPConnection(MOTO.hostname, MOTO.port, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.getheaders(), data


def advance(deployment):
    """One poll of a deployment: it ends at its `polls`-th."""
    if deployment["State"] != "DEPLOYING" or deployment["_behaviour"] == "stall":
        return
    deployment["_polls"] += 1
    if deployment["_polls"] < deployment["_needed"]:
        return
    if deployment["_behaviour"] == "roll_back":
        deployment["State"] = "ROLLED_BACK"
        deployment["EventLog"].insert(0, {"EventType": "ROLLBACK_COMPLETED", "TriggeredBy": "CLOUDWATCH_ALARM",
                                          "Description": "Rollback completed: alarm support-bot-errors went to ALARM",
                                          "OccurredAt": now()})
    else:
        deployment["State"] = "COMPLETE"
        deployment["PercentageComplete"] = 100.0
        deployment["CompletedAt"] = now()
        deployment["EventLog"].insert(0, {"EventType": "DEPLOYMENT_COMPLETED", "TriggeredBy": "APPCONFIG",
                                          "Description": "Deployment completed", "OccurredAt": now()})


def public(deployment):
    return {k: v for k, v in deployment.items() if not k.startswith("_")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        sent = {name.lower() for name, _ in headers}
        for name, value in headers:
            self.send_header(name, value)
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", new_id())
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.send(status, {"Message": message}, headers=[("x-amzn-ErrorType", code)])

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        url = urllib.parse.urlparse(self.path)
        if url.path == "/stats":
            with LOCK:
                return self.send(200, dict(STATS))
        if url.path == "/control":
            control = json.loads(body)
            with LOCK:
                NEXT[control.pop("application")] = control
            return self.send(200, control)
        with LOCK:
            STATS["requests"] += 1
        problem = signature_problem(self, body, "appconfig", CONFIG["region"], CONFIG["credentials"])
        if problem:
            with LOCK:
                STATS["refused"] += 1
            return self.error(*problem)
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        query = urllib.parse.parse_qs(url.query)
        request = json.loads(body) if body and self.headers.get("Content-Type", "").startswith("application/json") else {}
        if parts[0] == "deploymentstrategies":
            return self.strategy(parts, request)
        if parts[0] == "configurationsessions" and self.command == "POST":
            return self.start_session(request)
        if parts[0] == "configuration" and self.command == "GET":
            return self.latest_configuration(query)
        if parts[0] == "applications" and len(parts) >= 3 and parts[2] == "environments":
            return self.environment(parts, request, query)
        return self.forward(body)

    def moto_get(self, path):
        """A read of moto's, scoped as the caller's request was (moto picks the region's backend
        from the credential scope)."""
        return moto("GET", path, headers={k: self.headers[k] for k in ("Authorization", "X-Amz-Date") if self.headers.get(k)})

    def forward(self, body):
        skip = {"host", "content-length", "connection"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        status, headers, data = moto(self.command, self.path, body, headers)
        with LOCK:
            STATS["forwarded"] += 1
        keep = [(k, v) for k, v in headers if k.lower() not in ("content-length", "connection", "server", "date", "transfer-encoding")]
        self.send(status, data, headers=keep)

    def strategy(self, parts, request):
        with LOCK:
            if self.command == "POST" and len(parts) == 1:
                for key in ("DeploymentDurationInMinutes", "GrowthFactor", "Name"):
                    if key not in request:
                        return self.error(400, "BadRequestException", f"{key} is required")
                s = {"Id": new_id(), "Name": request["Name"], "Description": request.get("Description", ""),
                     "DeploymentDurationInMinutes": request["DeploymentDurationInMinutes"],
                     "GrowthType": request.get("GrowthType", "LINEAR"), "GrowthFactor": float(request["GrowthFactor"]),
                     "FinalBakeTimeInMinutes": request.get("FinalBakeTimeInMinutes", 0),
                     "ReplicateTo": request.get("ReplicateTo", "NONE")}
                STRATEGIES[s["Id"]] = s
                return self.send(201, s)
            if self.command == "GET" and len(parts) == 2:
                s = STRATEGIES.get(parts[1])
                if s is None:
                    return self.error(404, "ResourceNotFoundException", f"Deployment strategy {parts[1]} not found")
                return self.send(200, s)
        return self.error(404, "UnknownOperationException", "unknown operation")

    def environment(self, parts, request, query):
        app = parts[1]
        status, _, _ = self.moto_get(f"/applications/{urllib.parse.quote(app)}")
        if status != 200:
            return self.error(404, "ResourceNotFoundException", f"Application {app} not found")
        if self.command == "POST" and len(parts) == 3:
            if not request.get("Name"):
                return self.error(400, "BadRequestException", "Name is required")
            e = {"ApplicationId": app, "Id": new_id(), "Name": request["Name"], "Description": request.get("Description", ""),
                 "State": "READY_FOR_DEPLOYMENT", "Monitors": request.get("Monitors", [])}
            with LOCK:
                ENVIRONMENTS[(app, e["Id"])] = e
                DEPLOYMENTS[(app, e["Id"])] = []
            return self.send(201, e)
        key = (app, parts[3]) if len(parts) >= 4 else None
        with LOCK:
            environment = ENVIRONMENTS.get(key)
        if environment is None:
            return self.error(404, "ResourceNotFoundException", f"Environment {parts[3] if key else '?'} not found")
        if self.command == "GET" and len(parts) == 4:
            with LOCK:
                self.refresh_state(key)
                return self.send(200, environment)
        if len(parts) == 5 and parts[4] == "deployments":
            if self.command == "POST":
                return self.start_deployment(key, request)
            if self.command == "GET":
                limit = int(query.get("max_results", ["50"])[0])
                with LOCK:
                    for d in DEPLOYMENTS[key]:
                        advance(d)
                    items = [public(d) for d in reversed(DEPLOYMENTS[key])][:limit]
                    for item in items:
                        item.pop("EventLog", None)
                    return self.send(200, {"Items": items})
        if len(parts) == 6 and parts[4] == "deployments":
            with LOCK:
                found = [d for d in DEPLOYMENTS[key] if str(d["DeploymentNumber"]) == parts[5]]
                if not found:
                    return self.error(404, "ResourceNotFoundException", f"Deployment {parts[5]} not found")
                d = found[0]
                if self.command == "GET":
                    advance(d)
                    return self.send(200, public(d))
                if self.command == "DELETE":
                    if d["State"] not in IN_PROGRESS:
                        return self.error(400, "BadRequestException", f"Deployment {parts[5]} is {d['State']} and cannot be stopped")
                    d["State"] = "ROLLED_BACK"
                    d["EventLog"].insert(0, {"EventType": "ROLLBACK_COMPLETED", "TriggeredBy": "USER",
                                             "Description": "Deployment stopped by user", "OccurredAt": now()})
                    return self.send(202, public(d))
        return self.error(404, "UnknownOperationException", "unknown operation")

    def refresh_state(self, key):
        deployments = DEPLOYMENTS[key]
        newest = deployments[-1] if deployments else None
        ENVIRONMENTS[key]["State"] = "READY_FOR_DEPLOYMENT" if newest is None or newest["State"] == "COMPLETE" else (
            "DEPLOYING" if newest["State"] in IN_PROGRESS else "ROLLED_BACK")

    def start_deployment(self, key, request):
        app, _ = key
        for field in ("DeploymentStrategyId", "ConfigurationProfileId", "ConfigurationVersion"):
            if not request.get(field):
                return self.error(400, "BadRequestException", f"{field} is required")
        profile, version = request["ConfigurationProfileId"], request["ConfigurationVersion"]
        status, _, _ = self.moto_get(f"/applications/{app}/configurationprofiles/{urllib.parse.quote(profile)}")
        if status != 200:
            return self.error(404, "ResourceNotFoundException", f"Configuration profile {profile} not found")
        status, _, _ = self.moto_get(f"/applications/{app}/configurationprofiles/{profile}/hostedconfigurationversions/{version}")
        if status != 200:
            return self.error(404, "ResourceNotFoundException", f"Hosted configuration version {version} not found")
        with LOCK:
            strategy = STRATEGIES.get(request["DeploymentStrategyId"])
            if strategy is None:
                return self.error(404, "ResourceNotFoundException", f"Deployment strategy {request['DeploymentStrategyId']} not found")
            deployments = DEPLOYMENTS[key]
            newest = deployments[-1] if deployments else None
            if newest and newest["State"] in IN_PROGRESS:
                return self.error(409, "ConflictException",
                                  f"Deployment {newest['DeploymentNumber']} is in progress on environment {key[1]}")
            expected = request.get("LatestDeploymentNumber")
            if expected is not None and expected != (newest["DeploymentNumber"] if newest else 0):
                return self.error(409, "ConflictException",
                                  f"LatestDeploymentNumber {expected} is not the newest deployment")
            d = {"ApplicationId": app, "EnvironmentId": key[1], "DeploymentStrategyId": strategy["Id"],
                 "ConfigurationProfileId": profile, "DeploymentNumber": len(deployments) + 1,
                 "ConfigurationName": profile, "ConfigurationLocationUri": "hosted", "ConfigurationVersion": version,
                 "Description": request.get("Description", ""),
                 "DeploymentDurationInMinutes": strategy["DeploymentDurationInMinutes"], "GrowthType": strategy["GrowthType"],
                 "GrowthFactor": strategy["GrowthFactor"], "FinalBakeTimeInMinutes": strategy["FinalBakeTimeInMinutes"],
                 "State": "DEPLOYING", "PercentageComplete": 0.0, "StartedAt": now(),
                 "EventLog": [{"EventType": "DEPLOYMENT_STARTED", "TriggeredBy": "USER", "Description": "Deployment started",
                               "OccurredAt": now()}],
                 "_polls": 0}
            control = NEXT.pop(app, {})
            d["_needed"], d["_behaviour"] = max(1, int(control.get("polls", 1))), control.get("next", "complete")
            deployments.append(d)
            STATS["deployments"] += 1
            return self.send(201, public(d))

    def start_session(self, request):
        app, env, profile = (request.get(k) for k in ("ApplicationIdentifier", "EnvironmentIdentifier", "ConfigurationProfileIdentifier"))
        with LOCK:
            if (app, env) not in ENVIRONMENTS:
                return self.error(404, "ResourceNotFoundException", "Environment not found")
            token = new_id() + new_id()
            SESSIONS[token] = (app, env, profile, None)
        return self.send(201, {"InitialConfigurationToken": token})

    def latest_configuration(self, query):
        token = query.get("configuration_token", [""])[0]
        with LOCK:
            session = SESSIONS.pop(token, None)
            if session is None:
                return self.error(400, "BadRequestException", "The configuration token is not valid")
            app, env, profile, delivered = session
            deployed = None
            for d in DEPLOYMENTS[(app, env)]:
                advance(d)
                if d["ConfigurationProfileId"] == profile and d["State"] == "COMPLETE":
                    deployed = d["ConfigurationVersion"]
            following = new_id() + new_id()
            SESSIONS[following] = (app, env, profile, deployed)
        headers = [("Next-Poll-Configuration-Token", following), ("Next-Poll-Interval-In-Seconds", "60")]
        if deployed is None or deployed == delivered:
            return self.send(200, b"", headers=headers + [("Content-Type", "application/json")])
        status, moto_headers, data = self.moto_get(f"/applications/{app}/configurationprofiles/{profile}/hostedconfigurationversions/{deployed}")
        content_type = dict((k.lower(), v) for k, v in moto_headers).get("content-type", "application/json")
        return self.send(200, data, headers=headers + [("Content-Type", content_type), ("Version-Label", deployed)])


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
