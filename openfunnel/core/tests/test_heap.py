"""A serving process freezes its start-up objects (core.heap), and still collects what it creates later."""

import gc
import weakref

from openfunnel.core.heap import settle


class Node:
    def __init__(self) -> None:
        self.other = self


def test_settle_freezes_the_start_up_objects_and_later_cycles_are_still_collected():
    try:
        settle()
        assert gc.get_freeze_count() > 10_000
        later = Node()
        alive = weakref.ref(later)
        del later
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()


def test_the_wsgi_application_is_settled():
    import importlib

    from openfunnel import wsgi

    gc.unfreeze()
    try:
        importlib.reload(wsgi)   # as a server's worker imports it
        assert callable(wsgi.application)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
