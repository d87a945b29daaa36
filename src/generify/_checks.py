"""Type checks for parameters, shared by every module that validates numbers.

``bool`` is an ``int`` to Python but never a valid count, rate or duration here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def is_integer(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy integer (not a bool)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_finite_real(value: Any) -> bool:
    """Whether ``value`` is a finite Python or numpy real number (not a bool)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and math.isfinite(value)
    )
