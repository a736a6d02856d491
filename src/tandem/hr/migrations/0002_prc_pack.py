"""The PRC pack as data with validity dates: social insurance and housing fund per city, and
the individual income tax tables. Facts and figures only; a new year is one more row.

Social insurance bases (下限/上限 = 60 % / 300 % of the city's average wage) and rates:
- Shanghai: 上海市人力资源和社会保障局, 关于调整2024年度本市职工社会保险缴费基数上下限的通知
  (from 2024-07-01: 7,384 / 36,921) and its 2025 notice (from 2025-07-01: 7,460 / 37,302);
  rates pension 16 % / 8 %, medical 9 % / 2 %, maternity 1 % (employer), unemployment
  0.5 % / 0.5 %, work injury 0.16 % (the first industry class; 0.16 %-1.52 % by class).
  Housing fund: 上海市住房公积金管理委员会, 2024 and 2025 年度缴存基数 notices (floor 2,690,
  the ceiling equals the social insurance ceiling), rate 5 %-7 %, each amount rounded to the
  yuan.
- Beijing: 北京市人力资源和社会保障局 2024 notice (from 2024-07-01: 6,821 / 35,283) and 2025
  notice (from 2025-07-01: 7,162 / 35,811); pension 16 % / 8 %, medical 9 % / 2 % + 3 yuan
  (大额医疗互助), maternity 0.8 % (employer), unemployment 0.5 % / 0.5 %, work injury 0.2 %
  (lowest class). Housing fund: 北京住房公积金管理中心 (floor = minimum wage 2,420 from 2023-09,
  2,540 from 2025-09; ceiling as social insurance), rate 5 %-12 %, rounded to the yuan.
Social insurance amounts are rounded to the fen (half up) in both cities.

Income tax: 个人所得税法 (2018 amendment) 附表一, the annual comprehensive-income table used
by cumulative withholding (国家税务总局公告2018年第61号); the monthly table for the annual
one-time bonus taxed separately (财税〔2018〕164号, extended to 2027-12-31 by 财政部 税务总局
公告2023年第30号).
"""

from datetime import date
from decimal import Decimal as D

from django.db import migrations

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
# (rates, from, to, base floor, base ceiling, housing fund floor, source)
PERIODS = [
    (SHANGHAI, date(2024, 7, 1), date(2025, 6, 30), "7384", "36921", "2690", "上海市人社局 2024"),
    (SHANGHAI, date(2025, 7, 1), None, "7460", "37302", "2690", "上海市人社局 2025"),
    (BEIJING, date(2024, 7, 1), date(2025, 6, 30), "6821", "35283", "2420", "北京市人社局 2024"),
    (BEIJING, date(2025, 7, 1), date(2025, 8, 31), "7162", "35811", "2420", "北京市人社局 2025"),
    (BEIJING, date(2025, 9, 1), None, "7162", "35811", "2540", "北京市人社局 2025; 最低工资 2025-09"),
]
# (upper bound or None, rate, quick deduction)
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


def load(apps, schema_editor):
    Rule = apps.get_model("hr", "SocialInsuranceRule")
    Bracket = apps.get_model("hr", "IncomeTaxBracket")
    for rates, start, end, floor, ceiling, hf_floor, source in PERIODS:
        Rule.objects.create(
            **rates,
            valid_from=start,
            valid_to=end,
            base_floor=D(floor),
            base_ceiling=D(ceiling),
            housing_fund_floor=D(hf_floor),
            housing_fund_ceiling=D(ceiling),
            source=source,
        )
    for table, rows in (("annual", ANNUAL), ("monthly", MONTHLY)):
        for upper, rate, quick in rows:
            Bracket.objects.create(
                table=table,
                valid_from=TAX_FROM,
                upper=D(upper) if upper else None,
                rate=D(rate),
                quick_deduction=D(quick),
            )


def unload(apps, schema_editor):
    apps.get_model("hr", "SocialInsuranceRule").objects.all().delete()
    apps.get_model("hr", "IncomeTaxBracket").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("hr", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
