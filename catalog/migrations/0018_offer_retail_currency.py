"""The currency a fixed retail price is meant in, stored with it.

Until now the retail price had none of its own: it was read in the offer's currency of the moment, so
when the supplier changed an offer's currency, "700" meant RUB one day and USD the next. Existing
retail prices are given the offer's currency as it is now, the one they were set and shown in."""

from django.db import migrations, models
from django.db.models import F


def retail_in_the_offer_currency(apps, schema_editor):
    Offer = apps.get_model("catalog", "Offer")
    Offer.objects.filter(retail_price__isnull=False).update(retail_currency=F("currency"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0017_gift_servable_id_index")]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="retail_currency",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=8,
                verbose_name="retail currency",
            ),
        ),
        migrations.RunPython(retail_in_the_offer_currency, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="offer",
            constraint=models.CheckConstraint(
                condition=models.Q(retail_price__isnull=True) | ~models.Q(retail_currency=""),
                name="offer_retail_price_has_currency",
            ),
        ),
    ]
