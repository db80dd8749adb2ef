"""The address of the client behind the proxies we trust.

Behind a load balancer every request comes from the balancer's address; the client's
own address is in `X-Forwarded-For`, which each proxy extends with the address it got
the request from. Anyone can send that header, so it is believed only as far as it was
written by proxies we trust (settings.TRUSTED_PROXIES: addresses or networks): walking
from the nearest hop (REMOTE_ADDR) outwards, the first address that is not a trusted
proxy is the client. A request that reaches us from an untrusted address is that
address, whatever its header says.

Hand-written rather than django-ipware: ipware checks the proxies it finds inside the
header, not the hop the request actually came from, so a client that reaches the
server directly could name a trusted proxy in its own header and be believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_address(request) -> str:
    """The client's address for `request` (also `AXES_CLIENT_IP_CALLABLE`)."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))

    def trusted(address: Address) -> bool:
        return any(address in network for network in networks)

    current = peer
    forwarded = request.META.get(FORWARDED_FOR, "").split(",")
    for hop in reversed(forwarded):
        if not trusted(current):
            break
        address = _parse(hop)
        if address is None:
            # A trusted proxy wrote no usable address: the client is unknown beyond it.
            break
        current = address
    return str(current)
