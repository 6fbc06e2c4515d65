"""core.output: an output serializer's fields are built once per class and language; each instance binds copies."""

from __future__ import annotations

import copy

from django.utils import translation
from rest_framework import serializers

from openfunnel.core import output
from openfunnel.core.output import OutputModelSerializer
from openfunnel.customers.models import Tag


class TagOut(OutputModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


def test_built_once_per_language_and_bound_per_instance(monkeypatch):
    built = []
    original = serializers.ModelSerializer.get_fields

    def counting(self):
        built.append(translation.get_language())
        return original(self)

    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", counting)
    monkeypatch.setattr(output, "_field_prototypes", {})   # whatever other tests built before
    labels = {}
    for language in ("en", "zh-hans", "en", "zh-hans"):
        with translation.override(language):
            first, second = TagOut(), TagOut()
            assert first.fields["name"] is not second.fields["name"]
            assert first.fields["name"].parent is first and second.fields["name"].parent is second
            labels.setdefault(language, set()).add(str(first.fields["name"].label))
    assert sorted(built) == ["en", "zh-hans"]   # once per language, whatever the number of instances
    assert labels["en"] == {"Name"} and labels["zh-hans"] != labels["en"]


def test_it_answers_as_the_plain_serializer(db):
    tag = Tag.objects.create(name="Key account")

    class Plain(serializers.ModelSerializer):
        class Meta:
            model = Tag
            fields = ["id", "name"]

    assert TagOut(tag).data == Plain(tag).data == {"id": tag.pk, "name": "Key account"}


def _unbound_state(field):
    """What a field holds besides its binding (and DRF's record of its arguments)."""
    return {k: v for k, v in vars(field).items() if k not in ("field_name", "parent", "source", "source_attrs",
                                                               "_args", "_kwargs", "_validators")}


def test_leaf_fields_are_shallow_copies_equal_to_drfs_deep_copies():
    """The customer's answer (every kind of field the API writes): a leaf field's shallow copy holds what DRF's
    deepcopy (the field built anew from its arguments) holds; the others are DRF's deep copies, with their
    children bound to them."""
    from openfunnel.customers.api import CustomerSerializer

    first, second = CustomerSerializer(), CustomerSerializer()
    assert first.fields and second.fields   # built (the prototypes too)
    prototypes = output._field_prototypes[(CustomerSerializer, translation.get_language())]
    leaves = 0
    for name, prototype in prototypes.items():
        assert prototype.parent is None if hasattr(prototype, "parent") else True   # never bound
        mine, theirs = first.fields[name], second.fields[name]
        assert mine is not theirs and mine is not prototype
        assert mine.parent is first and theirs.parent is second
        if type(prototype) in output._LEAF_FIELDS:
            leaves += 1
            rebuilt = copy.deepcopy(prototype)
            rebuilt.bind(field_name=name, parent=first)
            state = _unbound_state(mine)
            assert set(state) == set(_unbound_state(rebuilt)) | ({"validators"} & set(state)), name
            for key, value in _unbound_state(rebuilt).items():
                assert repr(state[key]) == repr(value) or key == "_creation_counter", (name, key)
        for child in ("child", "child_relation"):
            if hasattr(mine, child):
                assert getattr(mine, child).parent is mine and getattr(mine, child) is not getattr(theirs, child)
    assert leaves > 20


def test_a_field_changed_on_one_instance_is_not_changed_on_another():
    first, label = TagOut(), TagOut().fields["name"].label
    first.fields["name"].label = "Changed"
    first.fields["name"].read_only = True
    assert TagOut().fields["name"].label == label != "Changed" and not TagOut().fields["name"].read_only
