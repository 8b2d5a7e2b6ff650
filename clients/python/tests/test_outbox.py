from __future__ import annotations

import threading

from fedge._proto.fedge.v1 import combiner_pb2
from fedge.outbox import Outbox


def status(task: str) -> combiner_pb2.ClientEvent:
    return combiner_pb2.ClientEvent(status=combiner_pb2.TaskStatus(task_id=task))


def heartbeat(task: str) -> combiner_pb2.ClientEvent:
    return combiner_pb2.ClientEvent(heartbeat=combiner_pb2.Heartbeat(running_task_id=task))


def log(line: str) -> combiner_pb2.ClientEvent:
    return combiner_pb2.ClientEvent(log=combiner_pb2.LogRecord(line=line))


def test_state_first_then_newest_heartbeat_then_logs() -> None:
    outbox = Outbox()
    outbox.offer(log("a"))
    outbox.coalesce(heartbeat("old"), key="heartbeat")
    outbox.send(status("t1"))
    outbox.coalesce(heartbeat("new"), key="heartbeat")
    outbox.send(status("t2"))
    outbox.finish()
    events = list(outbox)
    assert [e.WhichOneof("event") for e in events] == ["status", "status", "heartbeat", "log"]
    assert [events[0].status.task_id, events[1].status.task_id] == ["t1", "t2"]
    assert events[2].heartbeat.running_task_id == "new"


def test_finished_outbox_takes_nothing_but_drains() -> None:
    outbox = Outbox()
    assert outbox.send(status("t1"))
    outbox.finish()
    assert not outbox.send(status("t2"))
    assert not outbox.offer(log("x"))
    assert [e.status.task_id for e in outbox] == ["t1"]


def test_log_lines_beyond_capacity_are_dropped_and_counted() -> None:
    outbox = Outbox(best_effort_capacity=2)
    assert outbox.offer(log("1")) and outbox.offer(log("2"))
    assert not outbox.offer(log("3"))
    assert not outbox.offer(log("4"))
    outbox.finish()
    lines = [e.log.line for e in outbox]
    assert lines[0] == "1"
    assert lines[1] == "2 log line(s) dropped: the client produced them faster than the combiner took them"
    assert lines[2] == "2"


def test_iteration_blocks_until_a_message_or_finish() -> None:
    outbox = Outbox()
    got: list[str] = []

    def consume() -> None:
        for event in outbox:
            got.append(event.status.task_id)

    thread = threading.Thread(target=consume)
    thread.start()
    outbox.send(status("t1"))
    outbox.finish()
    thread.join(5)
    assert not thread.is_alive() and got == ["t1"]
