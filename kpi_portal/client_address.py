"""The address of the person behind a request, for the sign-in throttle (django-axes calls
`client_ip_address` through AXES_CLIENT_IP_CALLABLE).

Production runs behind the province's TLS proxy (docs/operations.md), so REMOTE_ADDR is the
proxy's address for everyone. The proxy appends the address it saw to X-Forwarded-For; that
header is believed only when the direct peer is one of TRUSTED_PROXIES, since anyone can send
one. No database, no app: settings.py imports `parse_networks` to check the variable at start-up.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: list[str] | tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Addresses or CIDR networks ("10.0.0.5", "172.16.0.0/12"); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or network") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_networks(values)


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip_address(request: HttpRequest) -> str:
    """The direct peer (REMOTE_ADDR), unless it is a trusted proxy.

    From a trusted proxy, X-Forwarded-For is read from the right (each proxy appends the address
    it saw): trusted proxies are skipped and the first address that is not one is the client.
    Whatever lies left of it was written by the client and is not believed; an entry that is not
    an address stops the walk at the last address found.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = _trusted(tuple(settings.TRUSTED_PROXIES))
    peer_address = _address(peer)
    if not trusted or peer_address is None or not _within(peer_address, trusted):
        return peer
    client = peer_address
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _within(address, trusted):
            break
    return str(client)
