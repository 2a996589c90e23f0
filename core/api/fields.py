from rest_framework import serializers
from rest_framework.fields import SkipField


class LabelField(serializers.CharField):
    """The Chinese label of a choice field (``get_FOO_display()``), read-only.

    ``CharField(source="get_state_display")`` answers the same, but DRF inspects the signature of a
    callable source for every cell (``fields.is_simple_callable``): a third of the filings API's time at
    500 a page. This calls the display method directly."""

    def __init__(self, field_name: str, **kwargs):
        self.choice_field = field_name
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        display = getattr(instance, f"get_{self.choice_field}_display", None)
        if display is None:  # not a model row (validated data): left out, as DRF leaves a missing source
            raise SkipField()
        return display()

    def to_representation(self, value):
        return str(value)  # as CharField writes what the method returns (None is written by the serializer)


class PlannedRepresentation:
    """A ``ModelSerializer`` mixin: each row (a model instance, not a dict) is represented through a plan
    made once per serializer.

    DRF's ``Serializer.to_representation`` asks every field of every row how to read its value
    (``Field.get_attribute`` walks the source, tests each step for a callable, catches the misses).
    For a list of hundreds of rows that walk is most of the time. The plan reads a model column with
    ``operator.attrgetter`` and writes it with the field's own ``to_representation`` (plain integers
    and strings as DRF writes them); anything else (relations through more than one step, ``source="*"``,
    method fields, properties) goes through the field as DRF does. A missing value is ``None`` either
    way. ``core/tests/test_api_fields.py`` holds the output equal to DRF's."""

    def _representation_plan(self) -> list:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = [_planned(field) for field in self._readable_fields]
        return plan

    def to_representation(self, instance):
        from rest_framework.fields import SkipField
        from rest_framework.relations import PKOnlyObject

        row = {}
        for field, read, write in self._representation_plan():
            if read is not None:
                value = read(instance)
                row[field.field_name] = None if value is None else write(value)
                continue
            try:  # Serializer.to_representation's own steps
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            row[field.field_name] = None if check is None else field.to_representation(attribute)
        return row


_AS_IS = {serializers.IntegerField: int, serializers.CharField: str}


def _planned(field) -> tuple:
    """(field, read, write): ``read`` None for a field DRF's way reads."""
    import operator

    from django.core.exceptions import FieldDoesNotExist
    from rest_framework import relations

    if (
        len(field.source_attrs) != 1
        or field.source == "*"
        or isinstance(field, serializers.SerializerMethodField)
    ):
        return field, None, None
    try:
        column = field.parent.Meta.model._meta.get_field(field.source)
    except (AttributeError, FieldDoesNotExist):
        return field, None, None  # a property or a method: DRF calls it
    if not column.concrete:
        return field, None, None
    if isinstance(field, relations.PrimaryKeyRelatedField):
        if type(field) is not relations.PrimaryKeyRelatedField or field.pk_field is not None:
            return field, None, None
        return field, operator.attrgetter(column.attname), lambda pk: pk  # DRF writes pk-only values so
    if column.is_relation:
        return field, None, None
    if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
        field.timezone = field.default_timezone()  # asked once per list, not once per cell
    return field, operator.attrgetter(column.attname), _AS_IS.get(type(field), field.to_representation)
