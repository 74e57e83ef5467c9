"""User operations of the connector against the emulator: what Salesforce answers is the emulator's truth."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.errors import Conflict, InvalidField, LicenceLimit, StopCycle
from sfprov.targets.salesforce.client import RetryPolicy, SalesforceClient
from sfprov.targets.salesforce.transport import DryRunBlocked
from sfprov.targets.salesforce.users import SalesforceUsers

from .conftest import Org, run


def user(n: int | str, domain: str, profile_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "Username": f"user{n}@{domain}",
        "LastName": f"User {n}",
        "FirstName": "Test",
        "Email": f"user{n}@{domain}",
        "Alias": f"u{n}"[:8],
        "TimeZoneSidKey": "America/Los_Angeles",
        "LocaleSidKey": "en_US",
        "LanguageLocaleKey": "en_US",
        "EmailEncodingKey": "UTF-8",
        "ProfileId": profile_id,
        **extra,
    }


async def profile_id(users: SalesforceUsers, name: str) -> str:
    catalogue = await users.catalogue()
    found = catalogue.profile_id(name)
    assert found is not None
    return found


def test_create_in_collections_one_bad_record_never_sinks_the_others(fresh: Org) -> None:
    domain = f"{fresh.info['my_domain']}.example"

    async def go(sf: SalesforceClient) -> None:
        users = SalesforceUsers(sf)
        chatter = await profile_id(users, "Chatter Free User")
        records = [user(i, domain, chatter) for i in range(90)]
        records[10]["Username"] = "taken.elsewhere@contoso.com"  # a foreign org's user
        records[20].pop("LastName")
        records[30]["TimeZoneSidKey"] = "Mars/Olympus_Mons"
        results = await users.create(records)
        assert len(results) == 90
        failed = {i: r.error for i, r in enumerate(results) if not r.success}
        assert set(failed) == {10, 20, 30}
        assert isinstance(failed[10], Conflict)
        assert failed[10].code == "DUPLICATE_USERNAME"
        assert isinstance(failed[20], InvalidField)
        assert failed[20].code == "REQUIRED_FIELD_MISSING"
        assert failed[30].code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
        assert all(r.id and r.id.startswith("005") for i, r in enumerate(results) if i not in failed)
        assert sf.calls.by_kind["collection"] == 1

    async def main() -> None:
        async with fresh.client() as sf:
            await go(sf)

    run(main())


def test_more_than_200_records_take_several_calls(fresh: Org) -> None:
    domain = f"many.{fresh.info['my_domain']}.example"

    async def main() -> None:
        async with fresh.client(concurrency=3) as sf:
            users = SalesforceUsers(sf)
            chatter = await profile_id(users, "Chatter Free User")
            # 100 Chatter Free licences: the first 99 (one already used by nobody) fit, the rest must fail
            results = await users.create([user(i, domain, chatter) for i in range(120)])
            created = [r for r in results if r.success]
            refused = [r for r in results if not r.success]
            assert len(created) == 100
            assert len(refused) == 20
            assert all(isinstance(r.error, LicenceLimit) for r in refused)
            found = await users.find_by("Username", [f"user{i}@{domain}" for i in range(120)])
            assert len(found) == 100

    run(main())


def test_lookup_by_matching_attribute_is_case_insensitive_and_injection_safe(fresh: Org) -> None:
    domain = f"look.{fresh.info['my_domain']}.example"

    async def main() -> None:
        async with fresh.client() as sf:
            users = SalesforceUsers(sf)
            chatter = await profile_id(users, "Chatter Free User")
            quoted = user("quote", domain, chatter, Username=f"o'brien@{domain}", FederationIdentifier="Fed-1")
            assert (await users.create([quoted, user(2, domain, chatter)]))[0].success
            found = await users.find_by("Username", [f"O'Brien@{domain}".lower(), f"x' OR Username != 'y@{domain}"])
            assert list(found) == [f"o'brien@{domain}"]
            by_fed = await users.find_by("FederationIdentifier", ["Fed-1"])
            assert by_fed["fed-1"][0]["Username"] == f"o'brien@{domain}"

    run(main())


def test_deactivate_frees_the_licence_and_reactivate_takes_it_back(fresh: Org) -> None:
    domain = f"life.{fresh.info['my_domain']}.example"

    async def main() -> None:
        async with fresh.client() as sf:
            users = SalesforceUsers(sf)
            standard = await profile_id(users, "Standard User")
            before = (await users.catalogue()).profiles["standard user"].free_seats
            (created,) = await users.create([user(1, domain, standard)])
            assert created.id is not None
            assert (await users.catalogue()).profiles["standard user"].free_seats == before - 1
            (off,) = await users.set_active([created.id], False)
            assert off.success
            assert (await users.catalogue()).profiles["standard user"].free_seats == before
            (frozen,) = await users.set_frozen([created.id], True)
            assert frozen.success
            (on,) = await users.set_active([created.id], True)
            assert on.success
            record = (await users.find_by("Id", [created.id]))[created.id.casefold()][0]
            assert record["IsActive"] is True

    run(main())


def test_permission_sets_by_difference(fresh: Org) -> None:
    domain = f"ps.{fresh.info['my_domain']}.example"

    async def main() -> None:
        async with fresh.client() as sf:
            users = SalesforceUsers(sf)
            catalogue = await users.catalogue()
            standard = catalogue.profile_id("Standard User")
            assert standard is not None
            (created,) = await users.create([user(1, domain, standard)])
            uid = created.id
            assert uid is not None
            sales = catalogue.permission_sets["sales_operations"]
            reports = catalogue.permission_sets["reports_viewer"]
            current = await users.permission_set_assignments([uid])
            added, removed = await users.apply_permission_sets({uid: {sales, reports}}, current)
            assert [r.success for r in added] == [True, True]
            assert removed == []
            current = await users.permission_set_assignments([uid])
            assert set(current[uid]) == {sales, reports}
            added, removed = await users.apply_permission_sets({uid: {reports}}, current)
            assert added == []
            assert [r.success for r in removed] == [True]
            assert set((await users.permission_set_assignments([uid]))[uid]) == {reports}

    run(main())


def test_reading_all_users_pages_past_2000(fresh: Org) -> None:
    from sfprov.emulators.salesforce.seed import seed_bulk

    org = fresh.emulator.state.org_by_id(fresh.org_id)
    assert org is not None
    with fresh.emulator.runtime.lock:
        seed_bulk(org, 4500, domain=f"bulk.{fresh.info['my_domain']}.example")

    async def main() -> None:
        async with fresh.client() as sf:
            rows = await SalesforceUsers(sf).read_all(["FirstName"])
            assert len(rows) >= 4501
            assert len({r["Id"] for r in rows}) == len(rows)
            assert sf.calls.by_kind["query"] == 3

    run(main())


def test_503_storm_and_dropped_connections_are_retried(fresh: Org) -> None:
    """10 % of calls answered 503 and 10 % dropped (the reliability issue's figures): every read still succeeds."""
    fresh.emulator.admin.set_faults(rate_503=0.1, rate_drop=0.1, seed=11)

    async def main() -> None:
        async with fresh.client(retry=RetryPolicy(attempts=8, base_seconds=0.01, cap_seconds=0.05)) as sf:
            counts = {await sf.count("SELECT COUNT() FROM User") for _ in range(40)}
            assert len(counts) == 1
            assert sf.calls.by_kind["query"] > 40

    run(main())


def test_locked_rows_come_back_per_record_as_transient(fresh: Org) -> None:
    from sfprov.errors import Transient

    domain = f"lock.{fresh.info['my_domain']}.example"
    fresh.emulator.admin.set_faults(rate_lock_row=0.5, seed=5)

    async def main() -> None:
        async with fresh.client() as sf:
            users = SalesforceUsers(sf)
            chatter = await profile_id(users, "Chatter Free User")
            results = await users.create([user(i, domain, chatter) for i in range(40)])
            locked = [r for r in results if not r.success]
            assert locked
            assert all(isinstance(r.error, Transient) and r.error.code == "UNABLE_TO_LOCK_ROW" for r in locked)
            assert any(r.success for r in results)

    run(main())


def test_spent_allowance_stops_writes(fresh: Org) -> None:
    async def main() -> None:
        async with fresh.client() as sf:
            users = SalesforceUsers(sf)
            await users.catalogue()
            fresh.emulator.admin.spend_allowance(fresh.org_id)
            with pytest.raises(StopCycle):
                await sf.limits()

    run(main())


def test_reserve_stops_writes_before_the_org_runs_dry(fresh: Org) -> None:
    maximum = int(fresh.info["daily_api_requests"])
    fresh.emulator.admin.set_api_usage(fresh.org_id, maximum - int(maximum * 0.2) - 1)

    async def main() -> None:
        async with fresh.client() as sf:
            users = SalesforceUsers(sf)
            chatter = await profile_id(users, "Chatter Free User")  # a read reports the usage
            with pytest.raises(StopCycle) as info:
                await users.create([user(1, "reserve.example", chatter)])
            assert info.value.code == "API_RESERVE_REACHED"

    run(main())


def test_dry_run_never_writes(fresh: Org) -> None:
    async def main() -> None:
        async with fresh.client(dry_run=True) as sf:
            users = SalesforceUsers(sf)
            chatter = await profile_id(users, "Chatter Free User")
            before = await sf.count("SELECT COUNT() FROM User")
            with pytest.raises(DryRunBlocked):
                await users.create([user(1, "dry.example", chatter)])
            assert await sf.count("SELECT COUNT() FROM User") == before

    run(main())
