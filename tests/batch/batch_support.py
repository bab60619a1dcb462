"""Helpers of the batch tests: the names every format test screens, and writing a CSV."""

from __future__ import annotations

from pathlib import Path

KNOWN = [
    ("华为技术有限公司", "CN", "机构"),
    ("Huawei Technologies Co., Ltd.", "CN", "Organization"),
    ("電子科技大學", "中国", ""),
    ("Beijing Nuodian Keji Youxian Gongsi", "", ""),
    ("哈尔滨工业大学", "CN", ""),
    ("Zelquor Vantis Trading GmbH", "DE", ""),
    ("北京测试预热科技有限公司", "CN", ""),
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",", bom: bool = False) -> Path:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return path
