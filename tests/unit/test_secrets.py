import json
import pickle

import pytest

from sfprov.secrets import Secret, reveal


def test_a_secret_never_prints() -> None:
    s = Secret("hunter2")
    assert "hunter2" not in repr(s)
    assert "hunter2" not in str(s)
    assert "hunter2" not in f"{s} {s!r} {s:>20}"
    assert "hunter2" not in str([s, {"k": s}])
    assert s.reveal() == "hunter2"
    assert reveal(s) == "hunter2"
    assert reveal("plain") == "plain"
    assert reveal(None) is None


def test_a_secret_cannot_be_serialised() -> None:
    s = Secret("hunter2")
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        json.dumps({"password": s})


def test_equality_and_truthiness() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert not Secret("")
