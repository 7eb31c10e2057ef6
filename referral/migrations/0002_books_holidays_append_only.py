import datetime

from django.db import migrations

from unioncore.audit import AppendOnly

T = datetime.time
# code, name, classification, book_number, region, referral start, internet bidding
BOOKS = [
    ("WIRE_SEA_1", "Inside Wireperson — Seattle Book 1", "inside_wireperson", 1, "seattle", T(8, 30), True),
    ("WIRE_SEA_2", "Inside Wireperson — Seattle Book 2", "inside_wireperson", 2, "seattle", T(8, 30), True),
    ("WIRE_BRE_1", "Inside Wireperson — Bremerton Book 1", "inside_wireperson", 1, "bremerton", T(8, 30), True),
    ("WIRE_BRE_2", "Inside Wireperson — Bremerton Book 2", "inside_wireperson", 2, "bremerton", T(8, 30), True),
    ("WIRE_PA_1", "Inside Wireperson — Port Angeles Book 1", "inside_wireperson", 1, "port_angeles", T(8, 30), True),
    ("WIRE_PA_2", "Inside Wireperson — Port Angeles Book 2", "inside_wireperson", 2, "port_angeles", T(8, 30), True),
    ("TRADE_SEA_1", "Tradeshow — Seattle Book 1", "tradeshow", 1, "seattle", T(9, 0), False),
    ("STOCK_SEA_1", "Stockperson — Seattle Book 1", "stockperson", 1, "seattle", T(9, 0), False),
    ("TECH_SEA_1", "Technician — Seattle Book 1", "technician", 1, "seattle", T(9, 15), True),
    ("UTIL_SEA_1", "Utility Worker — Seattle Book 1", "utility_worker", 1, "seattle", T(9, 30), False),
    ("TERO_SEA_1", "TERO Apprentice Wire — Seattle Book 1", "tero_apprentice_wire", 1, "seattle", T(9, 30), False),
]

D = datetime.date
HOLIDAYS = [
    (D(2026, 1, 1), "New Year's Day"), (D(2026, 1, 19), "Martin Luther King Jr. Day"),
    (D(2026, 2, 16), "Presidents' Day"), (D(2026, 5, 25), "Memorial Day"), (D(2026, 6, 19), "Juneteenth"),
    (D(2026, 7, 3), "Independence Day (observed)"), (D(2026, 9, 7), "Labor Day"),
    (D(2026, 11, 11), "Veterans Day"), (D(2026, 11, 26), "Thanksgiving"), (D(2026, 11, 27), "Day after Thanksgiving"),
    (D(2026, 12, 25), "Christmas Day"),
    (D(2027, 1, 1), "New Year's Day"), (D(2027, 1, 18), "Martin Luther King Jr. Day"),
    (D(2027, 2, 15), "Presidents' Day"), (D(2027, 5, 31), "Memorial Day"),
    (D(2027, 6, 18), "Juneteenth (observed)"), (D(2027, 7, 5), "Independence Day (observed)"),
    (D(2027, 9, 6), "Labor Day"), (D(2027, 11, 11), "Veterans Day"), (D(2027, 11, 25), "Thanksgiving"),
    (D(2027, 11, 26), "Day after Thanksgiving"), (D(2027, 12, 24), "Christmas Day (observed)"),
]  # fmt: skip


def forwards(apps, schema_editor):
    ReferralBook = apps.get_model("referral", "ReferralBook")
    Holiday = apps.get_model("referral", "Holiday")
    for code, name, classification, number, region, start, bidding in BOOKS:
        # Only what is missing: a rule value staff changed is never overwritten.
        ReferralBook.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "classification": classification, "book_number": number, "region": region,
                "referral_start_time": start, "internet_bidding_enabled": bidding,
            },
        )  # fmt: skip
    for day, name in HOLIDAYS:
        Holiday.objects.get_or_create(date=day, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("referral", "0001_initial"), ("unioncore", "0003_append_only_history"), ("members", "0004_alter_historicalmember_exempt_reason_and_more")]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        AppendOnly("referral_registrationactivity"),
        AppendOnly("referral_historicalbookregistration"),
        AppendOnly("referral_historicalreferralbook"),
        AppendOnly("referral_historicalregistrationactivity"),
        AppendOnly("referral_historicalholiday"),
        AppendOnly("referral_historicalmaintenancerun"),
    ]
