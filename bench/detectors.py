"""python -m bench.detectors: values per second of each PD detector, on this machine.

    python -m bench.detectors [--values N] [--distinct N]

Builds N sampled strings (100,000 by default) of a mixed column: phones, e-mails, names,
numbers, dates and words, with --distinct different values among them (a real column
repeats values; detectors work once per distinct value). Each detector runs once cold
(dictionaries loaded first, caches empty) over the N values; the line says values per
second. A scan samples a few thousand values per column, so ~50,000/s per detector is
plenty. Exit 0 whatever the numbers: this measures, it does not judge.
"""

from __future__ import annotations

import argparse
import random
import time

import pandas as pd

from pdpipe.detectors import DETECTORS, embeds_pd, find_spans, morph, phone


def _values(count: int, distinct: int, seed: int = 5) -> pd.Series:
    rng = random.Random(seed)
    first = ["Иван", "Ольга", "Айгерим", "Sergey", "John", "Мария", "Данияр", "Anna"]
    last = ["Иванов", "Смирнова", "Ахметов", "Kuznetsova", "Smith", "Сулейменова"]
    makers = [
        lambda: (
            f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-"
            f"{rng.randint(10, 99)}"
        ),
        lambda: f"user{rng.randint(1, 10**6)}@mail.ru",
        lambda: f"{rng.choice(last)} {rng.choice(first)}",
        lambda: str(rng.randint(10**9, 10**12)),
        lambda: f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1950, 2005)}",
        lambda: rng.choice(["Новый договор", "Premium Plan", "оплачено", "ok", "Table"]),
        lambda: f"Просил перезвонить на 8 912 {rng.randint(100, 999)} 45 67 после 15:00.",
    ]
    pool = [rng.choice(makers)() for _ in range(distinct)]
    return pd.Series([rng.choice(pool) for _ in range(count)], dtype=object)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=20_000)
    args = parser.parse_args()
    values = _values(args.values, args.distinct)
    morph.analyzer()  # the dictionary's one-off load (0.1 s) is not a detector's speed
    phone._phonenumbers()
    find_spans("Иванов Иван +7 912 345-67-89")
    for name, detector in sorted(DETECTORS.items()):
        started = time.perf_counter()
        detector.matches(values, named=True)
        elapsed = time.perf_counter() - started
        print(f"{name:12} {args.values / elapsed:>12,.0f} values/s  ({elapsed:.2f} s)")
    started = time.perf_counter()
    embeds_pd(values)
    elapsed = time.perf_counter() - started
    print(f"{'free text':12} {args.values / elapsed:>12,.0f} values/s  ({elapsed:.2f} s)")


if __name__ == "__main__":
    main()
