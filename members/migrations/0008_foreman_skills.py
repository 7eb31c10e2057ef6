"""The qualifications a foreman or general-foreman request asks for (issue 18, rule 11; decision
0031): held as skills, granted by staff on the member's page."""

from django.db import migrations

SKILLS = [("foreman", "Foreman (qualified)"), ("general-foreman", "General foreman (qualified)")]


def forwards(apps, schema_editor):
    Skill = apps.get_model("members", "Skill")
    for code, name in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("members", "0007_laborpower_registration_list")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
