"""Configuration of the mapping and scoping sections: inference, merging with the defaults, and error paths."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sfprov.errors import ConfigError
from sfprov.mapping.config import (
    Flow,
    MappingConfig,
    MappingType,
    ScopingConfig,
    describe_errors,
    load_sections,
)
from sfprov.mapping.scoping_operators import ScopingOperator


def _errors(model: type[MappingConfig] | type[ScopingConfig], data: dict[str, Any], root: str) -> list[str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return describe_errors(info.value, root)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {
                "attributes": [{"target": "Title", "source": "jobTitle"}] * 3
                + [{"target": "Department", "expression": "Mid([department], 1, 8"}]
            },
            "mapping.attributes[3].expression: Expected ')' to close Mid( at column 23",
        ),
        (
            {"attributes": [{"target": "Titel", "source": "jobTitle"}]},
            "mapping.attributes[0].target: 'Titel' is not a Salesforce User field sfprov knows. Did you mean Title?",
        ),
        (
            {"attributes": [{"target": "Title", "type": "direct"}]},
            "mapping.attributes[0].source: a mapping of type direct needs 'source'",
        ),
        (
            {"attributes": [{"target": "Title", "type": "constant", "value": "x", "source": "jobTitle"}]},
            "mapping.attributes[0].source: not used by a mapping of type constant; remove it",
        ),
        (
            {"attributes": [{"target": "Title", "source": "jobTitle", "flow": "sometimes"}]},
            "mapping.attributes[0].flow: unknown flow 'sometimes'",
        ),
        (
            {"attributes": [{"target": "Title", "source": "jobTitle", "expresion": "x"}]},
            "mapping.attributes[0].expresion: unknown key",
        ),
        (
            {"attributes": [{"target": "Title"}]},
            "mapping.attributes[0].default: a mapping of type none sends only its default; give one",
        ),
        (
            {"attributes": [{"target": "ProfileName", "source": "department", "matching": 2}]},
            "mapping.attributes[0].matching: ProfileName cannot be a matching attribute",
        ),
        (
            {"attributes": [{"target": "Email", "source": "mail", "matching": 1}]},
            "mapping.attributes[0].matching: matching precedence 1 is also given to Username",
        ),
        ({"remove": ["Username"]}, "mapping.attributes: no matching attribute"),
        ({"remove": ["Usernam"]}, "mapping.remove[0]: 'Usernam' is not a Salesforce User field"),
        ({"profile_source": "group_rules"}, "mapping.profile_rules: profile_source group_rules needs at least one"),
        ({"sandbox": {"name": "dev 1"}}, "mapping.sandbox.name: a sandbox name is 1-10 letters and digits"),
        ({"sandbox": {"email_suffix": "invalid"}}, "mapping.sandbox.email_suffix: 'invalid' would not keep"),
        ({"picklists": {"Title": ["x"]}}, "mapping.picklists.Title: not a picklist field"),
        ({"defaults": "galery"}, "mapping.defaults: Input should be 'gallery', 'recommended' or 'none'"),
        (
            {"attributes": [{"target": "Title", "source": "jobTitle"}, {"target": "title", "source": "department"}]},
            "mapping.attributes[1].target: Title is already mapped by attributes[0]",
        ),
    ],
)
def test_mapping_errors_point_at_the_key(data: dict[str, Any], expected: str) -> None:
    lines = _errors(MappingConfig, data, "mapping")
    assert any(line.startswith(expected) for line in lines), lines


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"filters": [{"clauses": [{"attribute": "department", "operator": "LIKE", "value": "x"}]}]},
            "scoping.filters[0].clauses[0].operator: unknown scoping operator 'LIKE'",
        ),
        (
            {"filters": [{"clauses": [{"attribute": "employeeId", "operator": "Greater_Than", "value": "ten"}]}]},
            "scoping.filters[0].clauses[0].value: Greater_Than compares integers; 'ten' is not one",
        ),
        (
            {"filters": [{"clauses": [{"attribute": "mail", "operator": "REGEX MATCH", "value": "(unclosed"}]}]},
            "scoping.filters[0].clauses[0].value: invalid regular expression",
        ),
        (
            {"filters": [{"clauses": [{"attribute": "mail", "operator": "IS NULL", "value": "x"}]}]},
            "scoping.filters[0].clauses[0].value: operator IS NULL takes no value",
        ),
        (
            {"filters": [{"clauses": [{"attribute": "mail", "operator": "EQUALS"}]}]},
            "scoping.filters[0].clauses[0].value: operator EQUALS needs a value",
        ),
        (
            {"filters": [{"clauses": [{"attribute": "appRoleAssignments", "operator": "IS NOT NULL"}]}]},
            "scoping.filters[0].clauses[0].attribute: 'appRoleAssignments' cannot be used in a scoping filter",
        ),
        (
            {"filters": [{"title": "empty", "clauses": []}]},
            "scoping.filters[0].clauses: Tuple should have at least 1 item",
        ),
    ],
)
def test_scoping_errors_point_at_the_key(data: dict[str, Any], expected: str) -> None:
    lines = _errors(ScopingConfig, data, "scoping")
    assert any(line.startswith(expected) for line in lines), lines


def test_type_is_inferred_and_flow_aliases_are_accepted() -> None:
    config = MappingConfig.model_validate(
        {
            "attributes": [
                {"target": "title", "source": "[jobTitle]", "flow": "Only during creation"},
                {"target": "Department", "value": "Sales", "flow": "ObjectAddOnly"},
                {"target": "Division", "expression": "ToLower([department])"},
                {"target": "Country", "default": "DE"},
            ]
        }
    )
    title, department, division, country = config.attributes
    assert (title.target, title.kind, title.source, title.flow) == (
        "Title",
        MappingType.DIRECT,
        "jobTitle",
        Flow.ON_CREATE,
    )
    assert (department.kind, department.flow) == (MappingType.CONSTANT, Flow.ON_CREATE)
    assert division.kind is MappingType.EXPRESSION
    assert country.kind is MappingType.NONE


def test_attributes_override_defaults_and_remove_drops_them() -> None:
    config = MappingConfig.model_validate(
        {
            "defaults": "gallery",
            "remove": ["UserPermissionsOfflineUser"],
            "attributes": [
                {"target": "TimeZoneSidKey", "value": "Europe/Berlin"},
                {"target": "Title", "source": "jobTitle"},
            ],
        }
    )
    targets = [a.target for a in config.effective_attributes()]
    assert "UserPermissionsOfflineUser" not in targets
    assert targets[-1] == "Title"
    timezone = next(a for a in config.effective_attributes() if a.target == "TimeZoneSidKey")
    assert timezone.kind is MappingType.CONSTANT
    assert timezone.value == "Europe/Berlin"


def test_custom_and_unchecked_fields_are_accepted() -> None:
    config = MappingConfig.model_validate(
        {
            "attributes": [
                {"target": "Cost_Center__c", "source": "extensionAttribute1"},
                {"target": "UserPermissionsKnowledgeUser", "value": True},
                {"target": "CallCenterId", "source": "extensionAttribute2", "unchecked": True},
            ]
        }
    )
    assert [a.target for a in config.attributes] == ["Cost_Center__c", "UserPermissionsKnowledgeUser", "CallCenterId"]


def test_scoping_operators_accept_entra_spellings_in_any_case() -> None:
    config = ScopingConfig.model_validate(
        {
            "filters": [
                {
                    "clauses": [
                        {"attribute": "a", "operator": "not_equals", "value": "x"},
                        {"attribute": "a", "operator": "greater than or equals", "value": 3},
                        {"attribute": "a", "operator": "is not null"},
                        {"attribute": "a", "operator": "!&", "value": "x"},
                    ]
                }
            ]
        }
    )
    assert [c.operator for c in config.filters[0].clauses] == [
        ScopingOperator.NOT_EQUALS,
        ScopingOperator.GREATER_THAN_OR_EQUALS,
        ScopingOperator.IS_NOT_NULL,
        ScopingOperator.NOT_EXISTS_IN,
    ]


def test_load_sections_raises_one_config_error_listing_every_problem() -> None:
    raw = {
        "mapping": {"attributes": [{"target": "Nope", "source": "x"}]},
        "scoping": {"filters": [{"clauses": [{"attribute": "a", "operator": "EQUALS"}]}]},
    }
    with pytest.raises(ConfigError) as info:
        load_sections(raw)
    text = str(info.value)
    assert "mapping.attributes[0].target:" in text
    assert "scoping.filters[0].clauses[0].value:" in text
    assert "Fix:" in text


def test_load_sections_defaults_to_the_gallery_mapping_without_filters() -> None:
    mapping, scoping = load_sections({})
    assert mapping.defaults == "gallery"
    assert len(mapping.effective_attributes()) == 14
    assert scoping.filters == ()


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ({"target": "ProfileId", "value": "00e000000000001AAA"}, "map ProfileName instead of ProfileId"),
        ({"target": "Title", "value": ["a", "b"]}, "Title takes one value, not a list"),
        ({"target": "Title", "expression": "SelectUniqueValue([a], [b])"}, "SelectUniqueValue is not supported"),
    ],
)
def test_attribute_messages(attribute: dict[str, Any], expected: str) -> None:
    lines = _errors(MappingConfig, {"attributes": [attribute]}, "mapping")
    assert any(expected in line for line in lines), lines


def test_remove_must_name_a_default_mapping() -> None:
    lines = _errors(MappingConfig, {"remove": ["Title"]}, "mapping")
    assert lines == ["mapping.remove[0]: Title is not mapped by the 'gallery' defaults"]


def test_what_the_source_must_read() -> None:
    gallery = MappingConfig()
    assert gallery.reads_app_roles()
    assert not gallery.reads_group_memberships()
    grouped = MappingConfig.model_validate(
        {
            "profile_source": "group_rules",
            "profile_rules": [{"group": "Sales", "profile": "Standard User"}],
        }
    )
    assert grouped.reads_group_memberships()
    assert not grouped.reads_app_roles()
