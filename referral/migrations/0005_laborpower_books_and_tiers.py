"""The books as Local 46 keeps them in LaborPower (decision 0028): more tiers than the seeds
named, and each book's LaborPower name, which with the tier finds it in LaborPower's exports."""

import datetime

from django.db import migrations

T = datetime.time
# LaborPower name, code prefix, name, classification, region, tiers, referral start, internet bidding
BOOKS = [
    ("WIRE SEATTLE", "WIRE_SEA", "Inside Wireperson — Seattle", "inside_wireperson", "seattle", 4, T(8, 30), True),
    ("WIRE BREMERTON", "WIRE_BRE", "Inside Wireperson — Bremerton", "inside_wireperson", "bremerton", 3, T(8, 30), True),
    ("WIRE PT ANGELES", "WIRE_PA", "Inside Wireperson — Port Angeles", "inside_wireperson", "port_angeles", 4, T(8, 30),
     True),
    ("TRADESHOW", "TRADE_SEA", "Tradeshow — Seattle", "tradeshow", "seattle", 3, T(9, 0), False),
    ("STOCKMAN", "STOCK_SEA", "Stockperson — Seattle", "stockperson", "seattle", 3, T(9, 30), False),
    ("TECHNICIAN", "TECH_SEA", "Technician — Seattle", "technician", "seattle", 3, T(9, 15), True),
    ("UTILITY WORKER", "UTIL_SEA", "Utility Worker — Seattle", "utility_worker", "seattle", 1, T(9, 30), False),
    ("TERO APPR WIRE", "TERO_SEA", "TERO Apprentice Wire — Seattle", "tero_apprentice_wire", "seattle", 1, T(9, 30),
     False),
]  # fmt: skip


def forwards(apps, schema_editor):
    ReferralBook = apps.get_model("referral", "ReferralBook")
    for lp_name, prefix, name, classification, region, tiers, start, bidding in BOOKS:
        for tier in range(1, tiers + 1):
            book, created = ReferralBook.objects.get_or_create(
                code=f"{prefix}_{tier}",
                defaults={
                    "name": f"{name} Book {tier}", "classification": classification, "book_number": tier,
                    "region": region, "referral_start_time": start, "internet_bidding_enabled": bidding,
                    "laborpower_name": lp_name,
                },
            )  # fmt: skip
            if not created and not book.laborpower_name and lp_name:
                book.laborpower_name = lp_name  # never overwrite what staff set
                book.save(update_fields=["laborpower_name"])


class Migration(migrations.Migration):
    dependencies = [("referral", "0004_laborpower_registration_list")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
