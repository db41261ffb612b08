"""The AEs the hub may send to with C-MOVE, written ``AETITLE@host:port``."""

from __future__ import annotations

from dataclasses import dataclass

_MAX_AE_TITLE = 16


@dataclass(frozen=True)
class Peer:
    """A C-MOVE destination: the AE title a requestor names and where that AE listens."""

    ae_title: str
    host: str
    port: int

    def __post_init__(self) -> None:
        if not self.ae_title.strip() or len(self.ae_title) > _MAX_AE_TITLE or "\\" in self.ae_title:
            raise ValueError(f"peer AE title {self.ae_title!r} must be 1 to 16 characters without a backslash")
        if not self.host:
            raise ValueError(f"peer {self.ae_title!r} has no host")
        if not 0 < self.port < 65536:
            raise ValueError(f"peer {self.ae_title!r} port {self.port} is outside 1..65535")

    @classmethod
    def parse(cls, text: str) -> Peer:
        """Parse ``AETITLE@host:port`` (an IPv6 host goes in brackets: ``AE@[::1]:104``)."""
        ae_title, at, address = text.strip().partition("@")
        host, colon, port_text = address.rpartition(":")
        if not at or not colon:
            raise ValueError(f"peer {text!r} is not of the form AETITLE@host:port")
        if not port_text.isdigit():
            raise ValueError(f"peer {text!r} has a port that is not a number")
        return cls(ae_title=ae_title, host=host.removeprefix("[").removesuffix("]"), port=int(port_text))

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.ae_title}@{host}:{self.port}"
