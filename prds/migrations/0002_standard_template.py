from django.db import migrations

STANDARD_NAME = "Standard PRD"
STANDARD_BODY = """## Problem

What is wrong today, for whom, and how we know (link the evidence: tickets, interviews, metrics).

## Users

Who this is for: the personas or segments, and what they are trying to get done.

## Goals

- A measurable outcome, e.g. "a TPM can plan a quarter without leaving Lodestar".

## Non-goals

- What this deliberately does not do, so nobody builds it by accident.

## Requirements

1. What must be true when this ships. Put testable ones in the acceptance criteria below.

## Success metrics

| Metric | Today | Target | By |
|---|---|---|---|
| Weekly active users of the feature | 0 | 40 % of accounts | end of next quarter |

## Open questions

- [ ] A question that needs an answer before approval, and who owns it.
"""


def add_standard_template(apps, schema_editor):
    template = apps.get_model("prds", "PrdTemplate")
    template.objects.get_or_create(
        product=None,
        name=STANDARD_NAME,
        defaults={
            "description": (
                "Problem, users, goals, non-goals, requirements, success metrics, open questions."
            ),
            "body": STANDARD_BODY,
        },
    )


def remove_standard_template(apps, schema_editor):
    apps.get_model("prds", "PrdTemplate").objects.filter(product=None, name=STANDARD_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("prds", "0001_initial")]

    operations = [migrations.RunPython(add_standard_template, remove_standard_template)]
