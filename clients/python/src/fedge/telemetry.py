"""Resource use for heartbeats, as FedgeEdge/TelemetrySampler.swift samples it (Linux /proc and statvfs; zeros
where a platform has none)."""

from __future__ import annotations

import os
import sys

from ._proto.fedge.v1 import common_pb2

__all__ = ["TelemetrySampler"]


class TelemetrySampler:
    """Samples CPU, memory and disk; each sample reports the CPU use since the previous one."""

    def __init__(self, disk_path: str | os.PathLike[str]) -> None:
        self.disk_path = os.fspath(disk_path)
        self._previous_busy = 0
        self._previous_total = 0

    def sample(self) -> common_pb2.Telemetry:
        telemetry = common_pb2.Telemetry(cores=os.cpu_count() or 0)
        self._cpu(telemetry)
        self._memory(telemetry)
        telemetry.process_rss_bytes = resident_bytes()
        try:
            fs = os.statvfs(self.disk_path)
            telemetry.disk_free_bytes = fs.f_bavail * fs.f_frsize
        except (OSError, AttributeError):
            pass
        return telemetry

    def _cpu(self, telemetry: common_pb2.Telemetry) -> None:
        try:
            with open("/proc/stat") as file:
                line = file.readline()
        except OSError:
            return
        if not line.startswith("cpu "):
            return
        fields = [int(field) for field in line.split()[1:] if field.isdigit()]
        if len(fields) < 4:
            return
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        total = sum(fields)
        busy = total - idle
        if total > self._previous_total and self._previous_total > 0:
            telemetry.cpu_percent = 100 * (busy - self._previous_busy) / (total - self._previous_total)
        self._previous_busy = busy
        self._previous_total = total

    @staticmethod
    def _memory(telemetry: common_pb2.Telemetry) -> None:
        values: dict[str, int] = {}
        try:
            with open("/proc/meminfo") as file:
                for line in file:
                    parts = line.split()
                    if len(parts) >= 2 and parts[1].isdigit():
                        values[parts[0].rstrip(":")] = int(parts[1]) * 1024
        except OSError:
            return
        total = values.get("MemTotal", 0)
        telemetry.memory_total_bytes = total
        telemetry.memory_used_bytes = max(0, total - values.get("MemAvailable", 0))


def resident_bytes() -> int:
    """This process's resident set size (the peak on platforms without /proc)."""
    try:
        with open("/proc/self/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    parts = line.split()
                    if len(parts) >= 2 and parts[1].isdigit():
                        return int(parts[1]) * 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024
