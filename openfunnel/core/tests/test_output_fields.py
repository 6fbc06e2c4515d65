"""core.output: an output serializer's fields are built once per class and language; each instance binds copies."""

from __future__ import annotations

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
