"""Person accounts, web clients and authorization codes in the registry, on SQLite and
PostgreSQL."""

from __future__ import annotations

import time

import anyio
import pytest

from connector.errors import ConfigError
from issuer import Account, ParticipantRegistry
from issuer.accounts import AuthorizationCode, Login
from issuer.passwords import check_password

pytestmark = pytest.mark.anyio
DPD = "https://guichet.agglo-larochelle.fr/participants/cda/dpd/claire-martin"
CALLBACK = "http://127.0.0.1:8104/console/callback"
PASSWORD = "a long enough password"


async def test_accounts_are_added_listed_and_checked(database_url: str) -> None:
    registry = ParticipantRegistry(database_url)
    try:
        added = await registry.add_account(
            "dpd", iri=DPD, name="Claire Martin", roles=["dpd", "staff"], password=PASSWORD
        )
        await registry.add_account(
            "agent", iri=f"{DPD}-agent", name="Agent", roles=["staff"], password=PASSWORD + "!"
        )
        assert added == Account("dpd", DPD, "Claire Martin", ("dpd", "staff"), added.created_at)
        assert [a.username for a in await registry.accounts()] == ["agent", "dpd"]
        assert await registry.account("dpd") == added
        assert await registry.account("nobody") is None
        assert await registry.check_login("dpd", PASSWORD) == added
        assert await registry.check_login("dpd", PASSWORD + "!") is Login.WRONG
        assert await registry.check_login("nobody", PASSWORD) is Login.WRONG
        with pytest.raises(ConfigError, match="'dpd' already exists"):
            await registry.add_account("dpd", iri=DPD, name="X", roles=[], password=PASSWORD)
    finally:
        await registry.aclose()


async def test_the_fifth_failure_locks_until_the_lock_expires(database_url: str) -> None:
    registry = ParticipantRegistry(database_url)
    try:
        await registry.add_account("dpd", iri=DPD, name="C", roles=["dpd"], password=PASSWORD)
        now = 1_800_000_000.0
        outcomes = [await registry.check_login("dpd", "nope", now=now) for _ in range(5)]
        assert outcomes == [Login.WRONG] * 4 + [Login.LOCKED]
        assert await registry.check_login("dpd", PASSWORD, now=now + 299) is Login.LOCKED
        account = await registry.check_login("dpd", PASSWORD, now=now + 300)
        assert isinstance(account, Account) and account.username == "dpd"
        stored = await registry.account("dpd")
        assert stored is not None and stored.failed_logins == 0 and stored.locked_until is None
    finally:
        await registry.aclose()


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"username": "has space"}, "username"),
        ({"username": ""}, "username"),
        ({"iri": "claire"}, "iri"),
        ({"name": " "}, "name"),
        ({"roles": [""]}, "roles"),
        ({"password": "short"}, "password"),
    ],
)
async def test_bad_accounts_name_the_field(
    sqlite_url: str, kwargs: dict[str, object], key: str
) -> None:
    registry = ParticipantRegistry(sqlite_url)
    args: dict[str, object] = {
        "username": "dpd",
        "iri": DPD,
        "name": "C",
        "roles": ["dpd"],
        "password": PASSWORD,
    }
    args.update(kwargs)
    try:
        with pytest.raises(ConfigError) as info:
            await registry.add_account(
                str(args.pop("username")),
                **args,  # type: ignore[arg-type]
            )
    finally:
        await registry.aclose()
    assert [issue.key for issue in info.value.issues] == [key]


async def test_the_password_is_stored_as_an_owasp_scrypt_hash(sqlite_url: str) -> None:
    registry = ParticipantRegistry(sqlite_url)
    try:
        await registry.add_account("dpd", iri=DPD, name="C", roles=[], password=PASSWORD)
        async with registry.engine.connect() as conn:
            from sqlalchemy import text

            stored = (
                await conn.execute(text("SELECT password_hash FROM issuer_accounts"))
            ).scalar()
    finally:
        await registry.aclose()
    assert isinstance(stored, str)
    assert stored.startswith("scrypt$131072$8$1$")
    assert check_password(PASSWORD, stored) and PASSWORD not in stored


async def test_web_clients(database_url: str) -> None:
    registry = ParticipantRegistry(database_url)
    try:
        client = await registry.add_web_client(
            "guichet-console", name="Console DPD", redirect_uris=[CALLBACK]
        )
        assert client.redirect_uris == (CALLBACK,)
        assert await registry.web_client("guichet-console") == client
        assert await registry.web_clients() == [client]
        assert await registry.web_client("other") is None
        with pytest.raises(ConfigError, match="already exists"):
            await registry.add_web_client("guichet-console", name="X", redirect_uris=[CALLBACK])
        creds = await registry.register(DPD, "Participant", [], [])
        with pytest.raises(ConfigError, match="already exists"):
            await registry.add_web_client(creds.client_id, name="X", redirect_uris=[CALLBACK])
    finally:
        await registry.aclose()


@pytest.mark.parametrize(
    ("uris", "expected"),
    [
        ([], "expected at least one redirect URI"),
        (["/console/callback"], "expected an absolute http(s) URL"),
        (["http://console.example/cb"], "plain http is accepted on loopback only"),
        (["https://console.example/cb#x"], "a redirect URI has no fragment"),
        (["ftp://127.0.0.1/cb"], "expected an absolute http(s) URL"),
    ],
)
async def test_bad_redirect_uris_are_refused(
    sqlite_url: str, uris: list[str], expected: str
) -> None:
    registry = ParticipantRegistry(sqlite_url)
    try:
        with pytest.raises(ConfigError, match="redirect_uris") as info:
            await registry.add_web_client("app", name="App", redirect_uris=uris)
    finally:
        await registry.aclose()
    assert expected in str(info.value)


async def test_https_and_loopback_redirect_uris_are_accepted(sqlite_url: str) -> None:
    registry = ParticipantRegistry(sqlite_url)
    uris = ["https://console.example/cb", "http://localhost:8080/cb", "http://[::1]:8080/cb"]
    try:
        client = await registry.add_web_client("app", name="App", redirect_uris=uris)
    finally:
        await registry.aclose()
    assert client.redirect_uris == tuple(uris)


def a_code(expires_at: int, client_id: str = "guichet-console") -> AuthorizationCode:
    return AuthorizationCode(
        client_id=client_id,
        redirect_uri=CALLBACK,
        username="dpd",
        scope="read",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        resources=("http://127.0.0.1:8101",),
        expires_at=expires_at,
    )


async def test_a_code_is_taken_once_by_its_client_before_it_expires(database_url: str) -> None:
    registry = ParticipantRegistry(database_url)
    now = int(time.time())
    try:
        await registry.save_code("code-1", a_code(now + 60))
        assert await registry.take_code("code-1", "guichet-console") == a_code(now + 60)
        assert await registry.take_code("code-1", "guichet-console") is None

        await registry.save_code("code-2", a_code(now + 60))
        assert await registry.take_code("code-2", "other-client") is None
        assert await registry.take_code("code-2", "guichet-console") is None  # burnt

        await registry.save_code("code-3", a_code(now + 60))
        assert await registry.take_code("code-3", "guichet-console", now=now + 60) is None

        await registry.save_code("code-4", a_code(now + 60))
        taken: list[AuthorizationCode | None] = []

        async def take() -> None:
            taken.append(await registry.take_code("code-4", "guichet-console"))

        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(take)
        assert sum(t is not None for t in taken) == 1
    finally:
        await registry.aclose()


def test_generated_client_ids_are_valid_client_ids() -> None:
    """Every id ``register`` draws passes the rule a web client's id is held to (one
    ``token_urlsafe`` in 32 starts with ``-`` or ``_``: 2,000 draws miss none)."""
    from issuer.account_checks import CLIENT_ID
    from issuer.registry import new_client_id

    ids = {new_client_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert [i for i in ids if not CLIENT_ID.fullmatch(i)] == []
