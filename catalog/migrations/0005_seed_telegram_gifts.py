from django.db import migrations


def seed(apps, schema_editor):
    from catalog.services.telegram_gifts import seed_telegram_gifts

    seed_telegram_gifts(model=apps.get_model("catalog", "TelegramGift"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_products"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
