"""An alert storm as Prometheus would send it to Alertmanager: a few dozen alert names
over many services and instances, several labels each, summaries and severities.

Deterministic (seeded): alert i is always the same alert, so re-posting it refreshes
its endsAt (as Prometheus does every resend) instead of adding a new one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import httpx

NAMES: tuple[tuple[str, str, str], ...] = (
    ("HostHighCpuLoad", "warning", "CPU load is {pct} % on {instance}"),
    ("HostOutOfMemory", "critical", "{instance} has {pct} % of its memory left"),
    ("HostOutOfDiskSpace", "critical", "disk {device} on {instance} is {pct} % full"),
    ("HostDiskWillFillIn24Hours", "warning", "disk {device} on {instance} fills within a day"),
    ("HostHighDiskIoUtilisation", "warning", "{device} on {instance} is {pct} % busy"),
    ("HostNetworkReceiveErrors", "warning", "{instance} drops received packets"),
    ("HostClockSkew", "warning", "clock of {instance} is off by {pct} ms"),
    ("HostSystemdServiceFailed", "warning", "a systemd unit failed on {instance}"),
    ("HostOomKillDetected", "warning", "the OOM killer ran on {instance}"),
    ("NodeExporterDown", "critical", "node exporter on {instance} does not answer"),
    ("KubePodCrashLooping", "warning", "pod {pod} restarts over and over"),
    ("KubePodNotReady", "warning", "pod {pod} has not been ready for 15 minutes"),
    ("KubeDeploymentReplicasMismatch", "warning", "{service} runs fewer replicas than asked"),
    ("KubeContainerWaiting", "warning", "a container of {pod} waits for 1 h"),
    ("KubePersistentVolumeFillingUp", "critical", "volume of {pod} is {pct} % full"),
    ("KubeJobFailed", "warning", "job {service}-migrate failed"),
    ("KubeHpaMaxedOut", "warning", "{service} runs at its maximum replicas"),
    ("KubeNodeNotReady", "critical", "node {instance} is not ready"),
    ("ServiceHighErrorRate", "critical", "{service} fails {pct} % of requests"),
    ("ServiceHighLatencyP99", "warning", "{service} p99 is {pct}0 ms"),
    ("ServiceSloBurnFast", "critical", "{service} burns its error budget 14x too fast"),
    ("ServiceSloBurnSlow", "warning", "{service} burns its error budget 3x too fast"),
    ("ServiceDown", "critical", "{service} on {instance} is down"),
    ("TargetScrapeFailing", "warning", "Prometheus cannot scrape {instance}"),
    ("PostgresReplicationLag", "critical", "replica {instance} lags {pct} s"),
    ("PostgresTooManyConnections", "warning", "{instance} uses {pct} % of its connections"),
    ("PostgresDeadlocks", "warning", "deadlocks on {instance}"),
    ("RedisMemoryHigh", "warning", "redis on {instance} uses {pct} % of maxmemory"),
    ("RedisRejectedConnections", "critical", "redis on {instance} rejects connections"),
    ("KafkaConsumerLagHigh", "warning", "consumer group {service} lags {pct}k messages"),
    ("KafkaUnderReplicatedPartitions", "critical", "{pct} partitions under-replicated"),
    ("RabbitmqQueueBacklog", "warning", "queue {service} holds {pct}k messages"),
    ("NginxHigh5xx", "critical", "nginx on {instance} answers {pct} % 5xx"),
    ("CertificateExpiresSoon", "warning", "certificate of {service} expires in {pct} days"),
    ("BlackboxProbeFailed", "critical", "probe of {service} fails from {region}"),
    ("BackupMissing", "info", "no backup of {service} for {pct} h"),
    ("CronJobLate", "info", "{service}-report has not run for {pct} min"),
    ("LogErrorsSpike", "info", "{service} logs {pct}x its usual errors"),
)
"""(alertname, severity, summary template): 38 names, as a mid-size fleet has."""

REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1")
TEAMS = ("platform", "payments", "search", "identity", "data", "edge", "mobile")
DEVICES = ("nvme0n1", "nvme1n1", "sda", "sdb")
SERVICES = 120
INSTANCES = 900


def storm_alert(i: int, starts_at: float, ends_at: float) -> dict[str, Any]:
    """Alert `i` of the storm as POST /api/v2/alerts takes it."""
    rng = random.Random(i * 7919 + 17)
    name, severity, summary = NAMES[i % len(NAMES)]
    service = f"svc-{(i * 31) % SERVICES:03d}"
    instance = f"ip-10-{(i // 250) % 250}-{i % 250}-{(i * 13) % 250}:9100"
    region = REGIONS[(i // 7) % len(REGIONS)]
    labels = {
        "alertname": name,
        "severity": severity,
        "service": service,
        "instance": instance,
        "job": "node" if name.startswith("Host") else service,
        "region": region,
        "team": TEAMS[(i * 3) % len(TEAMS)],
        "cluster": f"{region}-k8s-{i % 3}",
        "storm": str(i),  # unique per alert: no two storm alerts share a fingerprint
    }
    fields = {
        "instance": instance,
        "service": service,
        "region": region,
        "device": DEVICES[i % len(DEVICES)],
        "pod": f"{service}-{rng.randrange(16**6):06x}-{rng.randrange(36**5):05d}",
        "pct": str(rng.randrange(5, 99)),
    }
    return {
        "labels": labels,
        "annotations": {
            "summary": summary.format(**fields),
            "description": f"{name} has been firing for {service} in {region}; "
            f"see the dashboard of team {labels['team']}.",
            "runbook_url": f"https://runbooks.invalid/{name}",
        },
        "startsAt": rfc3339(starts_at - rng.uniform(0, 3600)),
        "endsAt": rfc3339(ends_at),
        "generatorURL": f"http://127.0.0.1:9090/graph?g0.expr={name}",
    }


def rfc3339(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def batches(first: int, count: int, size: int, hold_s: float) -> Iterator[list[dict[str, Any]]]:
    """Alerts first..first+count in POST bodies of `size`, each firing for `hold_s`."""
    now = time.time()
    for lo in range(first, first + count, size):
        hi = min(lo + size, first + count)
        yield [storm_alert(i, now, now + hold_s) for i in range(lo, hi)]


def post(
    am_url: str,
    count: int,
    *,
    first: int = 0,
    batch: int = 500,
    hold_s: float = 6 * 3600.0,
    per_second: float | None = None,
) -> float:
    """POST `count` storm alerts; with `per_second`, paced so the storm *arrives* at that
    rate (one batch at a time). Returns the seconds it took."""
    started = time.monotonic()
    sent = 0
    with httpx.Client(timeout=30.0) as c:
        for body in batches(first, count, batch, hold_s):
            c.post(am_url + "/api/v2/alerts", json=body).raise_for_status()
            sent += len(body)
            if per_second:
                ahead = sent / per_second - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)  # pacing the producer, not synchronising a test
    return time.monotonic() - started


def firing_count(am_url: str) -> int:
    """How many active (not silenced, not inhibited) alerts Alertmanager holds."""
    with httpx.Client(timeout=30.0) as c:
        body = c.get(
            am_url + "/api/v2/alerts",
            params={"active": "true", "silenced": "false", "inhibited": "false"},
        ).json()
    return len(body)
