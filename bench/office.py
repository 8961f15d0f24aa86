"""Figures for union office work: reading and deciding a group application of N staff (.xlsx and
.csv), and building the month's publicity and the report from N decided claims. Prints rows per
second, wall time and peak RSS, with the load average (the machine is shared).

    python bench/office.py [--staff 50000] [--claims 20000] [--member-claims 200]

`--member-claims N`: one member's N stays recorded in a SQLite ledger, the first voided, the
member decided again (preview, then recorded: every later claim moves), and the month's
publicity read back from the ledger.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Adjudicator  # noqa: E402
from engine.enrolment.application import application_info, decide_application  # noqa: E402
from engine.enrolment.resident_id import check_character  # noqa: E402
from engine.enrolment.staff_list import read_staff_list  # noqa: E402

HEADER = ["姓名", "身份证号", "性别", "出生日期", "参保计划", "份数/档次", "是否参保"]


def people(count: int):
    for index in range(count):
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=index % 12_000)  # unique numbers up to 1,200,000 staff
        male = index % 2 == 0
        first17 = f"110101{birth:%Y%m%d}{index // 12_000 % 100:02d}{(index // 7 % 5) * 2 + (1 if male else 0)}"
        yield [f"职工{index}", first17 + check_character(first17), "男" if male else "女", birth.isoformat(),
               "inpatient-medical", 2, "是" if index % 10 else "否"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_application(adjudicator, count: int, folder: Path) -> None:
    import openpyxl

    xlsx, text = folder / "staff.xlsx", folder / "staff.csv"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADER)
    rows = list(people(count))
    for row in rows:
        sheet.append(row)
    workbook.save(xlsx)
    with text.open("w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(HEADER)
        writer.writerows(rows)
    given = {"employer": "某某集团工会", "office": "beijing", "start": dt.date(2024, 1, 1)}
    for path in (xlsx, text):
        for run in (1, 2):
            started = time.perf_counter()
            staff = read_staff_list(path)
            read = time.perf_counter() - started
            result = decide_application(staff, application_info(staff, given), adjudicator.plans, today=dt.date(2024, 1, 1))
            total = time.perf_counter() - started
            plan = result.plans[0]
            print(f"application {path.suffix} {count:,} staff (run {run}): read {read:.2f} s, read+decide {total:.2f} s, "
                  f"{count / total:,.0f} rows/s; {plan.participation.text}; peak RSS {rss_mb():.0f} MB; load {os.getloadavg()[0]:.2f}")


def bench_publicity(adjudicator, count: int) -> None:
    from engine.office.notice import plan_titles
    from engine.office.publicity import build_publicity, publicity_csv, publicity_html, publicity_xlsx
    from engine.office.records import adjudicated_in_memory
    from engine.office.reports import build_report, fees_of_claims, report_html, report_xlsx

    claims = []
    for index in range(count):
        day = dt.date(2024, 6, 1) + dt.timedelta(days=index % 20)
        claims.append({"claim_id": f"c-{index}", "received": (day + dt.timedelta(days=9)).isoformat(),
                       "member": {"member_id": f"m-{index}", "name": f"职工{index}", "id_number": f"1101011980010{index:05d}",
                                  "employer": "某某集团", "gender": "male", "birth_date": "1980-01-01", "office": "beijing",
                                  "medical_insurance": "urban_employee", "employment": "standard"},
                       "enrolments": [{"enrolment_id": "e", "plan": "inpatient-medical", "units": 2, "fee_paid": "120.00",
                                       "start": "2024-01-01", "end": "2024-12-31"}],
                       "event": {"kind": "hospital_stay", "admission": day.isoformat(), "discharge": (day + dt.timedelta(days=5)).isoformat(),
                                 "cause": "disease", "designated": True, "total": "9000.00", "fund_paid": "5000.00",
                                 "self_pay_in_scope": "3000.00", "self_pay_out_of_scope": "1000.00", "diagnoses": [{"code": "J18.9"}]}})
    started = time.perf_counter()
    decided = list(adjudicated_in_memory(adjudicator, claims))
    adjudicated = time.perf_counter() - started
    for run in (1, 2):
        started = time.perf_counter()
        publicity = build_publicity(decided, "beijing", "2024-06")
        sizes = [len(publicity_csv(publicity)), len(publicity_xlsx(publicity)), len(publicity_html(publicity))]
        elapsed = time.perf_counter() - started
        print(f"publicity of {len(publicity.rows):,} rows from {count:,} claims (run {run}): {elapsed:.2f} s for CSV+XLSX+HTML "
              f"({', '.join(f'{size / 1e6:.1f} MB' for size in sizes)}); load {os.getloadavg()[0]:.2f}")
        started = time.perf_counter()
        report = build_report(decided, fees_of_claims(decided, plan_titles(adjudicator)))
        sizes = [len(report_html(report)), len(report_xlsx(report))]
        print(f"report of {count:,} claims (run {run}): {time.perf_counter() - started:.2f} s for HTML+XLSX "
              f"({', '.join(f'{size / 1e3:.0f} kB' for size in sizes)})")
    print(f"(adjudicating the {count:,} claims in memory took {adjudicated:.1f} s; peak RSS {rss_mb():.0f} MB)")


def bench_corrections(adjudicator, count: int, folder: Path) -> None:
    from engine.office.publicity import build_publicity
    from engine.office.records import from_ledger
    from engine.store import open_store
    from engine.store.corrections import readjudicate, void_claim

    member = {"member_id": "m-1", "name": "王小明", "id_number": "11010519491231002X", "employer": "某某集团", "gender": "male",
              "birth_date": "1979-03-15", "office": "beijing", "medical_insurance": "urban_employee", "employment": "standard"}
    enrolments = [{"enrolment_id": "e", "plan": "inpatient-medical", "units": 3, "fee_paid": "180.00", "start": "2024-01-01",
                   "end": "2024-12-31"}, {"enrolment_id": "h", "plan": "hospital-allowance", "units": 1, "fee_paid": "30.00",
                                          "start": "2024-01-01", "end": "2024-12-31"}]
    claims = []
    for index in range(count):  # same-day stays on distinct days (beyond 270 claims some repeat a day: duplicates)
        day = dt.date(2024, 4, 1) + dt.timedelta(days=index % 270)
        claims.append({"claim_id": f"s-{index}", "member": member, "enrolments": enrolments,
                       "event": {"kind": "hospital_stay", "admission": day.isoformat(), "discharge": day.isoformat(),
                                 "cause": "disease", "designated": True, "total": "900.00", "fund_paid": "300.00",
                                 "self_pay_in_scope": "600.00", "self_pay_out_of_scope": "0.00", "diagnoses": [{"code": "J18.9"}]}})
    store = open_store(str(folder / "ledger.db"))
    try:
        started = time.perf_counter()
        list(store.submit_many(adjudicator, claims))
        recorded = time.perf_counter() - started
        started = time.perf_counter()
        void_claim(store, "s-0", "bench", "bench")
        voided = time.perf_counter() - started
        started = time.perf_counter()
        preview = readjudicate(store, adjudicator, "m-1", reason="bench", actor="bench")
        shown = time.perf_counter() - started
        started = time.perf_counter()
        done = readjudicate(store, adjudicator, "m-1", reason="bench", actor="bench", record=True, expected=preview.digest)
        written = time.perf_counter() - started
        started = time.perf_counter()
        rows = len(build_publicity(from_ledger(store), "beijing", dt.date.today().strftime("%Y-%m")).rows)
        published = time.perf_counter() - started
        drift = store.verify()
    finally:
        store.close()
    print(f"corrections, one member with {count:,} claims on SQLite: recorded in {recorded:.2f} s; void {voided * 1000:.0f} ms; "
          f"readjudicate preview {shown:.2f} s ({len(preview.reruns)} claims, {len(preview.changed)} changed), recorded "
          f"{written:.2f} s ({len(done.changed)} new versions); publicity from the ledger {published:.2f} s ({rows} rows); "
          f"drift {len(drift)}; load {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=50_000)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--member-claims", type=int, default=200)
    arguments = parser.parse_args()
    adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules")
    with tempfile.TemporaryDirectory(prefix="bench-office-") as folder:
        bench_application(adjudicator, arguments.staff, Path(folder))
    bench_publicity(adjudicator, arguments.claims)
    with tempfile.TemporaryDirectory(prefix="bench-corrections-") as folder:
        bench_corrections(adjudicator, arguments.member_claims, Path(folder))


if __name__ == "__main__":
    main()
