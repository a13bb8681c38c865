#!/usr/bin/env python3
"""moto's server (moto[server]==5.2.1), with the CloudWatch percentile statistics moto lacks.

moto answers GetMetricData for Sum, Average, Minimum, Maximum and SampleCount only: for `p95`
its Statistics.get_statistics_for_type returns None and the answer breaks. This adds `pNN` and
`pNN.NN` (0 < NN <= 100), computed over the raw values moto keeps for the period (a value put
with `Counts` is kept that many times) by nearest rank: the smallest value with at least NN % of
the values at or below it. CloudWatch documents its percentiles as computed from the raw values
of the period when they are available, as here; for statistic sets (`StatisticValues`), which
carry no distribution, CloudWatch has no percentile and neither has this. Everything else is
moto's own, unchanged: same arguments as `moto_server` (`-H HOST -p PORT`).

`--port-file PATH` instead binds 127.0.0.1 on a port the kernel picks and writes that port to
PATH once the socket listens. Tests use it: a port found free beforehand can be taken by another
test's server while Python imports moto (tens of seconds on a loaded machine), and a readiness
probe would then be answered by that server instead.
"""
import math
import os
import re
import sys

from moto.cloudwatch import models

PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d{1,2})?|100)$")
moto_statistic = models.Statistics.get_statistics_for_type


def get_statistics_for_type(self, stat):
    match = PERCENTILE.match(stat)
    if not match:
        return moto_statistic(self, stat)
    values = sorted(self.metric_single_values_list)
    p = float(match.group(1))
    if not values or p <= 0:
        return None
    return values[max(1, math.ceil(p / 100 * len(values))) - 1]


models.Statistics.get_statistics_for_type = get_statistics_for_type



def serve_on_a_free_port(port_file):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # moto builds some URLs (SQS queues, Lambda's endpoint) from MOTO_PORT, as its main() sets it.
    os.environ["MOTO_PORT"] = str(server.server_port)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_port))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--port-file":
        serve_on_a_free_port(sys.argv[2])
    else:
        from moto.server import main

        sys.exit(main())
