"""Money is Decimal yuan; this module holds the one rounding point of the engine.

Every benefit line is computed exactly and rounded here, once, to the fen (0.01 yuan) with
ROUND_HALF_UP. Caps and accumulators then work on the rounded amounts (catalogue §0).
"""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def round_to_fen(amount: Decimal) -> Decimal:
    """The single rounding point: exact amount -> yuan with two decimals, half up."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def has_at_most_two_decimals(amount: Decimal) -> bool:
    """True when `amount` is a finite number of whole fen (no hidden third decimal)."""
    if not amount.is_finite():
        return False
    return amount == amount.quantize(FEN)


def format_money(amount: Decimal) -> str:
    """Render an amount as it travels in JSON: a string with exactly two decimals."""
    return f"{amount:.2f}"
