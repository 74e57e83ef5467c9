"""Replace: the five documented argument combinations, with the docs' examples as rows."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.expressions import ExpressionEvaluationError

from .conftest import run

PHONE = '"\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})"'


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        # 1. oldValue + replacementValue
        (
            'Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )',
            {"BusinessTitle": "Product Developer"},
            "Software Engineer",
        ),  # doc example 1
        ('Replace([mail], "@contoso.com", , ,"", ,)', {"mail": "john.doe@contoso.com"}, "john.doe"),  # doc
        ('Replace([preferredLanguage], "-", , , "_", , )', {"preferredLanguage": "en-US"}, "en_US"),  # Salesforce
        ('Replace([x], "A", , , "b", , )', {"x": "aAaA"}, "abab"),  # case-sensitive
        ('Replace([x], "-", , , "_", , )', {}, None),
        # 2. oldValue + template
        (
            'Replace([UserID],"<username>", , , , , "<username>@contoso.com")',
            {"UserID": "jsmith"},
            "jsmith@contoso.com",
        ),  # doc example 2
        # 3. regexPattern + replacementValue
        (
            f'Replace([telephoneNumber], , {PHONE}, , "${{phoneNumber}}", , )',
            {"telephoneNumber": "+91 9998887777"},
            "9998887777",
        ),  # doc example 3
        ('Replace([mobile], , "[()\\\\s-]+", , "", , )', {"mobile": "+1 (999) 888-7777"}, "+19998887777"),  # doc
        ('Replace([mailNickname], , "[a-zA-Z_]*", , "", , )', {"mailNickname": "john_doe72"}, "72"),  # doc example 6
        ('Replace([x], , "(\\\\w+)@(\\\\w+)", , "$2 at $1 ($$) $&", , )', {"x": "me@home"}, "home at me ($) me@home"),
        ('Replace([x], , "(?\'first\'a)b\\\\k<first>", , "[${first}]", , )', {"x": "abab aba"}, "[a]b [a]"),
        # 4. regexPattern + regexGroupName + replacementValue
        (
            'Replace([AddressLineData], ,"(?<streetNumber>^\\\\d*)","streetNumber", "888", , )',
            {"AddressLineData": "545 Tremont Street"},
            "888 Tremont Street",
        ),  # doc example 4
        (
            'Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )',
            {"userPrincipalName": "jsmith@contoso.com"},
            "jsmith",
        ),  # doc example 4b
        # 5. regexPattern + regexGroupName + replacementAttributeName
        (
            f'Replace([telephoneNumber], , {PHONE}, "phoneNumber" , , [mobile], )',
            {"telephoneNumber": "", "mobile": "+91 8887779999"},
            "8887779999",
        ),  # doc example 5
        (
            f'Replace([telephoneNumber], , {PHONE}, "phoneNumber" , , [mobile], )',
            {"telephoneNumber": "+1 555", "mobile": "+91 8887779999"},
            "+1 555",
        ),
        (
            f'Replace([telephoneNumber], , {PHONE}, "phoneNumber" , , [mobile], )',
            {"mobile": "no digits"},
            None,
        ),
    ],
)
def test_replace(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"x": "a", "old": ""}, "Replace: oldValue must not be empty"),
        ({"x": "a", "pattern": "(unclosed"}, "Replace: regexPattern: invalid regular expression"),
        ({"x": "a", "pattern": "(?<g>a)", "group": "h"}, "Replace: regexGroupName 'h' is not a named group"),
    ],
)
def test_replace_runtime_errors(attributes: dict[str, Any], message: str) -> None:
    text = (
        'Replace([x], [old], , , "y", , )'
        if "old" in attributes
        else 'Replace([x], , [pattern], [group], "y", , )'
        if "group" in attributes
        else 'Replace([x], , [pattern], , "y", , )'
    )
    with pytest.raises(ExpressionEvaluationError) as caught:
        run(text, attributes)
    assert caught.value.reason.startswith(message)
