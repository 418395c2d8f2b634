"""Country codes: Affise's generate takes alpha-2 or alpha-3, in any case."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=512)
def to_alpha2(code: str) -> str:
    """Return the ISO 3166 alpha-2 code for an alpha-2 or alpha-3 code; raise ValueError."""
    import pycountry

    text = str(code).strip().upper()
    country = None
    if len(text) == 2:
        country = pycountry.countries.get(alpha_2=text)
    elif len(text) == 3:
        country = pycountry.countries.get(alpha_3=text)
    if country is None:
        raise ValueError(f"unknown country code '{code}'")
    return country.alpha_2
