"""Template filters of the portal's vocabulary (core.vocabulary): ``{% load vocabulary %}``."""

from django import template
from django.utils.html import format_html

from core import vocabulary

register = template.Library()


@register.filter
def yesno_zh(value):
    return vocabulary.yes_no(value)


@register.filter
def readable(value):
    return vocabulary.value_text(value)


@register.filter
def rule(rule_id):
    """The rule's Chinese name first, its ID as a small tag after it."""
    name = vocabulary.rule_name(rule_id)
    if name == rule_id:
        return rule_id
    return format_html('{} <small class="rule-id">{}</small>', name, rule_id)


@register.filter
def rule_text(rule_id):
    return vocabulary.rule_text(rule_id)


@register.filter
def named_rules(text):
    return vocabulary.name_rules(text)


@register.filter
def explanation(text):
    return vocabulary.explanation_text(text)


@register.filter
def formula_text(formula):
    return vocabulary.formula_text(formula)


@register.filter
def figure_label(name):
    return vocabulary.figure_label(name)


@register.filter
def state_label(code):
    return vocabulary.state_label(code)


@register.filter
def algorithm_text(code):
    return vocabulary.algorithm_text(code)


@register.filter
def action_sentence(entry):
    return vocabulary.action_sentence(entry)


@register.filter
def changes_text(data):
    return vocabulary.changes_text(data)


@register.filter
def readable_log(log):
    return vocabulary.readable_log(log)
