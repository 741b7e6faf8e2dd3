"""One factory per record kind (eyecite's habit): tests build expected records from these."""

from __future__ import annotations

from decimal import Decimal

from graph.ids import project_id
from graph.models import Indicator, Project, Span


def span(line: int = 1, end_line: int | None = None, file: str = "t.txt", raw: str = "") -> Span:
    return Span(file, line, end_line if end_line is not None else line, raw)


def indicator(name: str = "群众满意度", **kw) -> Indicator:
    values = dict(
        level1="满意度指标", level2="服务对象满意度指标", name=name, measure_unit="%", operator="≥",
        target_text="90", target=90.0, weight=10.0, core=True, recovered=False, span=span(),
    )  # fmt: skip
    values.update(kw)
    return Indicator(**values)  # type: ignore[arg-type]


def project(name: str = "某项目", overview: str = "", goals: str = "", **kw) -> Project:
    unit_code = kw.pop("unit_code", "201")
    region = kw.pop("region", "重庆市北碚区")
    values = dict(
        id=project_id(region, 2024, unit_code, name), name=name, year=2024, region=region, unit_code=unit_code,
        unit_name="某局",
        department="某局", execution_weight=10.0, amount=Decimal("1"), retained=Decimal("1"), to_towns=Decimal("0"),
        overview=overview, basis=(), goals=goals, indicators=(), citations=(), unparsed=(), source="t.txt",
        span=span(), title="",
    )  # fmt: skip
    values.update(kw)
    return Project(**values)  # type: ignore[arg-type]
