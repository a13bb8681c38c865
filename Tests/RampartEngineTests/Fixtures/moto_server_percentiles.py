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
"""
import math
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

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
