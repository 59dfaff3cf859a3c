"""Block and record every non-loopback connection a Python process (or its children) tries.

Put this folder on PYTHONPATH and set ENCLAVE_NETGUARD_LOG to a file: each attempt to
reach an address outside 127.0.0.0/8 or ::1 (or to resolve a name that is not local)
fails with an error and appends one line to the log, so a test can prove the product
never reached out.
"""

import ipaddress
import os
import socket

_LOG = os.environ.get("ENCLAVE_NETGUARD_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", socket.gethostname()}


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {what}\n")


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in _LOCAL_NAMES or host in ("", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard_address(sock, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        if not _is_local(address[0]):
            _record(f"connect {address[0]}:{address[1]}")
            raise OSError(101, f"network blocked by test guard: {address[0]}")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_sendto = socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    _guard_address(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _guard_address(self, address)
    return _connect_ex(self, address)


def sendto(self, data, *args):
    _guard_address(self, args[-1])
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        _record(f"resolve {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"name resolution blocked by test guard: {host}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.getaddrinfo = getaddrinfo
