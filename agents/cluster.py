"""Joining a Ray cluster without Ray: is anything listening at --address, and how many env runners put it to use.

Ray's own connect retries "Failed to connect to GCS" every few seconds
for good and ignores Ctrl-C meanwhile, so the address is checked here
with a plain TCP connect first. Torch- and ray-free: the CLI calls it
before anything slow starts.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

RAY_CLIENT = "ray://"


def parse_address(address: str) -> tuple[str, int]:
    """(host, port) of 'HOST:PORT', '[IPv6]:PORT' or 'ray://HOST:PORT'; ValueError naming the address otherwise."""
    text = address.strip()
    if text.startswith(RAY_CLIENT):
        text = text[len(RAY_CLIENT) :]
    host, sep, port_text = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(
            f"--address must be HOST:PORT of a `ray start --head` node (e.g. 127.0.0.1:6379), got {address!r}"
        )
    return host, int(port_text)


def check_address(address: str, timeout_s: float = 3.0) -> None:
    """Return if a TCP connect to HOST:PORT succeeds within `timeout_s`; ValueError in one line otherwise."""
    host, port = parse_address(address)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except socket.gaierror:
        raise ValueError(f"--address {address!r}: cannot resolve host {host!r}") from None
    except TimeoutError:
        why = f"no answer within {timeout_s:g} s"
    except OSError as err:
        why = err.strerror or type(err).__name__
    raise ValueError(
        f"nothing listens at {host}:{port} ({why}); start a cluster with `ray start --head --port {port}` "
        "or drop --address"
    )


def env_runners_for_cluster(free_cpus: float, requested: int | None, log: Callable[[str], None] | None = None) -> int:
    """Env runners to use on a joined cluster: `requested` if given, else its free CPUs minus one for the driver (>= 1)."""
    if requested is not None:
        count, why = requested, "as --num-env-runners asks"
    else:
        count = max(1, int(free_cpus) - 1)
        why = f"the cluster's {free_cpus:g} free CPUs minus one for the driver; --num-env-runners overrides"
    if log is not None:
        log(f"cluster: {count} env runner{'s' if count != 1 else ''} ({why})")
    return count
