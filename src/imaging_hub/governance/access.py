"""Signing in and being recognised: passwords, web sessions, API tokens, DICOM peers, OIDC identities.

Every way in ends in a ``Principal`` built from the person's current roles, so revoking a role or deactivating
an account takes effect on the very next request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from imaging_hub.governance.context import Context
from imaging_hub.governance.credentials import (
    new_session_secret,
    new_token,
    parse_token,
    secret_matches,
    sha256_hex,
)
from imaging_hub.governance.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from imaging_hub.governance.passwords import verify_password
from imaging_hub.governance.principal import Grant, Principal
from imaging_hub.governance.roles import ALL_SCOPES, Role, Scope, scopes_for_roles
from imaging_hub.governance.tables import ApiToken, DimsePeer, Person, WebSession
from imaging_hub.governance.throttle import SignInLimits, SignInThrottle, SignInThrottled

SESSION_LIFETIME = timedelta(hours=8)
MAX_TOKEN_LIFETIME = timedelta(days=366)


class Access:
    def __init__(self, context: Context, sign_in_limits: SignInLimits | None = None) -> None:
        self._c = context
        self.throttle = SignInThrottle(sign_in_limits or SignInLimits(), context.clock)

    # Principals ----------------------------------------------------------------------------------------------
    def principal_for(
        self,
        person_id: int,
        *,
        via: str = "session",
        address: str = "",
        scopes: frozenset[Scope] = ALL_SCOPES,
        token_name: str | None = None,
    ) -> Principal:
        with self._c.reading() as session:
            person = session.get(Person, person_id)
            if person is None or not person.active:
                raise Unauthenticated("account not found or deactivated")
            grants = frozenset(
                Grant(
                    role=Role(m.role),
                    project=m.project.code if m.project else None,
                    site=m.site.ods_code if m.site else None,
                )
                for m in person.memberships
            )
            return Principal(
                person_id=person.id,
                email=person.email,
                display_name=person.display_name,
                organisation_id=person.organisation_id,
                grants=grants,
                scopes=scopes,
                via=via,
                address=address,
                token_name=token_name,
            )

    # Passwords and sessions ----------------------------------------------------------------------------------
    def sign_in(self, email: str, password: str, address: str = "") -> tuple[str, Principal]:
        """Check a password and open a session; returns the cookie secret (shown once) and the principal.

        While the account or the address is locked out (``SignInThrottle``) every attempt is refused, a
        correct password included, without the password being checked.
        """
        try:
            self.throttle.check(email, address)
        except SignInThrottled as exc:
            self._c.audit_anonymous("session.login", address, detail={"reason": "throttled", "wait": exc.retry_after})
            raise
        with self._c.reading() as session:
            person = session.scalar(select(Person).where(Person.email == email.strip().lower()))
        stored = person.password_hash if person is not None and person.active else None
        if not verify_password(stored, password) or person is None:
            self.throttle.failed(email, address)
            self._c.audit_anonymous("session.login", address, detail={"reason": "credentials"})
            raise Unauthenticated("email address or password not recognised")
        self.throttle.succeeded(email)
        secret = new_session_secret()
        now = self._c.clock()
        with self._c.transaction() as session:
            session.add(
                WebSession(
                    token_hash=sha256_hex(secret),
                    person_id=person.id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                    address=address[:64] or None,
                )
            )
        principal = self.principal_for(person.id, via="session", address=address)
        self._c.record(principal, "session.login", "person", person.id)
        return secret, principal

    def open_session(self, person_id: int, address: str = "") -> str:
        """A session for an already-authenticated person (OIDC login)."""
        secret = new_session_secret()
        now = self._c.clock()
        with self._c.transaction() as session:
            session.add(
                WebSession(
                    token_hash=sha256_hex(secret),
                    person_id=person_id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                    address=address[:64] or None,
                )
            )
        return secret

    def session_principal(self, secret: str, address: str = "") -> Principal:
        now = self._c.clock()
        with self._c.reading() as session:
            row = session.get(WebSession, sha256_hex(secret))
        if row is None or now >= row.expires_at:
            raise Unauthenticated("session expired or signed out")
        return self.principal_for(row.person_id, via="session", address=address)

    def sign_out(self, secret: str, principal: Principal) -> None:
        with self._c.transaction() as session:
            session.execute(delete(WebSession).where(WebSession.token_hash == sha256_hex(secret)))
        self._c.record(principal, "session.logout", "person", principal.person_id)

    # API tokens ----------------------------------------------------------------------------------------------
    def issue_token(
        self,
        actor: Principal,
        person_id: int,
        name: str,
        scopes: frozenset[Scope],
        lifetime: timedelta,
    ) -> tuple[str, ApiToken]:
        """Issue a token (returned once, stored hashed). Administrators issue for anyone, others for themselves.

        A token carries no scope its owner's roles cannot use, and none the creating token (or session) lacks:
        a token never mints a stronger one.
        """
        self._c.require(
            (actor.is_administrator or actor.person_id == person_id) and actor.may(Scope.GOVERNANCE_WRITE),
            actor,
            "token.create",
            "person",
            person_id,
        )
        if not name.strip():
            raise InvalidInput("a token needs a name saying what uses it")
        if not scopes:
            raise InvalidInput(f"a token needs at least one scope of {sorted(s.value for s in Scope)}")
        if lifetime <= timedelta(0) or lifetime > MAX_TOKEN_LIFETIME:
            raise InvalidInput(f"token lifetime must be positive and at most {MAX_TOKEN_LIFETIME.days} days")
        self._check_scopes(actor, person_id, scopes)
        token, parts = new_token()
        now = self._c.clock()
        with self._c.transaction() as session:
            if session.get(Person, person_id) is None:
                raise NotFound(f"no person {person_id}")
            row = ApiToken(
                key_id=parts.key_id,
                secret_hash=sha256_hex(parts.secret),
                name=name.strip()[:200],
                person_id=person_id,
                scopes=" ".join(sorted(s.value for s in scopes)),
                created_at=now,
                expires_at=now + lifetime,
            )
            session.add(row)
        self._c.record(
            actor,
            "token.create",
            "token",
            parts.key_id,
            detail={"person": person_id, "scopes": row.scopes, "expires": row.expires_at.isoformat()},
        )
        return token, row

    def _check_scopes(self, actor: Principal, person_id: int, scopes: frozenset[Scope]) -> None:
        try:
            owner = self.principal_for(person_id)
        except Unauthenticated:
            raise NotFound(f"no active person {person_id}") from None
        beyond_actor = scopes - actor.scopes
        beyond_roles = scopes - scopes_for_roles(frozenset(g.role for g in owner.grants))
        if beyond_actor or beyond_roles:
            names = ", ".join(sorted(s.value for s in beyond_actor | beyond_roles))
            self._c.record(
                actor,
                "token.create",
                "person",
                person_id,
                outcome="denied",
                detail={
                    "beyond_creator": sorted(s.value for s in beyond_actor),
                    "beyond_roles": sorted(s.value for s in beyond_roles),
                },
            )
            why = "the token or session creating it does not hold" if beyond_actor else "the owner's roles do not allow"
            raise Forbidden(f"a token may not carry scopes {why}: {names}")

    def token_principal(self, token: str, address: str = "") -> Principal:
        return self.token_principal_until(token, address)[0]

    def token_principal_until(self, token: str, address: str = "") -> tuple[Principal, datetime]:
        """The token's principal and when the token expires."""
        parts = parse_token(token)
        if parts is None:
            raise Unauthenticated("not an Imaging Hub API token")
        with self._c.reading() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.key_id == parts.key_id))
        now = self._c.clock()
        if row is None or not secret_matches(parts.secret, row.secret_hash):
            raise Unauthenticated("API token not recognised")
        if row.revoked_at is not None:
            raise Unauthenticated("API token revoked")
        if now >= row.expires_at:
            raise Unauthenticated("API token expired")
        scopes = frozenset(Scope(s) for s in row.scopes.split())
        principal = self.principal_for(row.person_id, via="token", address=address, scopes=scopes,
                                       token_name=row.key_id)
        return principal, row.expires_at

    def revoke_token(self, actor: Principal, key_id: str) -> None:
        with self._c.reading() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.key_id == key_id))
        if row is None:
            raise NotFound(f"no token {key_id}")
        self._c.require(
            (actor.is_administrator or actor.person_id == row.person_id) and actor.may(Scope.GOVERNANCE_WRITE),
            actor,
            "token.revoke",
            "token",
            key_id,
        )
        with self._c.transaction() as session:
            locked = session.scalar(select(ApiToken).where(ApiToken.key_id == key_id))
            if locked is not None and locked.revoked_at is None:
                locked.revoked_at = self._c.clock()
        self._c.record(actor, "token.revoke", "token", key_id)

    def tokens(self, actor: Principal) -> list[ApiToken]:
        with self._c.reading() as session:
            query = select(ApiToken).order_by(ApiToken.created_at.desc())
            if not actor.is_administrator:
                query = query.where(ApiToken.person_id == actor.person_id)
            tokens = list(session.scalars(query))
        self._c.record(actor, "token.list", "token", "*", detail={"count": len(tokens)})
        return tokens

    # DICOM peers ---------------------------------------------------------------------------------------------
    def map_dimse_peer(self, actor: Principal, ae_title: str, address: str, person_id: int) -> DimsePeer:
        self._c.require(
            actor.is_administrator and actor.may(Scope.GOVERNANCE_WRITE), actor, "dimse_peer.create", "ae", ae_title
        )
        ae_title = ae_title.strip()
        if not 1 <= len(ae_title) <= 16 or "\\" in ae_title:
            raise InvalidInput("AE title must be 1-16 characters without a backslash")
        address = address.strip()
        if not address:
            # Without an address the AE title alone would authenticate; "*" is that choice, made explicitly.
            raise InvalidInput("a DICOM peer needs the address it connects from ('*' for any, explicitly)")
        with self._c.transaction() as session:
            if session.get(Person, person_id) is None:
                raise NotFound(f"no person {person_id}")
            peer = DimsePeer(ae_title=ae_title, address=address, person_id=person_id)
            session.add(peer)
        self._c.record(actor, "dimse_peer.create", "ae", ae_title, detail={"address": peer.address})
        return peer

    def dimse_peers(self, actor: Principal) -> list[DimsePeer]:
        self._c.require(actor.is_administrator or actor.is_auditor, actor, "dimse_peer.list", "ae", "*")
        with self._c.reading() as session:
            peers = list(session.scalars(select(DimsePeer).order_by(DimsePeer.ae_title, DimsePeer.address)))
        self._c.record(actor, "dimse_peer.list", "ae", "*", detail={"count": len(peers)})
        return peers

    def remove_dimse_peer(self, actor: Principal, ae_title: str, address: str) -> None:
        """The AE title from that address no longer acts for anyone: its next association is refused."""
        ae_title, address = ae_title.strip(), address.strip()
        self._c.require(
            actor.is_administrator and actor.may(Scope.GOVERNANCE_WRITE), actor, "dimse_peer.delete", "ae", ae_title
        )
        with self._c.transaction() as session:
            peer = session.scalar(select(DimsePeer).where(DimsePeer.ae_title == ae_title, DimsePeer.address == address))
            if peer is not None:
                session.delete(peer)
        if peer is None:
            raise NotFound(f"no DICOM peer {ae_title} from {address or 'that address'}")
        self._c.record(actor, "dimse_peer.delete", "ae", ae_title, detail={"address": address})

    def dimse_principal(self, calling_ae: str, address: str) -> Principal:
        """The account a DICOM peer acts for: an exact address match wins over a wildcard one."""
        with self._c.reading() as session:
            peers = list(
                session.scalars(
                    select(DimsePeer).where(
                        DimsePeer.ae_title == calling_ae.strip(), DimsePeer.address.in_([address, "*"])
                    )
                )
            )
        if not peers:
            raise Unauthenticated("DICOM peer not mapped to an account")
        peer = min(peers, key=lambda p: p.address == "*")
        return self.principal_for(peer.person_id, via="dimse", address=address)

    # OIDC identities -----------------------------------------------------------------------------------------
    def person_for_oidc(self, subject: str, email: str | None) -> Person:
        """Find the account an identity provider vouched for: by subject, else by a verified email (then linked)."""
        with self._c.transaction() as session:
            person = session.scalar(select(Person).where(Person.oidc_subject == subject))
            if person is None and email:
                person = session.scalar(select(Person).where(Person.email == email.strip().lower()))
                if person is not None and person.oidc_subject is None:
                    person.oidc_subject = subject
            if person is None or not person.active:
                raise Unauthenticated("no active account for this identity; ask a network administrator")
            return person
