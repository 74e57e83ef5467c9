"""The plan on plain data: every lifecycle decision, without any network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sfprov.engine.plan import ActionKind, Catalogue, PlanInput, Safety, make_plan
from sfprov.mapping.config import MappingConfig, ScopingConfig
from sfprov.model import AppRoleAssignment, SourceUser
from sfprov.state import Link, LinkState

NOW = datetime(2026, 11, 23, tzinfo=UTC)
CATALOGUE = Catalogue(
    profiles={"standard user": "00eSTD", "chatter free user": "00eCHF", "system administrator": "00eADM"}
)


def person(uid: str, upn: str, *, enabled: bool = True, role: str | None = "Standard User", **attrs: Any) -> SourceUser:
    roles = (AppRoleAssignment(f"r-{role}", role, role, "User", uid),) if role else ()
    base = {
        "userPrincipalName": upn,
        "mail": upn,
        "givenName": "Ada",
        "surname": "Lovelace",
        "displayName": "Ada L",
        "accountEnabled": enabled,
        "preferredLanguage": "en-US",
    }
    return SourceUser(uid, {**base, **attrs}, app_role_assignments=roles)


def link(uid: str, target: str, exported: dict[str, Any] | None = None, state: LinkState = LinkState.ACTIVE) -> Link:
    import json

    return Link("job", uid, target, "", json.dumps(exported or {}), state, None, NOW, NOW)


def account(tid: str, username: str, *, active: bool = True, profile: str = "00eSTD", **fields: Any) -> dict[str, Any]:
    return {
        "Id": tid,
        "Username": username,
        "Email": username,
        "IsActive": active,
        "ProfileId": profile,
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Alias": username[:8],
        "LocaleSidKey": "en_US",
        **fields,
    }


def plan_for(
    users: list[SourceUser],
    *,
    in_scope: set[str] | None = None,
    links: list[Link] = (),  # type: ignore[assignment]
    targets: list[dict[str, Any]] = (),
    leaving: dict[str, Any] | None = None,  # type: ignore[assignment]
    safety: Safety | None = None,
    protected: frozenset[str] = frozenset(),
    mapping: MappingConfig | None = None,
    catalogue: Catalogue = CATALOGUE,
):  # type: ignore[no-untyped-def]
    candidates: dict[str, dict[str, list[str]]] = {"Username": {}}
    for t in targets:
        candidates["Username"].setdefault(t["Username"].casefold(), []).append(t["Id"])
    data = PlanInput(
        users={u.id: u for u in users},
        in_scope=frozenset(in_scope if in_scope is not None else {u.id for u in users}),
        leaving=leaving or {},
        links={lk.source_id: lk for lk in links},
        targets={t["Id"]: t for t in targets},
        candidates=candidates,
        catalogue=catalogue,
        mapping=mapping or MappingConfig(),
        scoping=ScopingConfig(),
        protected_ids=protected,
        linked_active=sum(1 for lk in links if lk.state is LinkState.ACTIVE),
    )
    return make_plan(data, safety)


def test_new_user_is_created_with_the_gallery_mapping() -> None:
    plan = plan_for([person("u1", "ada@contoso.com")])
    (action,) = plan.actions
    assert action.kind is ActionKind.CREATE
    assert action.values["Username"] == "ada@contoso.com"
    assert action.values["ProfileId"] == "00eSTD"
    assert action.values["Alias"] == "ada@cont"
    assert action.values["IsActive"] is True
    assert action.values["TimeZoneSidKey"] == "America/Los_Angeles"


def test_existing_account_is_adopted_by_username_not_duplicated() -> None:
    plan = plan_for([person("u1", "Ada@Contoso.com")], targets=[account("005A", "ada@contoso.com")])
    (action,) = plan.actions
    assert action.kind is ActionKind.ADOPT
    assert action.target_id == "005A"
    assert action.matched_by == "Username"


def test_two_candidates_is_an_error_not_a_guess() -> None:
    targets = [account("005A", "ada@contoso.com"), account("005B", "ADA@contoso.com")]
    (action,) = plan_for([person("u1", "ada@contoso.com")], targets=targets).actions
    assert action.kind is ActionKind.ERROR
    assert action.error_code == "AmbiguousMatch"


def test_integration_user_is_never_adopted_or_touched() -> None:
    (action,) = plan_for(
        [person("u1", "int@contoso.com")], targets=[account("005I", "int@contoso.com")], protected=frozenset({"005I"})
    ).actions
    assert action.kind is ActionKind.ERROR
    assert action.error_code == "MatchesIntegrationUser"


def test_attribute_change_follows_as_an_update_of_that_field_only() -> None:
    user = person("u1", "ada@contoso.com", surname="Byron")
    (action,) = plan_for([user], links=[link("u1", "005A")], targets=[account("005A", "ada@contoso.com")]).actions
    assert action.kind is ActionKind.UPDATE
    assert action.values == {"LastName": "Byron"}
    assert [(c.name, c.old, c.new) for c in action.changes] == [("LastName", "Lovelace", "Byron")]


def test_no_change_is_a_skip() -> None:
    (action,) = plan_for(
        [person("u1", "ada@contoso.com")], links=[link("u1", "005A")], targets=[account("005A", "ada@contoso.com")]
    ).actions
    assert action.kind is ActionKind.SKIP


def test_leaving_scope_deactivates_and_returning_reactivates() -> None:
    user = person("u1", "ada@contoso.com")
    (gone,) = plan_for(
        [user], in_scope=set(), links=[link("u1", "005A")], targets=[account("005A", "ada@contoso.com")]
    ).actions
    assert gone.kind is ActionKind.DISABLE
    assert gone.values == {"IsActive": False}
    (back,) = plan_for(
        [user],
        links=[link("u1", "005A", state=LinkState.DEACTIVATED)],
        targets=[account("005A", "ada@contoso.com", active=False)],
    ).actions
    assert back.kind is ActionKind.ENABLE
    assert back.values["IsActive"] is True


def test_disabled_in_entra_deactivates_but_never_creates() -> None:
    disabled = person("u1", "ada@contoso.com", enabled=False)
    (action,) = plan_for([disabled], links=[link("u1", "005A")], targets=[account("005A", "ada@contoso.com")]).actions
    assert action.kind is ActionKind.DISABLE
    (new,) = plan_for([person("u2", "bob@contoso.com", enabled=False)]).actions
    assert new.kind is ActionKind.SKIP


def test_deleted_user_known_only_from_the_link_is_deactivated() -> None:
    (action,) = plan_for(
        [], links=[link("u9", "005Z")], targets=[account("005Z", "gone@contoso.com")], leaving={"u9": "hard_deleted"}
    ).actions
    assert action.kind is ActionKind.DISABLE
    assert action.target_id == "005Z"


def test_skip_out_of_scope_deletions_keeps_unassigned_but_not_disabled() -> None:
    safety = Safety(skip_out_of_scope_deletions=True)
    kept = plan_for(
        [person("u1", "a@contoso.com")],
        in_scope=set(),
        links=[link("u1", "005A")],
        targets=[account("005A", "a@contoso.com")],
        safety=safety,
    ).actions[0]
    assert kept.kind is ActionKind.SKIP
    disabled = plan_for(
        [person("u1", "a@contoso.com", enabled=False)],
        links=[link("u1", "005A")],
        targets=[account("005A", "a@contoso.com")],
        safety=safety,
    ).actions[0]
    assert disabled.kind is ActionKind.DISABLE


def test_mass_deactivation_is_staged_above_the_threshold() -> None:
    users = [person(f"u{i}", f"p{i}@contoso.com") for i in range(20)]
    links = [link(f"u{i}", f"005{i:03d}") for i in range(20)]
    targets = [account(f"005{i:03d}", f"p{i}@contoso.com") for i in range(20)]
    plan = plan_for(users, in_scope={"u0"}, links=links, targets=targets, safety=Safety(max_deactivations=5))
    kinds = plan.counts()
    assert kinds["stagedDisable"] == 19
    assert "disable" not in kinds
    assert plan.staged_reason is not None
    assert "--allow-deactivations" in plan.staged_reason
    allowed = plan_for(
        users,
        in_scope={"u0"},
        links=links,
        targets=targets,
        safety=Safety(max_deactivations=5, allow_deactivations=True),
    )
    assert allowed.counts()["disable"] == 19


def test_conflicting_roles_and_default_access_are_per_user_errors() -> None:
    two = SourceUser(
        "u1",
        {"userPrincipalName": "a@contoso.com", "surname": "A", "mail": "a@contoso.com", "accountEnabled": True},
        app_role_assignments=(
            AppRoleAssignment("r1", "Standard User", "Standard User", "User", "u1"),
            AppRoleAssignment("r2", "System Administrator", "System Administrator", "Group", "g1"),
        ),
    )
    (action,) = plan_for([two]).actions
    assert action.kind is ActionKind.ERROR
    assert action.error_code == "MultipleAppRoles"


def test_unknown_profile_is_an_error_naming_it() -> None:
    (action,) = plan_for([person("u1", "a@contoso.com", role="Finance Analyst")]).actions
    assert action.kind is ActionKind.ERROR
    assert "Finance Analyst" in action.reason


def test_email_change_already_sent_is_not_resent_while_pending() -> None:
    user = person("u1", "ada@contoso.com", mail="ada.new@contoso.com")
    lk = link("u1", "005A", exported={"Email": "ada.new@contoso.com"})
    (action,) = plan_for([user], links=[lk], targets=[account("005A", "ada@contoso.com")]).actions
    assert "Email" not in action.values


def test_an_account_already_inactive_but_linked_active_is_recorded_not_skipped() -> None:
    """A kill after Salesforce deactivated the account but before sfprov recorded it: the next plan records it."""
    (action,) = plan_for(
        [person("u1", "ada@contoso.com")],
        in_scope=set(),
        links=[link("u1", "005A")],
        targets=[account("005A", "ada@contoso.com", active=False)],
    ).actions
    assert action.kind is ActionKind.DISABLE
    assert action.values == {}
    assert action.exported["IsActive"] is False
    (again,) = plan_for(
        [person("u1", "ada@contoso.com")],
        in_scope=set(),
        links=[link("u1", "005A", state=LinkState.DEACTIVATED)],
        targets=[account("005A", "ada@contoso.com", active=False)],
    ).actions
    assert again.kind is ActionKind.SKIP


def test_an_account_already_active_but_linked_inactive_is_recorded() -> None:
    for state in (LinkState.DEACTIVATED, LinkState.STAGED_FOR_DEACTIVATION):
        (action,) = plan_for(
            [person("u1", "ada@contoso.com")],
            links=[link("u1", "005A", state=state)],
            targets=[account("005A", "ada@contoso.com")],
        ).actions
        assert action.kind is ActionKind.ENABLE
        assert action.values == {}


# a profile given by id, as `sfprov profiles --publish` writes app role values (and as admins copy ids from Setup)
STD_18 = "00e5g000001AbCdEAZ"
IDS = Catalogue(
    profiles={"standard user": STD_18, STD_18.casefold(): STD_18},
    profile_short_ids={STD_18[:15]: STD_18},
)


def test_a_profile_given_by_its_18_character_id_resolves_in_any_case() -> None:
    for value in (STD_18, STD_18.upper(), STD_18.lower()):
        (action,) = plan_for([person("u1", "ada@contoso.com", role=value)], catalogue=IDS).actions
        assert action.kind is ActionKind.CREATE, action.reason
        assert action.values["ProfileId"] == STD_18


def test_a_15_character_id_resolves_only_in_its_exact_case() -> None:
    (action,) = plan_for([person("u1", "ada@contoso.com", role=STD_18[:15])], catalogue=IDS).actions
    assert action.values["ProfileId"] == STD_18
    (other,) = plan_for([person("u1", "ada@contoso.com", role=STD_18[:15].lower())], catalogue=IDS).actions
    assert other.kind is ActionKind.ERROR
    assert other.error_code == "UnknownProfile"
