"""The PRC pack's figures, as plain data with validity dates (no Django imports, so the data
migration and `hr.services.pack.prc_pack_ensure` install the very same rows). A new year is
one more entry. Where every figure comes from: docs/hr.md, "The PRC pack".

Social insurance bases are 60 % / 300 % of the city's average wage of the previous year
(上海 2024: 12,307 -> 7,384 / 36,921; 2025: 12,434 -> 7,460 / 37,302; 北京 2024: 11,761 ->
6,821 / 35,283 (floor set at 58 %); 2025: 11,937 -> 7,162 / 35,811;
2026: 7,270 / 36,348, i.e. 12,116 x 0.6 and x 3), valid from 1 July to
30 June. The housing fund's year runs the same way; its floor is the city's minimum wage.
"""

from datetime import date
from decimal import Decimal as D

SHANGHAI = {
    "city": "shanghai",
    "pension_employee": D("0.08"),
    "pension_employer": D("0.16"),
    "medical_employee": D("0.02"),
    "medical_employer": D("0.09"),
    "medical_fixed_employee": D("0"),
    "unemployment_employee": D("0.005"),
    "unemployment_employer": D("0.005"),
    "injury_employer": D("0.0016"),
    "maternity_employer": D("0.01"),
    "rounding": D("0.01"),
    "housing_fund_rate_min": D("0.05"),
    "housing_fund_rate_max": D("0.07"),
    "housing_fund_rounding": D("1"),
}
BEIJING = {
    "city": "beijing",
    "pension_employee": D("0.08"),
    "pension_employer": D("0.16"),
    "medical_employee": D("0.02"),
    "medical_employer": D("0.09"),
    "medical_fixed_employee": D("3"),
    "unemployment_employee": D("0.005"),
    "unemployment_employer": D("0.005"),
    "injury_employer": D("0.002"),
    "maternity_employer": D("0.008"),
    "rounding": D("0.01"),
    "housing_fund_rate_min": D("0.05"),
    "housing_fund_rate_max": D("0.12"),
    "housing_fund_rounding": D("1"),
}
# (rates, valid from, valid to, base floor, base ceiling, housing fund floor, source)
PERIODS = [
    (
        SHANGHAI,
        date(2024, 7, 1),
        date(2025, 6, 30),
        "7384",
        "36921",
        "2690",
        "上海市人社局 2024年度缴费基数通知; 上海市公积金管理中心 2024年度 (最低工资 2,690)",
    ),
    (
        SHANGHAI,
        date(2025, 7, 1),
        date(2026, 6, 30),
        "7460",
        "37302",
        "2740",
        "上海市人社局 2025年度缴费基数通知; 上海市公积金管理中心 2025年度 (最低工资 2,740)",
    ),
    (
        BEIJING,
        date(2024, 7, 1),
        date(2025, 6, 30),
        "6821",
        "35283",
        "2420",
        "北京市人社局 2024年度缴费工资基数; 北京住房公积金管理中心 (最低工资 2,420)",
    ),
    (
        BEIJING,
        date(2025, 7, 1),
        date(2025, 8, 31),
        "7162",
        "35811",
        "2420",
        "北京市人社局 2025年度缴费工资基数; 北京住房公积金管理中心 (最低工资 2,420)",
    ),
    (
        BEIJING,
        date(2025, 9, 1),
        date(2026, 6, 30),
        "7162",
        "35811",
        "2540",
        "北京市人社局 2025年度缴费工资基数; 最低工资 2,540 from 2025-09-01",
    ),
    (
        BEIJING,
        date(2026, 7, 1),
        date(2027, 6, 30),
        "7270",
        "36348",
        "2540",
        "北京市人社局 2026年度社保缴费工资基数 (2026-08-21, from 2026-07-01); "
        "housing fund floor = minimum wage 2,540",
    ),
]
# Shanghai 2026-07-01 .. 2027-06-30 is NOT shipped: only one public source gave figures
# (7,546 / 37,731) and the city's 2025 average wage was not found (docs/hr.md), so a
# Shanghai month from July 2026 fails with "no social insurance rule" instead of guessing.
# (upper bound or None, rate, quick deduction); 个人所得税法 附表一 (annual, comprehensive
# income) and the monthly table of 财税〔2018〕164号 for the one-time bonus.
ANNUAL = [
    ("36000", "0.03", "0"),
    ("144000", "0.10", "2520"),
    ("300000", "0.20", "16920"),
    ("420000", "0.25", "31920"),
    ("660000", "0.30", "52920"),
    ("960000", "0.35", "85920"),
    (None, "0.45", "181920"),
]
MONTHLY = [
    ("3000", "0.03", "0"),
    ("12000", "0.10", "210"),
    ("25000", "0.20", "1410"),
    ("35000", "0.25", "2660"),
    ("55000", "0.30", "4410"),
    ("80000", "0.35", "7160"),
    (None, "0.45", "15160"),
]
TAX_FROM = date(2019, 1, 1)


def rule_rows() -> list[dict]:
    rows = []
    for rates, start, end, floor, ceiling, hf_floor, source in PERIODS:
        rows.append(
            {
                **rates,
                "valid_from": start,
                "valid_to": end,
                "base_floor": D(floor),
                "base_ceiling": D(ceiling),
                "housing_fund_floor": D(hf_floor),
                "housing_fund_ceiling": D(ceiling),
                "source": source,
            }
        )
    return rows


def bracket_rows() -> list[dict]:
    rows = []
    for table, brackets in (("annual", ANNUAL), ("monthly", MONTHLY)):
        for upper, rate, quick in brackets:
            rows.append(
                {
                    "table": table,
                    "valid_from": TAX_FROM,
                    "valid_to": None,
                    "upper": D(upper) if upper else None,
                    "rate": D(rate),
                    "quick_deduction": D(quick),
                }
            )
    return rows


def install(rule_model, bracket_model) -> dict:
    """Make the reference tables hold the shipped rows (insert the missing ones, correct the
    figures of the ones that differ); rows that are not ours are left alone. Takes the model
    classes so a migration can pass its historical models. Returns the counts it changed."""
    created = updated = 0
    existing = {(r.city, r.valid_from): r for r in rule_model.objects.all()}
    for row in rule_rows():
        current = existing.get((row["city"], row["valid_from"]))
        if current is None:
            rule_model.objects.create(**row)
            created += 1
        elif any(getattr(current, key) != value for key, value in row.items()):
            for key, value in row.items():
                setattr(current, key, value)
            current.save()
            updated += 1
    brackets = {(b.table, b.valid_from, b.rate): b for b in bracket_model.objects.all()}
    for row in bracket_rows():
        current = brackets.get((row["table"], row["valid_from"], row["rate"]))
        if current is None:
            bracket_model.objects.create(**row)
            created += 1
        elif any(getattr(current, key) != value for key, value in row.items()):
            for key, value in row.items():
                setattr(current, key, value)
            current.save()
            updated += 1
    return {"created": created, "updated": updated}
