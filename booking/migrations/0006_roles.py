"""The back office's groups (Editors, Booking admins, Staff, Consultants), made by
`booking.roles.ensure_roles` with the historical models. Running it on a database
that has them already only adds what is missing; permissions given by hand stay."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from booking.core.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_override_availability_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    # Groups are kept on the way back: people may have been put in them.
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
